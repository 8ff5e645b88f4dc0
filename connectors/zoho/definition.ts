/**
 * Zoho CRM as data: OAuth 2.0 refresh grant at the data centre's accounts server, the API domain from
 * the token response (`api_domain`), `Authorization: Zoho-oauthtoken …`, v7 record lists
 * (`data` / `info.more_records`, `per_page` ≤ 200, `sort_by=id`), users with `page`, API credits per
 * rolling 24 h by edition and the edition's concurrency cap, Zoho's `{code, message}` error bodies.
 * Code (pages.ts, records.ts, index.ts) covers `fields`, `page_token`, `If-Modified-Since`, the
 * deleted-records pass, lookup flattening and discovery.
 */
import { defineConnector, type ConnectorDefinition, type StreamDefinitionInput } from '../sdk/index.ts';

export const ZOHO_MODULES = ['Accounts', 'Contacts', 'Leads', 'Deals', 'Tasks'] as const;
export type ZohoModule = (typeof ZOHO_MODULES)[number];
export const API_VERSION = 'v7';
export const MAX_PER_PAGE = 200;
/** Documented: at most 50 field API names in `fields`. */
export const MAX_FIELDS = 50;

/** The data centres: accounts server (OAuth) and API domain. */
export const DATA_CENTRES: Readonly<Record<string, { accounts: string; api: string }>> = Object.freeze({
  us: { accounts: 'https://accounts.zoho.com', api: 'https://www.zohoapis.com' },
  eu: { accounts: 'https://accounts.zoho.eu', api: 'https://www.zohoapis.eu' },
  in: { accounts: 'https://accounts.zoho.in', api: 'https://www.zohoapis.in' },
  au: { accounts: 'https://accounts.zoho.com.au', api: 'https://www.zohoapis.com.au' },
  jp: { accounts: 'https://accounts.zoho.jp', api: 'https://www.zohoapis.jp' },
  ca: { accounts: 'https://accounts.zohocloud.ca', api: 'https://www.zohoapis.ca' },
  sa: { accounts: 'https://accounts.zoho.sa', api: 'https://www.zohoapis.sa' },
  uk: { accounts: 'https://accounts.zoho.uk', api: 'https://www.zohoapis.uk' },
  cn: { accounts: 'https://accounts.zoho.com.cn', api: 'https://www.zohoapis.com.cn' },
});

export interface ZohoBudget {
  /** API credits per rolling window (the edition's, e.g. Enterprise 50,000 + 1,000 per licence). */
  credits: number;
  /** The window in seconds: 86,400 documented; a bench declares a scaled one. */
  windowSeconds: number;
  /** The edition's concurrency cap (Free 5, Standard 10, Professional 15, Enterprise 20, Ultimate 25). */
  concurrency: number;
}
/** The smallest paid org: Standard, 3 licences → 50,750 credits, 10 concurrent calls. */
export const DEFAULT_BUDGET: ZohoBudget = { credits: 50_750, windowSeconds: 86_400, concurrency: 10 };

const moduleStream = (name: ZohoModule): StreamDefinitionInput => ({
  name,
  path: `/crm/${API_VERSION}/${name}`,
  recordSelector: 'data',
  primaryKey: 'id',
  pageSize: MAX_PER_PAGE,
  pageSizeParam: 'per_page',
  // id order is stable while records change; page_token (from info.next_page_token) is keyset-like.
  params: { sort_by: 'id', sort_order: 'asc' },
  // Modified_Time has whole seconds: a minute of overlap catches ties and late writes (re-reads are idempotent).
  incremental: { cursorField: 'Modified_Time', lookbackSeconds: 60, filter: { in: 'client' } },
  deletedWhen: { path: '$deleted', equals: true },
});

export function zohoDefinition(budget: ZohoBudget = DEFAULT_BUDGET, dataCentre = 'us'): ConnectorDefinition {
  const dc = DATA_CENTRES[dataCentre] ?? DATA_CENTRES['us']!;
  return defineConnector({
    sourceSystem: 'zoho',
    label: 'Zoho CRM',
    // The token response names the org's API domain (e.g. https://www.zohoapis.eu).
    baseUrl: '${api_domain}',
    auth: { type: 'oauth2-refresh', tokenUrl: `${dc.accounts}/oauth/v2/token`, scheme: 'Zoho-oauthtoken', refreshBeforeExpirySeconds: 300, defaultExpiresInSeconds: 3600 },
    streams: [
      {
        name: 'users', path: `/crm/${API_VERSION}/users`, recordSelector: 'users', primaryKey: 'id', pageSize: MAX_PER_PAGE, pageSizeParam: 'per_page', params: { type: 'AllUsers' },
        paginator: { type: 'offset', mode: 'page', param: 'page', startAt: 1, hasMorePath: 'info.more_records' },
      },
      ...ZOHO_MODULES.map(moduleStream),
    ],
    rateLimits: {
      buckets: [{ name: 'api-credits', requests: budget.credits, perSeconds: budget.windowSeconds }],
      concurrency: budget.concurrency,
    },
    errors: [
      // If-Modified-Since with nothing changed.
      { status: [304], action: 'ignore' },
      { status: [401], bodyPath: 'code', equals: ['OAUTH_SCOPE_MISMATCH'], action: 'fail-config', message: 're-authorize the Zoho client with ZohoCRM.modules.READ, ZohoCRM.users.READ and ZohoCRM.settings.fields.READ' },
      { status: [403], action: 'fail-config', message: 'the Zoho user lacks a permission; authorize as a user with the Administrator profile (lists return what the user may see)' },
      { status: [400], bodyPath: 'code', equals: ['INVALID_MODULE'], action: 'fail-config', message: 'the module is not enabled in this Zoho CRM org (or the edition lacks it)' },
      { status: [429], action: 'rate-limited' },
    ],
    retry: { maxAttempts: 8, baseDelayMs: 500, maxDelayMs: 60_000 },
    check: { path: `/crm/${API_VERSION}/users`, params: { type: 'CurrentUser' } },
    permissions: [
      { name: 'ZohoCRM.modules.READ', reason: 'read Accounts, Contacts, Leads, Deals and Tasks and their deleted records' },
      { name: 'ZohoCRM.users.READ', reason: 'read users, matched to Logic Nexus users by email', streams: ['users'] },
      { name: 'ZohoCRM.settings.fields.READ', reason: 'discover standard and custom fields and picklists (the field list every read requests)' },
    ],
  });
}
