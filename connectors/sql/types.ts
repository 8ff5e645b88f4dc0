/**
 * Shared shapes of the SQL source: connection settings, introspected columns, and the
 * normalised column types every dialect maps its own types onto.
 */
import type { FieldValue } from '../../shared/record-batch.ts';

export type DialectName = 'postgres' | 'mysql' | 'mssql';

/** Normalised types (the FieldInfo.type vocabulary of shared/connector.ts, plus bigint for DDL). */
export type NormalType =
  | 'string' | 'integer' | 'bigint' | 'number' | 'decimal' | 'boolean'
  | 'date' | 'datetime' | 'datetimetz' | 'uuid' | 'json' | 'binary' | 'rowversion';

export interface SqlConnectionConfig {
  dialect: DialectName;
  /** postgres://… or mysql://… ; for mssql use the discrete fields below. */
  url?: string;
  host?: string;
  port?: number;
  database?: string;
  /** Schema (PG, MSSQL) holding the tables; MySQL uses the database. Default public / dbo. */
  schema?: string;
  user?: string;
  password?: string;
  /** Windows/NTLM authentication (mssql). */
  domain?: string;
  auth?: 'sql' | 'ntlm';
  /** TLS: on by default for mssql; trustServerCertificate only when asked. */
  encrypt?: boolean;
  trustServerCertificate?: boolean;
  /** ApplicationIntent=ReadOnly (mssql) / read-only transactions (pg, mysql). Default true. */
  readOnlyIntent?: boolean;
  isolation?: 'snapshot' | 'read-committed';
  /** Per-statement timeout in ms (default 300000). */
  queryTimeoutMs?: number;
  connectTimeoutMs?: number;
}

export interface ColumnMeta {
  table: string;
  name: string;
  /** The database's own type name (varchar, datetime2, …). */
  dbType: string;
  type: NormalType;
  nullable: boolean;
  maxLength?: number;
  precision?: number;
  scale?: number;
  ordinal: number;
  /** The server does not vouch for this text column's encoding (PostgreSQL SQL_ASCII): read its bytes, decode strictly. */
  rawText?: boolean;
}

export interface TableMeta {
  name: string;
  columns: ColumnMeta[];
  primaryKey: string[];
  estimatedRows?: number;
}

/** A column as the reader selects it: the database name and the record field name. */
export interface SelectColumn {
  column: string;
  field: string;
  type: NormalType;
  /** Select the column's bytes (SQL_ASCII text); a value that is not valid UTF-8 rejects its record. */
  rawText?: boolean;
}

/** A scalar lookup into another table, selected as one extra field (e.g. a consol link). */
export interface LookupSpec {
  field: string;
  table: string;
  column: string;
  /** Column of the lookup table that equals this table's `keyColumn` (its key, or a reference column). */
  matchColumn: string;
  keyColumn: string;
  /** Only lookup rows whose column equals this value (bound as a parameter). */
  equals?: { column: string; value: string };
  type: NormalType;
  rawText?: boolean;
}

/** Everything the reader needs to stream one entity. */
export interface ReadPlan {
  entity: string;
  table: string;
  schema?: string;
  key: SelectColumn[];
  modified?: SelectColumn;
  columns: SelectColumn[];
  lookups: LookupSpec[];
  /** Fields computed from boolean-ish fields: every label whose field is truthy (or the first one). */
  derived: DerivedSpec[];
}

export interface DerivedSpec {
  field: string;
  flags: Record<string, string>;
  mode: 'all' | 'first';
}

export type Row = Record<string, FieldValue>;
