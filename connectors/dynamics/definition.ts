/**
 * Dynamics 365 / Dataverse as data: Entra ID client-credentials auth, the Web API base URL,
 * one stream per table (OData nextLink paging, incremental on modifiedon), service protection
 * budgets and Dataverse error codes. The pages/discover hooks in pages.ts and discover.ts add
 * what data cannot say (the $filter on modifiedon, Prefer headers, EntityDefinitions).
 *
 * Credentials use Entra ID's own field names: tenant_id, client_id, client_secret, plus
 * environment_url (the org URL, e.g. https://contoso.crm.dynamics.com).
 */
import { defineConnector, type ConnectorDefinitionInput, type StreamDefinitionInput } from '../sdk/index.ts';

export const DATAVERSE_API_VERSION = 'v9.2';

/** Tables read, as logical name → (entity set, primary id). Order is the suggested load order. */
export const DATAVERSE_TABLES = [
  { entity: 'businessunit', set: 'businessunits', id: 'businessunitid', privilege: 'prvReadBusinessUnit' },
  { entity: 'systemuser', set: 'systemusers', id: 'systemuserid', privilege: 'prvReadUser' },
  { entity: 'account', set: 'accounts', id: 'accountid', privilege: 'prvReadAccount' },
  { entity: 'contact', set: 'contacts', id: 'contactid', privilege: 'prvReadContact' },
  { entity: 'lead', set: 'leads', id: 'leadid', privilege: 'prvReadLead' },
  { entity: 'opportunity', set: 'opportunities', id: 'opportunityid', privilege: 'prvReadOpportunity' },
  { entity: 'invoice', set: 'invoices', id: 'invoiceid', privilege: 'prvReadInvoice' },
  { entity: 'task', set: 'tasks', id: 'activityid', privilege: 'prvReadActivity' },
  { entity: 'appointment', set: 'appointments', id: 'activityid', privilege: 'prvReadActivity' },
  { entity: 'phonecall', set: 'phonecalls', id: 'activityid', privilege: 'prvReadActivity' },
] as const;

export type DataverseTable = (typeof DATAVERSE_TABLES)[number];

/** Dataverse's documented maximum (and default) page size. */
export const MAX_PAGE_SIZE = 5000;

const streams: StreamDefinitionInput[] = DATAVERSE_TABLES.map((t) => ({
  name: t.entity,
  path: `/${t.set}`,
  params: { $orderby: 'modifiedon asc' },
  recordSelector: 'value',
  primaryKey: t.id,
  pageSize: MAX_PAGE_SIZE,
  // modifiedon has whole-second resolution: a record read at the high-water second can be edited again
  // within it without its timestamp moving, so a new pass re-reads from one second before the cursor
  // (the few records there load as unchanged) instead of skipping the ids seen at the cursor.
  incremental: { cursorField: 'modifiedon', lookbackSeconds: 1 },
}));

export const dynamicsDefinitionInput: ConnectorDefinitionInput = {
  sourceSystem: 'dynamics',
  label: 'Microsoft Dynamics 365 (Dataverse)',
  baseUrl: `\${environment_url}/api/data/${DATAVERSE_API_VERSION}`,
  headers: { 'OData-MaxVersion': '4.0', 'OData-Version': '4.0' },
  auth: {
    type: 'client-credentials',
    tokenUrl: 'https://login.microsoftonline.com/${tenant_id}/oauth2/v2.0/token',
    clientIdField: 'client_id',
    clientSecretField: 'client_secret',
    scope: '${environment_url}/.default',
    refreshBeforeExpirySeconds: 300,
    defaultExpiresInSeconds: 3599,
  },
  paginator: { type: 'next-url-in-body', nextUrlPath: 'nextLink' },
  streams,
  rateLimits: {
    // Service protection: 6,000 requests per user per 5-minute sliding window, 52 concurrent.
    buckets: [{ name: 'burst', requests: 6000, perSeconds: 300 }],
    concurrency: 16,
    headers: { remaining: 'x-ms-ratelimit-burst-remaining-xrm-requests' },
  },
  errors: [
    { status: [403], bodyPath: 'error.code', equals: ['0x80040220'], action: 'fail-config', message: 'give the application user a security role with Read privilege on this table' },
    { status: [401], action: 'refresh-token-then-retry' },
    { status: [429], action: 'rate-limited' },
    { status: [400], bodyPath: 'error.code', equals: ['0x80060888'], action: 'fail-config', message: 'a column or table in the query does not exist in this environment; re-run discovery' },
    { status: [404], bodyPath: 'error.code', equals: ['0x8006088a'], action: 'fail-config', message: 'the table is not available in this environment (solution not installed?)' },
  ],
  retry: { maxAttempts: 8, baseDelayMs: 500, maxDelayMs: 60_000 },
  permissions: [
    { name: 'Dataverse application user', reason: 'an app registration added as an application user of the environment (client credentials)' },
    ...DATAVERSE_TABLES.map((t) => ({ name: t.privilege, reason: `read ${t.set}`, streams: [t.entity] })),
  ],
  check: { path: '/WhoAmI' },
};

export const dynamicsDefinition = defineConnector(dynamicsDefinitionInput);
