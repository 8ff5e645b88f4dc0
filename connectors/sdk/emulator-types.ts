/**
 * The vendor sandbox emulator contract. Each SaaS vendor ships one in connectors/<vendor>/emulator/
 * exporting `startEmulator`; the `emulate` CLI command finds it through connectors/registry.ts.
 */

/** Fault switches an emulator honours. Rates are probabilities per request (0..1). */
export interface FaultOptions {
  /** Probability that a request starts a burst of 429 responses. */
  rate429?: number;
  /** Length of a 429 burst, in requests (default 3). */
  burst429Length?: number;
  /** Probability of a 500/502/503 response. */
  rate5xx?: number;
  /** Probability that a response is delayed by `slowMs`. */
  slowRate?: number;
  slowMs?: number;
  /** Access tokens expire after this many seconds (forces a refresh mid-extraction). */
  tokenTtlSeconds?: number;
  /** Probability, per page served, that some records on later pages are modified (their updatedAt moves to now). */
  modifyDuringExtraction?: number;
}

export interface StartEmulatorOptions {
  /** 0 or undefined: pick a free port. */
  port?: number;
  /** The size of the data set; each vendor documents what it counts (HubSpot: companies). */
  records: number;
  seed: number;
  faults?: FaultOptions;
  /** Enforce the vendor's documented rate limits (burst and daily). */
  rateLimits?: boolean;
}

export interface EmulatorHandle {
  /** The API base URL, e.g. http://127.0.0.1:4010 */
  url: string;
  /** The OAuth token endpoint. */
  tokenUrl: string;
  /** Working credentials, keyed by the vendor's own field names. */
  credentials: Record<string, string>;
  /** Test, demo and conformance controls (not part of the vendor's API). */
  control?: SandboxControl;
  close(): Promise<void>;
}

/**
 * The controls every kit emulator offers, by the vendor's own entity names: staged edits and
 * deletions (the conformance suite's incremental section), token expiry, and counters.
 */
export interface SandboxControl {
  /** Edit record `index` of `entity`; its modification time becomes `at` (ISO or epoch ms) or now. Returns its id. */
  modify(entity: string, index: number, fields?: Record<string, string | number | boolean | null>, at?: string | number): string;
  /** Delete (archive) record `index` of `entity` now. Returns its id. */
  remove(entity: string, index: number): string;
  idOf(entity: string, index: number): string;
  count(entity: string): number;
  /** Fault: every issued access token expires now (clients must refresh). */
  expireAccessTokens?(): void;
  /** Requests served, refused by rate limits, and faults injected. */
  counters?(): { requests: number; refused: number; faults?: number };
  /** Users the target must hold so owners resolve (HubSpot owners). */
  users?(): { email: string; name: string }[];
}

export type StartEmulator = (opts: StartEmulatorOptions) => Promise<EmulatorHandle>;
