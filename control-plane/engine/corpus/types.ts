/** The acceptance corpus: one case = a source (CSV, PostgreSQL, MariaDB or the real CLI), a mapping variation and what must happen. */

/** A source row: field → value. A Buffer is inserted as bytes (SQL binary columns). */
export type Row = Record<string, string | null | Buffer>;

export type Via = 'csv' | 'pg' | 'mariadb' | 'cli';

export interface CorpusCase {
  name: string;
  via: Via;
  /** Source rows per entity (acct → accounts, person → contacts; other entities are not in the mapping). */
  rows: Record<string, Row[]>;
  /** CSV only: the file text itself (malformed files), with how many records it holds. */
  csvText?: Record<string, { text: string; records: number }>;
  /** CSV only: manifest entity options (delimiter …). */
  manifest?: Record<string, Record<string, unknown>>;
  /** SQL only: column definitions replacing the default ones of a table (`name BYTEA`, `name VARCHAR(64) CHARACTER SET latin1` …). */
  columns?: Record<string, Record<string, string>>;
  /** PostgreSQL only: the source is the shared SQL_ASCII database (bytes stored as they are). */
  sqlAscii?: boolean;
  /** Mapping variation: per-entity keys merged over the base (a field set to null is removed), and top-level keys. */
  mapping?: { entities?: Record<string, Record<string, unknown>>; top?: Record<string, unknown> };
  /** Expected quarantine: [entity, source id, reason]; every other record must load. */
  quarantined?: [string, string, RegExp][];
  /** Declared transforms: `entity/sourceId` → target column → the value the mapping makes of the source's. */
  expect?: Record<string, Record<string, unknown>>;
  /** Source id as loaded, when the mapping changes it (trimmed ids). */
  loadedId?: Record<string, string>;
  /** The run must be refused before anything loads (preflight, flags), with this message. */
  refused?: RegExp;
  /** CLI only: extra flags, and what the real process must do. */
  cli?: { args?: string[]; exit?: number; out?: RegExp; newTenant?: boolean; dropTenantFlag?: boolean };
}
