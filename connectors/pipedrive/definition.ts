/**
 * Pipedrive as data: API v2 cursor lists (`additional_data.next_cursor`, limit 500) for organizations,
 * persons, deals and activities; v1 offset lists for notes and users; the `x-api-token` header; the
 * 2-second burst window from `x-ratelimit-*` headers and the company's daily token budget.
 * Code in index.ts covers custom-field flattening, time normalisation, recents deletes and discovery.
 */
import { defineConnector, type ConnectorDefinition, type StreamDefinitionInput } from '../sdk/index.ts';

export const PIPEDRIVE_API = 'https://api.pipedrive.com';
export const V2_STREAMS = ['organizations', 'persons', 'deals', 'activities'] as const;
export type V2Stream = (typeof V2_STREAMS)[number];
/** Tokens per v2 list request (the SDK budgets requests, so the daily bucket is tokens / this). */
export const V2_LIST_TOKEN_COST = 10;
/** The smallest company: 30,000 base tokens × plan multiplier 1 × 1 seat. */
export const MIN_DAILY_TOKENS = 30_000;

const v2Stream = (name: V2Stream): StreamDefinitionInput => ({
  name,
  path: `/api/v2/${name}`,
  recordSelector: 'data',
  primaryKey: 'id',
  pageSize: 500,
  pageSizeParam: 'limit',
  params: { sort_by: 'id', sort_direction: 'asc', ...(name === 'deals' ? { include_option_labels: 'true' } : name === 'organizations' ? { include_option_labels: 'true' } : {}) },
  paginator: { type: 'cursor-in-body', cursorPath: 'additional_data.next_cursor', param: 'cursor' },
  // update_time has whole-second precision; a minute of overlap catches late writes and ties (re-reads are idempotent).
  incremental: { cursorField: 'update_time', lookbackSeconds: 60, filter: { in: 'query', param: 'updated_since', format: 'iso' } },
  deletedWhen: { path: 'is_deleted', equals: true },
});

/** `burstPerWindow`: the plan's requests per 2-second window (Essential 20, Advanced 40, Professional 80, Enterprise 120 with an api_token). */
export function pipedriveDefinition(dailyTokens = MIN_DAILY_TOKENS, burstPerWindow = 20): ConnectorDefinition {
  return defineConnector({
    sourceSystem: 'pipedrive',
    label: 'Pipedrive',
    baseUrl: PIPEDRIVE_API,
    auth: { type: 'api-key', keyField: 'apiToken', in: 'header', name: 'x-api-token' },
    streams: [
      { name: 'users', path: '/v1/users', recordSelector: 'data', primaryKey: 'id', paginator: { type: 'none' } },
      ...V2_STREAMS.map(v2Stream),
      {
        name: 'notes', path: '/v1/notes', recordSelector: 'data', primaryKey: 'id', pageSize: 500, pageSizeParam: 'limit',
        params: { sort: 'id ASC' },
        paginator: { type: 'offset', mode: 'offset', param: 'start', hasMorePath: 'additional_data.pagination.more_items_in_collection' },
        incremental: { cursorField: 'update_time', lookbackSeconds: 60, filter: { in: 'query', param: 'updated_since', format: 'iso' } },
        deletedWhen: { path: 'is_deleted', equals: true },
      },
    ],
    rateLimits: {
      buckets: [
        // Essential plan with an api_token: 20 requests per 2-second window (x-ratelimit-* tell the real plan).
        // Paced, not bursted: one request every 2 s / burstPerWindow keeps each fixed 2-second window at its quota without
        // ending a window on remaining 0 (x-ratelimit-reset is whole seconds, so a pause there overshoots).
        { name: 'burst', requests: 1, perSeconds: 2 / burstPerWindow },
        { name: 'daily-tokens', requests: Math.max(1, Math.floor(dailyTokens / V2_LIST_TOKEN_COST)), perSeconds: 86_400 },
      ],
      concurrency: 4,
      // x-ratelimit-* are not followed (see the burst bucket); a 429 is honoured through its Retry-After.
      headers: {},
    },
    errors: [
      { status: [401], action: 'fail-config', message: 'Pipedrive refused the API token; copy it again from Personal preferences → API' },
      { status: [403], action: 'fail-config', message: 'the Pipedrive user lacks permission; use a token of a user with global (admin) visibility' },
      { status: [429], bodyPath: 'code', equals: ['DAILY_TOKEN_BUDGET_EXCEEDED'], action: 'fail-config', message: 'the Pipedrive daily token budget is spent; resume from the last checkpoint after midnight UTC' },
      { status: [429], action: 'rate-limited' },
    ],
    retry: { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 30_000 },
    check: { path: '/v1/users' },
    permissions: [
      { name: 'api_token of a global admin', reason: 'v2 lists and recents return only what the token user may see; an admin sees every record' },
      { name: 'deals:read', reason: 'read deals (OAuth apps)', streams: ['deals'], required: false },
      { name: 'contacts:read', reason: 'read persons and organizations (OAuth apps)', streams: ['persons', 'organizations'], required: false },
      { name: 'activities:read', reason: 'read activities and notes (OAuth apps)', streams: ['activities', 'notes'], required: false },
      { name: 'users:read', reason: 'read users, matched to Logic Nexus users by email', streams: ['users'], required: false },
    ],
  });
}
