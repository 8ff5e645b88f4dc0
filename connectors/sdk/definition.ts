/**
 * A declarative HTTP connector definition: data, validated with zod. Auth, base URL, streams,
 * paginator, rate limits and error handling are all described here; code hooks
 * (see declarative-connector.ts) are the escape hatch for what data cannot say.
 *
 * `${name}` inside URLs, params, headers and scopes is replaced from the credentials (and from
 * string fields of the latest token response, e.g. Salesforce `instance_url`).
 */
import { z } from 'zod';
import { CodecSchema } from './codecs.ts';

/** Dotted path into a JSON value: "paging.next.after", "value", "" (= the value itself). */
const Path = z.string();

export const AuthSchema = z.discriminatedUnion('type', [
  /** A static bearer token, e.g. a HubSpot private-app token. */
  z.object({ type: z.literal('bearer'), tokenField: z.string().default('accessToken') }),
  /** An API key in a header or query parameter. */
  z.object({
    type: z.literal('api-key'),
    keyField: z.string().default('apiKey'),
    in: z.enum(['header', 'query']).default('header'),
    name: z.string(),
    /** Prefix before the key in a header, e.g. "Token token=". */
    prefix: z.string().default(''),
  }),
  /** OAuth 2.0 refresh-token grant: refreshed before expiry and again on 401. */
  z.object({
    type: z.literal('oauth2-refresh'),
    tokenUrl: z.string(),
    clientIdField: z.string().default('clientId'),
    clientSecretField: z.string().default('clientSecret'),
    refreshTokenField: z.string().default('refreshToken'),
    /** An already issued access token, used until it expires. */
    accessTokenField: z.string().optional(),
    /** Refresh this many seconds before `expires_in` runs out. */
    refreshBeforeExpirySeconds: z.number().int().nonnegative().default(300),
    /** Assumed lifetime when the token response carries no `expires_in` (Salesforce). */
    defaultExpiresInSeconds: z.number().int().positive().default(1800),
    scope: z.string().optional(),
    /** The Authorization scheme before the access token (default Bearer; Zoho: "Zoho-oauthtoken"). */
    scheme: z.string().min(1).optional(),
  }),
  /** OAuth 2.0 client-credentials grant (e.g. Dynamics 365 / Entra ID app registration). */
  z.object({
    type: z.literal('client-credentials'),
    tokenUrl: z.string(),
    clientIdField: z.string().default('clientId'),
    clientSecretField: z.string().default('clientSecret'),
    scope: z.string().optional(),
    refreshBeforeExpirySeconds: z.number().int().nonnegative().default(300),
    defaultExpiresInSeconds: z.number().int().positive().default(3600),
  }),
]);
export type AuthDefinition = z.infer<typeof AuthSchema>;

/** The closed set of paginators. Each is one async generator in paginators.ts. */
export const PaginatorSchema = z.discriminatedUnion('type', [
  /** A cursor token in the body (HubSpot `paging.next.after`), sent back as a query or body param. */
  z.object({
    type: z.literal('cursor-in-body'),
    cursorPath: Path,
    param: z.string(),
    tokenIn: z.enum(['query', 'body']).default('query'),
  }),
  /** A next-page URL in the body (Salesforce `nextRecordsUrl`, OData `@odata.nextLink`); relative URLs resolve against the base. */
  z.object({ type: z.literal('next-url-in-body'), nextUrlPath: Path }),
  /** Offset or page number, stopping on a short/empty page or when `totalPath` is reached. */
  z.object({
    type: z.literal('offset'),
    mode: z.enum(['offset', 'page']).default('offset'),
    param: z.string(),
    startAt: z.number().int().nonnegative().default(0),
    totalPath: Path.optional(),
    /** Body path to a "more items" boolean (Pipedrive `additional_data.pagination.more_items_in_collection`). */
    hasMorePath: Path.optional(),
  }),
  /** RFC 8288 `Link: <…>; rel="next"` header. */
  z.object({ type: z.literal('link-header'), rel: z.string().default('next') }),
  /** A cursor in a response header (Salesforce Bulk 2.0 `Sforce-Locator`), sent back as a query param. */
  z.object({
    type: z.literal('header-cursor'),
    header: z.string(),
    param: z.string(),
    /** Header values meaning "no more pages", e.g. the literal "null". */
    stopValues: z.array(z.string()).default(['', 'null']),
  }),
  /**
   * GraphQL Relay cursor connections: POSTs `{query, variables}`; `after` and `first` are variables; the
   * connection's `pageInfo {hasNextPage endCursor}` drives paging (records: the stream's recordSelector,
   * e.g. "data.deals.nodes").
   */
  z.object({
    type: z.literal('graphql-cursor'),
    query: z.string().min(1),
    /** Path to the connection object holding `pageInfo`, e.g. "data.deals". */
    connectionPath: Path,
    cursorVariable: z.string().default('after'),
    pageSizeVariable: z.string().default('first'),
    variables: z.record(z.unknown()).default({}),
  }),
  z.object({ type: z.literal('none') }),
]);
export type PaginatorDefinition = z.infer<typeof PaginatorSchema>;

const CursorFormat = z.enum(['iso', 'iso-seconds', 'epoch-ms', 'epoch-s']).default('iso');

export const IncrementalSchema = z.object({
  /** Path in the raw record to its modification timestamp (ISO string or epoch ms). */
  cursorField: Path,
  /** Re-read this many seconds before the checkpoint cursor, to catch late writes. */
  lookbackSeconds: z.number().int().nonnegative().default(0),
  /**
   * How the cursor lower bound reaches the API. `client` filters after reading (full list scan);
   * `query` sends it as `param` in the given format. Code hooks can do more (search windows).
   */
  filter: z
    .discriminatedUnion('in', [
      z.object({ in: z.literal('client') }),
      z.object({ in: z.literal('query'), param: z.string(), format: CursorFormat }),
      /**
       * A filter/query template with the cursor bound as a parameter: `{cursor}` in `template` is replaced
       * by the cursor formatted from a parsed timestamp (digits, '-', ':', '.', 'T', 'Z' only — never
       * record text), sent as query parameter (or POST body field) `param`. `full` is sent on a
       * first (unbounded) pass; omitted, the parameter is left out. E.g. SOQL
       * `SELECT Id FROM Account WHERE SystemModstamp >= {cursor}`, OData `modifiedon ge {cursor}`.
       */
      z.object({ in: z.literal('template'), param: z.string(), template: z.string().includes('{cursor}'), full: z.string().optional(), format: CursorFormat }),
      /** GraphQL: the cursor becomes variable `name` (streams with the graphql-cursor paginator). */
      z.object({ in: z.literal('variable'), name: z.string(), format: CursorFormat }),
    ])
    .default({ in: 'client' }),
});
export type IncrementalDefinition = z.infer<typeof IncrementalSchema>;

export const StreamSchema = z.object({
  /** Entity name as emitted in RecordBatch.entity. */
  name: z.string().min(1),
  path: z.string(),
  method: z.enum(['GET', 'POST']).default('GET'),
  params: z.record(z.string()).default({}),
  body: z.record(z.unknown()).optional(),
  /** Headers of this stream only (interpolated), after the connector-wide ones. */
  headers: z.record(z.string()).default({}),
  /** Body codec of this stream; default the connector's (JSON when it looks like JSON, else text). */
  codec: CodecSchema.optional(),
  /** Path to the record array in the response body ("results", "value", "records", "" = body). */
  recordSelector: Path,
  /** Path(s) in the raw record to its id. */
  primaryKey: z.union([Path, z.array(Path)]).default('id'),
  /** Page size and the parameter that carries it. */
  pageSize: z.number().int().positive().default(100),
  pageSizeParam: z.string().optional(),
  /** Overrides the connector-wide paginator. */
  paginator: PaginatorSchema.optional(),
  incremental: IncrementalSchema.optional(),
  /** Flatten this object into the emitted fields (HubSpot `properties`), keeping `keep` top-level keys. */
  fields: z.object({ flatten: Path.optional(), keep: z.array(z.string()).default([]) }).default({}),
  /** A record is a delete tombstone when this path equals this value (e.g. archived = true). */
  deletedWhen: z.object({ path: Path, equals: z.union([z.string(), z.boolean(), z.number()]) }).optional(),
  /** A rough per-record cost in requests when the stream needs extra calls (associations); default 0. */
  extraRequestsPerPage: z.number().nonnegative().default(0),
});
export type StreamDefinition = z.infer<typeof StreamSchema>;
export type StreamDefinitionInput = z.input<typeof StreamSchema>;

export const RateLimitSchema = z.object({
  /** Token buckets per credential; each is `requests` per `perSeconds`. All must allow a request. */
  buckets: z.array(z.object({ name: z.string(), requests: z.number().positive(), perSeconds: z.number().positive() })).default([]),
  /** At most this many requests in flight per credential. */
  concurrency: z.number().int().positive().default(4),
  /** Response headers that report the remaining budget; honoured when present. */
  headers: z
    .object({
      remaining: z.string().optional(),
      intervalMs: z.string().optional(),
      dailyRemaining: z.string().optional(),
      /** Seconds until the window resets (e.g. X-RateLimit-Reset as delta seconds). */
      resetSeconds: z.string().optional(),
    })
    .default({}),
});
export type RateLimitDefinition = z.infer<typeof RateLimitSchema>;

export const ErrorActionSchema = z.enum(['retry', 'rate-limited', 'refresh-token-then-retry', 'fail-config', 'quarantine-record', 'ignore']);
export type ErrorAction = z.infer<typeof ErrorActionSchema>;

/** One error-handling rule: the first matching rule decides the action. */
export const ErrorRuleSchema = z.object({
  status: z.array(z.number().int()).optional(),
  /** Match a value in the JSON error body (e.g. HubSpot `category`). */
  bodyPath: Path.optional(),
  equals: z.array(z.string()).optional(),
  action: ErrorActionSchema,
  /** What a person should do, for fail-config (e.g. "re-authorize the HubSpot app with crm.objects.deals.read"). */
  message: z.string().optional(),
});
export type ErrorRule = z.infer<typeof ErrorRuleSchema>;

export const RetrySchema = z.object({
  maxAttempts: z.number().int().positive().default(6),
  baseDelayMs: z.number().nonnegative().default(500),
  maxDelayMs: z.number().positive().default(60_000),
});

export const PermissionSchema = z.object({
  /** Scope or permission name as the vendor spells it. */
  name: z.string(),
  reason: z.string(),
  required: z.boolean().default(true),
  /** Streams that need it. Empty = the whole connector. */
  streams: z.array(z.string()).default([]),
});
export type Permission = z.infer<typeof PermissionSchema>;

export const ConnectorDefinitionSchema = z.object({
  /** RecordBatch.sourceSystem, e.g. "hubspot". */
  sourceSystem: z.string().min(1).max(64),
  label: z.string(),
  version: z.string().default('1.0.0'),
  baseUrl: z.string(),
  /** Headers sent with every request (interpolated). */
  headers: z.record(z.string()).default({}),
  /** Body codec of every stream without its own. */
  codec: CodecSchema.optional(),
  auth: AuthSchema,
  paginator: PaginatorSchema.default({ type: 'none' }),
  streams: z.array(StreamSchema).min(1),
  rateLimits: RateLimitSchema.default({}),
  /** Evaluated before the built-in defaults (401 refresh, 429 rate-limited, 5xx retry, 400/403/404 fail-config). */
  errors: z.array(ErrorRuleSchema).default([]),
  retry: RetrySchema.default({}),
  permissions: z.array(PermissionSchema).default([]),
  /** A cheap request that proves credentials work (check()). */
  check: z.object({ path: z.string(), method: z.enum(['GET', 'POST']).default('GET'), params: z.record(z.string()).default({}) }).optional(),
});
export type ConnectorDefinition = z.infer<typeof ConnectorDefinitionSchema>;
export type ConnectorDefinitionInput = z.input<typeof ConnectorDefinitionSchema>;

/** Validate a definition (data from TS, JSON or YAML). Throws a ZodError naming the bad path. */
export function defineConnector(input: ConnectorDefinitionInput | unknown): ConnectorDefinition {
  return ConnectorDefinitionSchema.parse(input);
}
