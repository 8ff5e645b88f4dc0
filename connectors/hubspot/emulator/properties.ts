/** The emulated portal's property definitions (standard and custom), served by /crm/v3/properties/{type}. */
export interface PropertyDef {
  name: string;
  label: string;
  type: 'string' | 'number' | 'enumeration' | 'datetime' | 'date' | 'bool' | 'phone_number';
  fieldType: string;
  options?: { label: string; value: string }[];
  custom?: boolean;
  groupName?: string;
}

const opt = (...values: string[]): { label: string; value: string }[] =>
  values.map((v) => ({ label: v.toLowerCase().replace(/_/g, ' ').replace(/\b\w/g, (c) => c.toUpperCase()), value: v }));

const common: PropertyDef[] = [
  { name: 'hs_object_id', label: 'Record ID', type: 'number', fieldType: 'number' },
  { name: 'createdate', label: 'Create Date', type: 'datetime', fieldType: 'date' },
  { name: 'hubspot_owner_id', label: 'Owner', type: 'enumeration', fieldType: 'select' },
];

export const DEAL_STAGES = ['appointmentscheduled', 'qualifiedtobuy', 'presentationscheduled', 'decisionmakerboughtin', 'contractsent', 'closedwon', 'closedlost'] as const;
export const INDUSTRIES = ['TRANSPORTATION_TRUCKING_RAILROAD', 'LOGISTICS_AND_SUPPLY_CHAIN', 'WHOLESALE', 'RETAIL', 'AIRLINES_AVIATION', 'MARITIME', 'WAREHOUSING'] as const;
export const COMPANY_TYPES = ['PROSPECT', 'PARTNER', 'RESELLER', 'VENDOR', 'OTHER'] as const;
export const LIFECYCLE = ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer', 'evangelist', 'other'] as const;

export const PROPERTIES: Record<string, PropertyDef[]> = {
  companies: [
    ...common,
    { name: 'hs_lastmodifieddate', label: 'Last Modified Date', type: 'datetime', fieldType: 'date' },
    { name: 'name', label: 'Company name', type: 'string', fieldType: 'text' },
    { name: 'domain', label: 'Company Domain Name', type: 'string', fieldType: 'text' },
    { name: 'industry', label: 'Industry', type: 'enumeration', fieldType: 'select', options: opt(...INDUSTRIES) },
    { name: 'type', label: 'Type', type: 'enumeration', fieldType: 'select', options: opt(...COMPANY_TYPES) },
    { name: 'lifecyclestage', label: 'Lifecycle Stage', type: 'enumeration', fieldType: 'radio', options: opt(...LIFECYCLE) },
    { name: 'phone', label: 'Phone Number', type: 'string', fieldType: 'phonenumber' },
    { name: 'address', label: 'Street Address', type: 'string', fieldType: 'text' },
    { name: 'city', label: 'City', type: 'string', fieldType: 'text' },
    { name: 'state', label: 'State/Region', type: 'string', fieldType: 'text' },
    { name: 'zip', label: 'Postal Code', type: 'string', fieldType: 'text' },
    { name: 'country', label: 'Country/Region', type: 'string', fieldType: 'text' },
    { name: 'numberofemployees', label: 'Number of Employees', type: 'number', fieldType: 'number' },
    { name: 'annualrevenue', label: 'Annual Revenue', type: 'number', fieldType: 'number' },
    { name: 'nexus_tier', label: 'Nexus Tier', type: 'enumeration', fieldType: 'select', options: opt('gold', 'silver', 'bronze'), custom: true, groupName: 'logistics' },
    { name: 'annual_teu_volume', label: 'Annual TEU volume', type: 'number', fieldType: 'number', custom: true, groupName: 'logistics' },
    { name: 'preferred_carrier', label: 'Preferred carrier', type: 'enumeration', fieldType: 'select', options: opt('MAERSK', 'MSC', 'CMA_CGM', 'HAPAG_LLOYD', 'EVERGREEN'), custom: true, groupName: 'logistics' },
  ],
  contacts: [
    ...common,
    { name: 'lastmodifieddate', label: 'Last Modified Date', type: 'datetime', fieldType: 'date' },
    { name: 'firstname', label: 'First Name', type: 'string', fieldType: 'text' },
    { name: 'lastname', label: 'Last Name', type: 'string', fieldType: 'text' },
    { name: 'email', label: 'Email', type: 'string', fieldType: 'text' },
    { name: 'phone', label: 'Phone Number', type: 'string', fieldType: 'phonenumber' },
    { name: 'mobilephone', label: 'Mobile Phone Number', type: 'string', fieldType: 'phonenumber' },
    { name: 'jobtitle', label: 'Job Title', type: 'string', fieldType: 'text' },
    { name: 'company', label: 'Company Name', type: 'string', fieldType: 'text' },
    { name: 'city', label: 'City', type: 'string', fieldType: 'text' },
    { name: 'country', label: 'Country/Region', type: 'string', fieldType: 'text' },
    { name: 'lifecyclestage', label: 'Lifecycle Stage', type: 'enumeration', fieldType: 'radio', options: opt(...LIFECYCLE) },
    { name: 'shipping_preference', label: 'Shipping preference', type: 'enumeration', fieldType: 'select', options: opt('OCEAN', 'AIR', 'ROAD', 'RAIL'), custom: true, groupName: 'logistics' },
  ],
  deals: [
    ...common,
    { name: 'hs_lastmodifieddate', label: 'Last Modified Date', type: 'datetime', fieldType: 'date' },
    { name: 'dealname', label: 'Deal Name', type: 'string', fieldType: 'text' },
    { name: 'amount', label: 'Amount', type: 'number', fieldType: 'number' },
    { name: 'deal_currency_code', label: 'Currency', type: 'enumeration', fieldType: 'select', options: opt('USD', 'EUR', 'GBP') },
    { name: 'dealstage', label: 'Deal Stage', type: 'enumeration', fieldType: 'radio', options: DEAL_STAGES.map((v) => ({ label: v, value: v })) },
    { name: 'pipeline', label: 'Pipeline', type: 'enumeration', fieldType: 'select', options: [{ label: 'Sales Pipeline', value: 'default' }] },
    { name: 'closedate', label: 'Close Date', type: 'datetime', fieldType: 'date' },
    { name: 'hs_deal_stage_probability', label: 'Deal probability', type: 'number', fieldType: 'number' },
    { name: 'freight_mode', label: 'Freight mode', type: 'enumeration', fieldType: 'select', options: opt('OCEAN', 'AIR', 'ROAD', 'RAIL'), custom: true, groupName: 'logistics' },
  ],
  calls: [
    ...common,
    { name: 'hs_lastmodifieddate', label: 'Last Modified Date', type: 'datetime', fieldType: 'date' },
    { name: 'hs_timestamp', label: 'Activity date', type: 'datetime', fieldType: 'date' },
    { name: 'hs_call_title', label: 'Call Title', type: 'string', fieldType: 'text' },
    { name: 'hs_call_body', label: 'Call notes', type: 'string', fieldType: 'html' },
    { name: 'hs_call_duration', label: 'Call duration', type: 'number', fieldType: 'number' },
    { name: 'hs_call_direction', label: 'Call direction', type: 'enumeration', fieldType: 'select', options: opt('INBOUND', 'OUTBOUND') },
    { name: 'hs_call_status', label: 'Call status', type: 'enumeration', fieldType: 'select', options: opt('COMPLETED', 'BUSY', 'NO_ANSWER', 'FAILED') },
  ],
  meetings: [
    ...common,
    { name: 'hs_lastmodifieddate', label: 'Last Modified Date', type: 'datetime', fieldType: 'date' },
    { name: 'hs_timestamp', label: 'Activity date', type: 'datetime', fieldType: 'date' },
    { name: 'hs_meeting_title', label: 'Meeting name', type: 'string', fieldType: 'text' },
    { name: 'hs_meeting_body', label: 'Meeting description', type: 'string', fieldType: 'html' },
    { name: 'hs_meeting_start_time', label: 'Start time', type: 'datetime', fieldType: 'date' },
    { name: 'hs_meeting_end_time', label: 'End time', type: 'datetime', fieldType: 'date' },
    { name: 'hs_meeting_outcome', label: 'Outcome', type: 'enumeration', fieldType: 'select', options: opt('SCHEDULED', 'COMPLETED', 'RESCHEDULED', 'NO_SHOW', 'CANCELED') },
  ],
  tasks: [
    ...common,
    { name: 'hs_lastmodifieddate', label: 'Last Modified Date', type: 'datetime', fieldType: 'date' },
    { name: 'hs_timestamp', label: 'Due date', type: 'datetime', fieldType: 'date' },
    { name: 'hs_task_subject', label: 'Task Title', type: 'string', fieldType: 'text' },
    { name: 'hs_task_body', label: 'Task notes', type: 'string', fieldType: 'html' },
    { name: 'hs_task_status', label: 'Task Status', type: 'enumeration', fieldType: 'select', options: opt('NOT_STARTED', 'IN_PROGRESS', 'WAITING', 'COMPLETED', 'DEFERRED') },
    { name: 'hs_task_priority', label: 'Priority', type: 'enumeration', fieldType: 'select', options: opt('NONE', 'LOW', 'MEDIUM', 'HIGH') },
    { name: 'hs_task_type', label: 'Task Type', type: 'enumeration', fieldType: 'select', options: opt('TODO', 'CALL', 'EMAIL') },
  ],
  notes: [
    ...common,
    { name: 'hs_lastmodifieddate', label: 'Last Modified Date', type: 'datetime', fieldType: 'date' },
    { name: 'hs_timestamp', label: 'Activity date', type: 'datetime', fieldType: 'date' },
    { name: 'hs_note_body', label: 'Note body', type: 'string', fieldType: 'html' },
  ],
};

/** Properties returned when the request names none (as HubSpot does per object). */
export const DEFAULT_PROPERTIES: Record<string, string[]> = {
  companies: ['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name'],
  contacts: ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'],
  deals: ['amount', 'closedate', 'createdate', 'dealname', 'dealstage', 'hs_lastmodifieddate', 'hs_object_id', 'pipeline'],
  calls: ['createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  meetings: ['createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  tasks: ['createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  notes: ['createdate', 'hs_lastmodifieddate', 'hs_object_id'],
};

/** The HubSpot-shaped property JSON. */
export function propertyJson(p: PropertyDef, displayOrder: number): Record<string, unknown> {
  return {
    updatedAt: '2024-03-01T10:00:00.000Z',
    createdAt: '2023-01-15T09:30:00.000Z',
    name: p.name,
    label: p.label,
    type: p.type,
    fieldType: p.fieldType,
    description: '',
    groupName: p.groupName ?? 'information',
    options: (p.options ?? []).map((o, i) => ({ label: o.label, value: o.value, displayOrder: i, hidden: false })),
    displayOrder,
    calculated: false,
    externalOptions: false,
    hasUniqueValue: p.name === 'hs_object_id',
    hidden: false,
    ...(p.custom ? {} : { hubspotDefined: true }),
    modificationMetadata: { archivable: Boolean(p.custom), readOnlyDefinition: !p.custom, readOnlyValue: p.name === 'hs_object_id' },
    formField: Boolean(p.custom),
    dataSensitivity: 'non_sensitive',
  };
}
