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
  close(): Promise<void>;
}

export type StartEmulator = (opts: StartEmulatorOptions) => Promise<EmulatorHandle>;
