/**
 * The emulated org's schema: standard objects, customer-added custom fields and one custom object,
 * declared as data. Describe, describeGlobal, SOQL validation and CSV/JSON formatting all read this.
 */
export type SfFieldType =
  | 'id' | 'string' | 'boolean' | 'int' | 'double' | 'currency' | 'percent' | 'date' | 'datetime'
  | 'picklist' | 'reference' | 'phone' | 'email' | 'url' | 'textarea' | 'address';

export interface SfField {
  name: string;
  type: SfFieldType;
  label?: string;
  custom?: boolean;
  nillable?: boolean;
  length?: number;
  referenceTo?: string[];
  relationshipName?: string;
  picklist?: string[];
  /** For address components: the compound field they belong to. */
  compoundFieldName?: string;
}

export interface SfObject {
  name: string;
  label: string;
  keyPrefix: string;
  custom?: boolean;
  /** Bulk API 2.0 refuses this object (the REST query fallback must be used). */
  bulkUnsupported?: boolean;
  /** How many records exist for a data set of `accounts` Accounts. */
  count(accounts: number): number;
  fields: SfField[];
}

const f = (name: string, type: SfFieldType, extra: Partial<SfField> = {}): SfField => ({ name, type, ...extra });
const ref = (name: string, to: string[], relationshipName: string, extra: Partial<SfField> = {}): SfField =>
  f(name, 'reference', { referenceTo: to, relationshipName, length: 18, ...extra });
const pl = (name: string, values: string[], extra: Partial<SfField> = {}): SfField => f(name, 'picklist', { picklist: values, ...extra });

/** A compound address field plus its components (prefix '' for Lead's Street/City/...). */
function address(prefix: string, compound: string): SfField[] {
  const c = (n: string, len: number): SfField => f(`${prefix}${n}`, n === 'Street' ? 'textarea' : 'string', { length: len, compoundFieldName: compound });
  return [c('Street', 255), c('City', 40), c('State', 80), c('PostalCode', 20), c('Country', 80), f(compound, 'address', { nillable: true })];
}

const audit: SfField[] = [
  f('CreatedDate', 'datetime', { nillable: false }),
  ref('CreatedById', ['User'], 'CreatedBy', { nillable: false }),
  f('LastModifiedDate', 'datetime', { nillable: false }),
  f('SystemModstamp', 'datetime', { nillable: false }),
];
const idField = f('Id', 'id', { nillable: false, length: 18 });
const isDeleted = f('IsDeleted', 'boolean', { nillable: false });
const owner = ref('OwnerId', ['User'], 'Owner', { nillable: false });

export const ACCOUNT_TYPES = ['Prospect', 'Customer - Direct', 'Customer - Channel', 'Channel Partner / Reseller', 'Installation Partner', 'Technology Partner', 'Other', 'Freight Forwarder'];
export const INDUSTRIES = ['Transportation', 'Manufacturing', 'Retail', 'Technology', 'Healthcare', 'Energy', 'Agriculture', 'Consulting'];
export const LEAD_STATUSES = ['Open - Not Contacted', 'Working - Contacted', 'Closed - Converted', 'Closed - Not Converted', 'Nurturing'];
export const STAGES = ['Prospecting', 'Qualification', 'Needs Analysis', 'Value Proposition', 'Id. Decision Makers', 'Perception Analysis', 'Proposal/Price Quote', 'Negotiation/Review', 'Closed Won', 'Closed Lost', 'On Hold - Customs'];
export const LEAD_SOURCES = ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Trade Show', 'Other'];
export const REGIONS = ['EMEA', 'NA', 'LATAM', 'APAC'];
export const FREIGHT_MODES = ['Ocean FCL', 'Ocean LCL', 'Air', 'Road', 'Rail'];
export const TASK_STATUSES = ['Not Started', 'In Progress', 'Completed', 'Waiting on someone else', 'Deferred'];

export const OBJECTS: SfObject[] = [
  {
    name: 'User', label: 'User', keyPrefix: '005',
    count: (n) => Math.min(500, Math.max(3, Math.ceil(n / 25))),
    fields: [idField, f('Username', 'string', { length: 80 }), f('Email', 'email', { length: 128 }), f('FirstName', 'string', { length: 40 }),
      f('LastName', 'string', { length: 80 }), f('Name', 'string', { length: 121 }), f('Title', 'string', { length: 80 }),
      f('IsActive', 'boolean'), ...audit],
  },
  {
    name: 'Account', label: 'Account', keyPrefix: '001',
    count: (n) => n,
    fields: [idField, isDeleted, f('Name', 'string', { length: 255, nillable: false }), pl('Type', ACCOUNT_TYPES),
      ref('ParentId', ['Account'], 'Parent'), pl('Industry', INDUSTRIES), f('AnnualRevenue', 'currency'), f('NumberOfEmployees', 'int'),
      f('Phone', 'phone', { length: 40 }), f('Website', 'url', { length: 255 }), ...address('Billing', 'BillingAddress'),
      ...address('Shipping', 'ShippingAddress'), owner, ...audit,
      pl('Region__c', REGIONS, { custom: true, label: 'Region' }), f('Credit_Limit__c', 'currency', { custom: true, label: 'Credit Limit' }),
      f('Customs_Broker__c', 'boolean', { custom: true, label: 'Customs Broker' })],
  },
  {
    name: 'Contact', label: 'Contact', keyPrefix: '003',
    count: (n) => 2 * n,
    fields: [idField, isDeleted, ref('AccountId', ['Account'], 'Account'), f('FirstName', 'string', { length: 40 }),
      f('LastName', 'string', { length: 80, nillable: false }), f('Name', 'string', { length: 121 }), f('Title', 'string', { length: 128 }),
      f('Email', 'email', { length: 80 }), f('Phone', 'phone', { length: 40 }), f('MobilePhone', 'phone', { length: 40 }),
      ...address('Mailing', 'MailingAddress'), ref('ReportsToId', ['Contact'], 'ReportsTo'), pl('LeadSource', LEAD_SOURCES), owner, ...audit,
      f('Preferred_Language__c', 'string', { custom: true, length: 40, label: 'Preferred Language' })],
  },
  {
    name: 'Lead', label: 'Lead', keyPrefix: '00Q',
    count: (n) => Math.ceil(n / 2),
    fields: [idField, isDeleted, f('FirstName', 'string', { length: 40 }), f('LastName', 'string', { length: 80, nillable: false }),
      f('Name', 'string', { length: 121 }), f('Company', 'string', { length: 255 }), f('Title', 'string', { length: 128 }),
      f('Email', 'email', { length: 80 }), f('Phone', 'phone', { length: 40 }), pl('Status', LEAD_STATUSES, { nillable: false }),
      pl('LeadSource', LEAD_SOURCES), ...address('', 'Address'), f('IsConverted', 'boolean'),
      ref('ConvertedAccountId', ['Account'], 'ConvertedAccount'), ref('ConvertedContactId', ['Contact'], 'ConvertedContact'), owner, ...audit,
      pl('Region__c', REGIONS, { custom: true, label: 'Region' })],
  },
  {
    name: 'Opportunity', label: 'Opportunity', keyPrefix: '006',
    count: (n) => n,
    fields: [idField, isDeleted, ref('AccountId', ['Account'], 'Account'), ref('ContactId', ['Contact'], 'Contact'),
      f('Name', 'string', { length: 120, nillable: false }), pl('StageName', STAGES, { nillable: false }), f('Amount', 'currency'),
      f('Probability', 'percent'), f('CloseDate', 'date', { nillable: false }), pl('LeadSource', LEAD_SOURCES), owner, ...audit,
      pl('Freight_Mode__c', FREIGHT_MODES, { custom: true, label: 'Freight Mode' })],
  },
  {
    name: 'Task', label: 'Task', keyPrefix: '00T',
    count: (n) => n,
    fields: [idField, isDeleted, ref('WhoId', ['Contact', 'Lead'], 'Who'), ref('WhatId', ['Account', 'Opportunity', 'Shipment__c'], 'What'),
      f('Subject', 'string', { length: 255 }), pl('Status', TASK_STATUSES, { nillable: false }), pl('Priority', ['High', 'Normal', 'Low']),
      f('ActivityDate', 'date'), f('Description', 'textarea', { length: 32000 }), owner, ...audit],
  },
  {
    name: 'Event', label: 'Event', keyPrefix: '00U',
    count: (n) => Math.ceil(n / 2),
    fields: [idField, isDeleted, ref('WhoId', ['Contact', 'Lead'], 'Who'), ref('WhatId', ['Account', 'Opportunity', 'Shipment__c'], 'What'),
      f('Subject', 'string', { length: 255 }), f('StartDateTime', 'datetime'), f('EndDateTime', 'datetime'), f('DurationInMinutes', 'int'),
      f('Location', 'string', { length: 255 }), f('Description', 'textarea', { length: 32000 }), owner, ...audit],
  },
  {
    name: 'Shipment__c', label: 'Shipment', keyPrefix: 'a0B', custom: true,
    count: (n) => Math.ceil(n / 2),
    fields: [idField, isDeleted, f('Name', 'string', { length: 80 }), ref('Account__c', ['Account'], 'Account__r', { custom: true, label: 'Account' }),
      f('Origin_Port__c', 'string', { custom: true, length: 5 }), f('Destination_Port__c', 'string', { custom: true, length: 5 }),
      pl('Mode__c', FREIGHT_MODES, { custom: true }), f('Weight_Kg__c', 'double', { custom: true }), owner, ...audit],
  },
  {
    name: 'OpportunityStage', label: 'Opportunity Stage', keyPrefix: '01J', bulkUnsupported: true,
    count: () => STAGES.length,
    fields: [idField, f('MasterLabel', 'string', { length: 255 }), f('ApiName', 'string', { length: 255 }), f('IsActive', 'boolean'),
      f('IsClosed', 'boolean'), f('IsWon', 'boolean'), f('DefaultProbability', 'percent'), f('SortOrder', 'int'), ...audit],
  },
];

export const OBJECT_BY_NAME = new Map(OBJECTS.map((o) => [o.name.toLowerCase(), o]));
export const OBJECT_BY_PREFIX = new Map(OBJECTS.map((o) => [o.keyPrefix, o]));

export function fieldOf(obj: SfObject, name: string): SfField | undefined {
  const lower = name.toLowerCase();
  return obj.fields.find((x) => x.name.toLowerCase() === lower);
}
