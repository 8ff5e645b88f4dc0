/**
 * The HTTP connector SDK: public surface. Connectors import from here only.
 * See README.md beside this file.
 */
export {
  defineConnector, ConnectorDefinitionSchema, AuthSchema, PaginatorSchema, StreamSchema, IncrementalSchema,
  RateLimitSchema, ErrorRuleSchema, ErrorActionSchema, PermissionSchema, RetrySchema,
  type ConnectorDefinition, type ConnectorDefinitionInput, type AuthDefinition, type PaginatorDefinition,
  type StreamDefinition, type StreamDefinitionInput, type IncrementalDefinition, type RateLimitDefinition, type ErrorRule, type ErrorAction, type Permission,
} from './definition.ts';
export {
  DeclarativeSourceConnector, sourceIdOf, toSourceRecord, boundRequest, formatCursor,
  type ConnectorHooks, type HookContext, type StreamPagesArgs, type DeclarativeConnectorOptions,
} from './declarative-connector.ts';
export { paginate, paginateStreaming, recordsOf, collectRecords, linkFor, type Page, type PageRecords, type PageState, type PageRequest, type FetchedPage, type PageFetcher, type PaginateContext } from './paginators.ts';
export { HttpClient, type HttpRequest, type HttpResponse, type HttpClientOptions, type HttpStats } from './http-client.ts';
export { createAuthenticator, type Authenticator, type AuthOptions, type IssuedTokens } from './auth.ts';
export { TokenBucket, CredentialRateLimiter, RateLimiterRegistry, defaultRateLimiters, retryAfterMs, type SharedBudgetStore, type BucketSpec } from './rate-limiter.ts';
export { classify, errorDetail, backoffMs, DEFAULT_ERROR_RULES, type Classification } from './error-handler.ts';
export {
  ConnectorHttpError, ConnectorConfigError, RetriesExhaustedError, RecordQuarantineError, PaginationLoopError,
  TokenRefreshError, ResponseShapeError, UnknownStreamError, type HttpErrorContext,
} from './errors.ts';
export {
  advanceHighWater, afterLowerBound, lowerBoundFrom, parseStreamCheckpoint, toCheckpoint, toIsoCursor, MAX_TIE_IDS,
  type StreamCheckpoint, type HighWater,
} from './checkpoint.ts';
export { estimateMigrationTime, requiredPermissions, type MigrationEstimate, type StreamEstimate } from './estimate.ts';
export { CodecSchema, decodeBody, encodeBody, csvRows, acceptOf, SoapFaultError, CodecError, type CodecDefinition, type CodecInput } from './codecs.ts';
export { getPath, interpolate } from './json-path.ts';
export { realClock, AbortedError, type Clock } from './clock.ts';
export type { FaultOptions, StartEmulatorOptions, EmulatorHandle, StartEmulator } from './emulator-types.ts';
export { startScriptedServer, fastClock, manualClock, type ScriptedServer, type ScriptedRequest, type ScriptedResponse } from './testing.ts';
