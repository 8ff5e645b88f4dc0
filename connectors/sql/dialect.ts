/**
 * The narrow dialect contract, in the spirit of Kysely's Dialect: a driver (sessions that run
 * parameterised statements and stream rows with back-pressure), a query compiler and an
 * introspector. PostgreSQL, MySQL/MariaDB and SQL Server each implement it in dialects/.
 */
import type { FieldValue } from '../../shared/record-batch.ts';
import type { CompiledQuery, QueryCompiler } from './compiler.ts';
import type { DialectName, NormalType, SqlConnectionConfig, TableMeta } from './types.ts';

export interface StreamOptions {
  signal?: AbortSignal;
  /** Field name → normalised type, for value conversion. */
  types?: Record<string, NormalType>;
}

export interface SqlSession {
  /** Stream the rows of a statement with back-pressure; the cursor is released in `finally`. */
  stream(query: CompiledQuery, options?: StreamOptions): AsyncIterable<Record<string, FieldValue>>;
  /** Run a small statement (introspection, bounds) and return its rows. */
  all(query: CompiledQuery, options?: StreamOptions): Promise<Record<string, FieldValue>[]>;
  close(): Promise<void>;
}

export interface ServerInfo {
  version: string;
  readOnly: boolean;
  isolation: string;
  database: string;
}

export interface Introspector {
  tables(session: SqlSession): Promise<TableMeta[]>;
  serverInfo(session: SqlSession): Promise<ServerInfo>;
}

export interface SqlDialect {
  readonly name: DialectName;
  readonly compiler: QueryCompiler;
  readonly introspector: Introspector;
  /** Default schema when the config names none (public, dbo; the database for MySQL). */
  defaultSchema(config: SqlConnectionConfig): string | undefined;
  connect(config: SqlConnectionConfig): Promise<SqlSession>;
}

/** Collect a stream into an array: only for statements known to return a handful of rows. */
export async function collect(it: AsyncIterable<Record<string, FieldValue>>): Promise<Record<string, FieldValue>[]> {
  const out: Record<string, FieldValue>[] = [];
  for await (const r of it) out.push(r);
  return out;
}
