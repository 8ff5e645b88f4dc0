/**
 * The emulator kit: what every vendor sandbox needs, written once. A vendor's emulator is its wire
 * format as data plus small handlers for what is truly its own. See connectors/sdk/emulator/README.md.
 */
export { serve, send, readBody, readForm, readJsonObject, bearerToken, dispatch, sleep, EmulatorHttpError, type EmulatorRequest, type EmulatorServer, type Route, type ServeOptions } from './http.ts';
export { OAuthServer, type OAuthConfig, type OAuthFailure, type Grant, type IssuedToken } from './oauth.ts';
export { apiKeyFrom, type ApiKeyConfig } from './api-keys.ts';
export { pageSize, slice, offsetParam, cursorCodec, nextLink, linkHeader, type PageOut, type PageRequest } from './paging.ts';
export { BudgetSet, fixedWindow, slidingWindow, tokenBucket, concurrency, retryAfterSeconds, type Budget, type BudgetUsage, type Refusal, type Admission } from './rate-limits.ts';
export { FaultSwitches, type Fault } from './faults.ts';
export { TimelineTable, type TimelineOptions } from './dataset.ts';
export { rngFor, hashString, mix32, seededUuid, type Rng } from './prng.ts';
export { readyLine, parseReadyLine } from './ready.ts';
export type { FaultOptions, StartEmulator, StartEmulatorOptions, EmulatorHandle } from '../emulator-types.ts';
export { startRecordingProxy, type RecordingProxy, type ProxiedExchange } from './recording-proxy.ts';
