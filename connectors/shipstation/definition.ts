/**
 * ShipStation V1 as data: `https://ssapi.shipstation.com`, HTTP Basic with the API key as user name and
 * the API secret as password, `page`/`pageSize` (≤ 500) lists answering `{<items>, total, page, pages}`,
 * 40 requests a minute per key pair reported in `X-Rate-Limit-Limit/Remaining/Reset` (429 when spent).
 * Dates are Pacific wall-clock time without a zone (pacific-time.ts). Code in index.ts covers the
 * filters in that form, the shipments' void pass and normalisation (records.ts).
 */
import { defineConnector, type ConnectorDefinition, type StreamDefinitionInput } from '../sdk/index.ts';

export const SHIPSTATION_API = 'https://ssapi.shipstation.com';
/** Documented: 40 requests per minute for each API key and secret pair. */
export const REQUESTS_PER_WINDOW = 40;
export const WINDOW_SECONDS = 60;
export const MAX_PAGE_SIZE = 500;

const paged = (name: string, path: string, params: Record<string, string>, cursorField: string, pageSize: number): StreamDefinitionInput => ({
  name, path, recordSelector: name, primaryKey: `${name === 'customers' ? 'customer' : name.replace(/s$/, '')}Id`,
  pageSize, pageSizeParam: 'pageSize', params,
  paginator: { type: 'offset', mode: 'page', param: 'page', startAt: 1, totalPath: 'total' },
  // ShipStation's filters are whole Pacific seconds and ambiguous in the hour clocks fall back: re-read an hour.
  incremental: { cursorField, lookbackSeconds: 3600, filter: { in: 'client' } },
});

/** `window` scales the documented minute (the bench declares a scaled clock); requests stay 40 per window. */
export function shipstationDefinition(windowSeconds = WINDOW_SECONDS, pageSize = MAX_PAGE_SIZE): ConnectorDefinition {
  return defineConnector({
    sourceSystem: 'shipstation',
    label: 'ShipStation',
    baseUrl: SHIPSTATION_API,
    // HTTP Basic: index.ts derives `basicKey` = base64(apiKey:apiSecret) from the two credential fields.
    auth: { type: 'api-key', keyField: 'basicKey', in: 'header', name: 'authorization', prefix: 'Basic ' },
    streams: [
      { name: 'stores', path: '/stores', recordSelector: '', primaryKey: 'storeId', params: { showInactive: 'true' }, paginator: { type: 'none' } },
      paged('customers', '/customers', { sortBy: 'ModifyDate', sortDir: 'ASC' }, 'modifyDate', pageSize),
      paged('orders', '/orders', { sortBy: 'ModifyDate', sortDir: 'ASC' }, 'modifyDate', pageSize),
      paged('shipments', '/shipments', { sortBy: 'CreateDate', sortDir: 'ASC', includeShipmentItems: 'true' }, 'changeDate', pageSize),
    ],
    rateLimits: {
      buckets: [{ name: 'per-key-minute', requests: REQUESTS_PER_WINDOW, perSeconds: windowSeconds }],
      concurrency: 2,
      headers: { remaining: 'x-rate-limit-remaining', resetSeconds: 'x-rate-limit-reset' },
    },
    errors: [
      { status: [401], action: 'fail-config', message: 'ShipStation refused the API key and secret; copy both again from Settings → Account → API Settings' },
      { status: [403], action: 'fail-config', message: 'the ShipStation account has no API access (API keys need a paid plan and the account owner)' },
      { status: [429], action: 'rate-limited' },
    ],
    retry: { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 60_000 },
    check: { path: '/stores', params: {} },
    permissions: [
      { name: 'API key and secret of the account owner', reason: 'V1 keys see every store of the account; orders, shipments and customers are read-only here' },
    ],
  });
}
