/**
 * What a connector declares to the conformance suite (connectors/conformance.test.ts), in its
 * registry entry. Sections run when the declared capabilities call for them; the rest are printed
 * as not applicable. Everything else (the connector, its emulator, its mapping, its fixtures/) comes
 * from the registry entry itself.
 */
export type Capability =
  /** OAuth 2.0 with a refresh grant: tokens expire mid-extraction and are refreshed. */
  | 'oauth-refresh'
  /** Paged HTTP reads (the loop guard and paging to the end). */
  | 'paging'
  /** Vendor rate limits and 429 + Retry-After. */
  | 'rate-limits'
  /** Transient 5xx retried; bad credentials classified as configuration errors. */
  | 'error-classification'
  /** A full migration into Logic Nexus through the engine (needs `mapping` and an emulator). */
  | 'migration'
  /** An incremental run picks up exactly the changed, tied and deleted records. */
  | 'incremental'
  /** A paused (killed) run resumes from its checkpoint and still reconciles. */
  | 'checkpoint';

export const ALL_CAPABILITIES: readonly Capability[] = ['oauth-refresh', 'paging', 'rate-limits', 'error-classification', 'migration', 'incremental', 'checkpoint'];

export interface ConformanceSpec {
  capabilities: readonly Capability[];
  /** A top-level entity whose count equals the emulator's `records`. */
  stream: string;
  /** Records the emulator is started with (small: the suite runs every section). */
  records?: number;
  seed?: number;
  /** Extra factory options (e.g. a short Bulk poll interval). */
  options?: Record<string, unknown>;
  /** Credentials for the OAuth refresh section: which emulator credential keys to keep (e.g. drop a static token). */
  oauthCredentialKeys?: readonly string[];
  /** A credential key whose value, when wrong, must fail as a configuration error. */
  secretKey?: string;
  /** The incremental scenario: an edit after the high-water mark, one tied with it, and a deletion. */
  incremental?: {
    entity: string;
    /** A field to edit and the Logic Nexus table/column it lands in. */
    field: string;
    table: string;
    column: string;
    /** The entity a record is deleted from and its target table. */
    deleteEntity: string;
    deleteTable: string;
  };
}
