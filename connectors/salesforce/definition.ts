/**
 * Salesforce as SDK data: auth, base URL, paging, rate limits and error rules. The Bulk API 2.0 job
 * flow and the per-object SOQL are code (bulk-query.ts, rest-query.ts) built on this definition.
 */
import { defineConnector, type ConnectorDefinition } from '../sdk/index.ts';

export const API_VERSION = '59.0';
export const PRODUCTION_LOGIN = 'https://login.salesforce.com';
export const SANDBOX_LOGIN = 'https://test.salesforce.com';

export interface DefinitionOptions {
  apiVersion?: string;
  tokenUrl: string;
  flow: 'web-server' | 'client-credentials';
  /** Daily API request allowance of the org (DailyApiRequests Max); default the Enterprise base. */
  dailyApiRequests?: number;
  /** Optional steady ceiling in requests per second (the emulator enforces one when rate limits are on). */
  requestsPerSecond?: number;
}

export function salesforceDefinition(o: DefinitionOptions): ConnectorDefinition {
  const buckets = [{ name: 'daily', requests: o.dailyApiRequests ?? 100_000, perSeconds: 86_400 }];
  if (o.requestsPerSecond) buckets.unshift({ name: 'burst', requests: o.requestsPerSecond, perSeconds: 1 });
  return defineConnector({
    sourceSystem: 'salesforce',
    label: 'Salesforce Sales Cloud',
    baseUrl: `\${instance_url}/services/data/v${o.apiVersion ?? API_VERSION}`,
    auth: o.flow === 'client-credentials'
      ? { type: 'client-credentials', tokenUrl: o.tokenUrl, clientIdField: 'client_id', clientSecretField: 'client_secret', defaultExpiresInSeconds: 1800 }
      : { type: 'oauth2-refresh', tokenUrl: o.tokenUrl, clientIdField: 'client_id', clientSecretField: 'client_secret',
          refreshTokenField: 'refresh_token', accessTokenField: 'access_token', defaultExpiresInSeconds: 1800 },
    paginator: { type: 'next-url-in-body', nextUrlPath: 'nextRecordsUrl' },
    streams: [{ name: 'query', path: '/query', recordSelector: 'records', primaryKey: 'Id', pageSize: 2000,
      incremental: { cursorField: 'SystemModstamp' }, deletedWhen: { path: 'IsDeleted', equals: true } }],
    rateLimits: { buckets, concurrency: 4 },
    errors: [
      { status: [401], bodyPath: '0.errorCode', equals: ['INVALID_SESSION_ID'], action: 'refresh-token-then-retry' },
      { status: [403], bodyPath: '0.message', equals: ['TotalRequests Limit exceeded.'], action: 'fail-config',
        message: 'the org has used its daily API request allowance (DailyApiRequests); resume from the checkpoint when the 24-hour window frees requests' },
      { status: [403, 429], bodyPath: '0.errorCode', equals: ['REQUEST_LIMIT_EXCEEDED'], action: 'rate-limited' },
      { status: [403], bodyPath: '0.errorCode', equals: ['API_DISABLED_FOR_ORG', 'INSUFFICIENT_ACCESS', 'API_CURRENTLY_DISABLED'], action: 'fail-config',
        message: 'the integration user needs the "API Enabled" and "View All Data" permissions' },
      { status: [400], bodyPath: '0.errorCode', equals: ['INVALID_FIELD', 'INVALID_TYPE', 'MALFORMED_QUERY'], action: 'fail-config',
        message: 'Salesforce rejected the query; the field or object may be hidden by field-level security' },
      { status: [503], action: 'retry' },
    ],
    retry: { maxAttempts: 8, baseDelayMs: 250, maxDelayMs: 30_000 },
    permissions: [
      { name: 'api', reason: 'REST and Bulk API 2.0 access' },
      { name: 'refresh_token', reason: 'long-running migrations outlive one access token', required: false },
      { name: 'View All Data', reason: 'read every record regardless of sharing rules and field-level security' },
    ],
    check: { path: '/limits' },
  });
}
