/**
 * HubSpot CRM as data: CRM v3 object lists paged by `paging.next.after`, owners, private-app or
 * OAuth auth, burst + daily budgets read from X-HubSpot-RateLimit-* headers, and HubSpot's error
 * categories mapped to actions. Code in this folder covers what data cannot: property discovery,
 * search windows for incremental reads, and associations v4.
 */
import { defineConnector, type ConnectorDefinition, type StreamDefinitionInput } from '../sdk/index.ts';

export const HUBSPOT_API = 'https://api.hubapi.com';
export const HUBSPOT_TOKEN_URL = 'https://api.hubapi.com/oauth/v1/token';

/** CRM objects read through /crm/v3/objects/{type}. Engagements are calls, meetings, tasks, notes. */
export const CRM_OBJECTS = ['companies', 'contacts', 'deals', 'calls', 'meetings', 'tasks', 'notes'] as const;
export type CrmObject = (typeof CRM_OBJECTS)[number];
export const ENGAGEMENTS: readonly CrmObject[] = ['calls', 'meetings', 'tasks', 'notes'];

/** The property holding the last-modified time, which the search API filters on. */
export const LAST_MODIFIED_PROPERTY: Record<CrmObject, string> = {
  companies: 'hs_lastmodifieddate',
  contacts: 'lastmodifieddate',
  deals: 'hs_lastmodifieddate',
  calls: 'hs_lastmodifieddate',
  meetings: 'hs_lastmodifieddate',
  tasks: 'hs_lastmodifieddate',
  notes: 'hs_lastmodifieddate',
};

const objectStream = (name: CrmObject): StreamDefinitionInput => ({
  name,
  path: `/crm/v3/objects/${name}`,
  recordSelector: 'results',
  primaryKey: 'id',
  pageSize: 100,
  pageSizeParam: 'limit',
  params: { archived: 'false' },
  // updatedAt mirrors the last-modified property on every object; a minute of overlap catches late writes.
  incremental: { cursorField: 'updatedAt', lookbackSeconds: 60 },
  fields: { flatten: 'properties', keep: ['id', 'createdAt', 'updatedAt', 'archived', 'associations', 'associated_company_id', 'associated_contact_id', 'associated_deal_id'] },
  deletedWhen: { path: 'archived', equals: true },
  extraRequestsPerPage: name === 'companies' ? 0 : name === 'contacts' ? 1 : 3,
});

export const hubspotDefinition: ConnectorDefinition = defineConnector({
  sourceSystem: 'hubspot',
  label: 'HubSpot CRM',
  baseUrl: HUBSPOT_API,
  // Private-app tokens are the default; createConnector switches to oauth2-refresh when a refresh token is given.
  auth: { type: 'bearer', tokenField: 'accessToken' },
  paginator: { type: 'cursor-in-body', cursorPath: 'paging.next.after', param: 'after' },
  streams: [
    ...CRM_OBJECTS.map(objectStream),
    {
      name: 'owners',
      path: '/crm/v3/owners/',
      recordSelector: 'results',
      primaryKey: 'id',
      pageSize: 100,
      pageSizeParam: 'limit',
      incremental: { cursorField: 'updatedAt', lookbackSeconds: 60 },
      deletedWhen: { path: 'archived', equals: true },
    },
  ],
  rateLimits: {
    // Private apps on Free/Starter: 100 requests per 10 s and 250,000 per day (Pro/Enterprise are higher;
    // the headers below tell us the real budget of the portal and override these when lower).
    buckets: [
      { name: 'burst', requests: 100, perSeconds: 10 },
      { name: 'daily', requests: 250_000, perSeconds: 86_400 },
    ],
    concurrency: 4,
    headers: {
      remaining: 'X-HubSpot-RateLimit-Remaining',
      intervalMs: 'X-HubSpot-RateLimit-Interval-Milliseconds',
      dailyRemaining: 'X-HubSpot-RateLimit-Daily-Remaining',
    },
  },
  errors: [
    { status: [401], action: 'refresh-token-then-retry' },
    { status: [403], bodyPath: 'category', equals: ['MISSING_SCOPES'], action: 'fail-config', message: 're-authorize the HubSpot app; a required scope is missing (see requiredPermissions)' },
    // The daily budget resets at midnight in the portal's time zone: stop and resume from the checkpoint then.
    { status: [429], bodyPath: 'policyName', equals: ['DAILY'], action: 'fail-config', message: 'the HubSpot daily API limit is spent; resume from the last checkpoint after it resets at midnight (portal time zone)' },
    { status: [429], action: 'rate-limited' },
    { status: [400], bodyPath: 'category', equals: ['VALIDATION_ERROR'], action: 'fail-config', message: 'HubSpot rejected the request; check object and property names' },
  ],
  retry: { maxAttempts: 6, baseDelayMs: 1000, maxDelayMs: 60_000 },
  check: { path: '/crm/v3/objects/companies', params: { limit: '1' } },
  permissions: [
    { name: 'crm.objects.companies.read', reason: 'read companies', streams: ['companies'] },
    { name: 'crm.objects.contacts.read', reason: 'read contacts and engagements (calls, meetings, tasks, notes)', streams: ['contacts', 'calls', 'meetings', 'tasks', 'notes'] },
    { name: 'crm.objects.deals.read', reason: 'read deals', streams: ['deals'] },
    { name: 'crm.objects.owners.read', reason: 'read owners, matched to Logic Nexus users by email', streams: ['owners'] },
    { name: 'crm.schemas.companies.read', reason: 'discover company properties, including custom ones and picklist options', streams: ['companies'] },
    { name: 'crm.schemas.contacts.read', reason: 'discover contact properties', streams: ['contacts'] },
    { name: 'crm.schemas.deals.read', reason: 'discover deal properties and pipeline stages', streams: ['deals'] },
  ],
});

/** The same definition with OAuth refresh-token auth (public apps). */
export const hubspotOAuthDefinition: ConnectorDefinition = defineConnector({
  ...hubspotDefinition,
  auth: { type: 'oauth2-refresh', tokenUrl: HUBSPOT_TOKEN_URL, clientIdField: 'clientId', clientSecretField: 'clientSecret', refreshTokenField: 'refreshToken', accessTokenField: 'accessToken', refreshBeforeExpirySeconds: 300 },
});
