/**
 * PostgreSQL dialect: pg sessions, pg-cursor streaming (reads in chunks, so a page never sits
 * whole in memory), information_schema introspection. Sessions run in a read-only transaction
 * with the configured isolation, statement_timeout and TimeZone UTC.
 */
import pg from 'pg';
import Cursor from 'pg-cursor';
import type { FieldValue } from '../../../shared/record-batch.ts';
import { QueryCompiler } from '../compiler.ts';
import type { CompiledQuery } from '../compiler.ts';
import type { Introspector, SqlDialect, SqlSession, StreamOptions } from '../dialect.ts';
import { SqlAbortedError, SqlConfigError, SqlSourceError } from '../errors.ts';
import type { ColumnMeta, SqlConnectionConfig, TableMeta } from '../types.ts';
import { isoFromDbText, normaliseRow, normalTypeOf } from '../values.ts';
import { registerSecret } from '../../../shared/log/redact.ts';
import { connectFailureText } from '../../../shared/errors/connect-failure.ts';

const CHUNK = 500;
/** information_schema data types whose values a SQL_ASCII server stores unverified. */
const TEXT_TYPES = new Set(['text', 'character varying', 'character']);

/** Type parsers that keep precision and zone information as text. */
const typeParsers = {
  getTypeParser(oid: number, format?: string): (v: string) => unknown {
    switch (oid) {
      case 1114: return (v) => isoFromDbText(v, false); // timestamp
      case 1184: return (v) => isoFromDbText(v, true); // timestamptz
      case 1082: return (v) => v; // date
      case 1700: return (v) => v; // numeric as string
      case 20: return (v) => { const n = Number(v); return Number.isSafeInteger(n) ? n : v; };
      default: return pg.types.getTypeParser(oid, format as 'text');
    }
  },
};

class PgSession implements SqlSession {
  constructor(private readonly client: pg.Client) {}

  async *stream(query: CompiledQuery, options: StreamOptions = {}): AsyncIterable<Record<string, FieldValue>> {
    const cursor = this.client.query(new Cursor(query.sql, query.params as unknown[], { types: typeParsers }));
    const onAbort = (): void => void this.cancel();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        if (options.signal?.aborted) throw new SqlAbortedError('postgres read aborted');
        let rows: Record<string, unknown>[];
        try {
          rows = await cursor.read(CHUNK);
        } catch (err) {
          if (options.signal?.aborted) throw new SqlAbortedError('postgres read aborted', { cause: err });
          throw new SqlSourceError(`postgres query failed: ${(err as Error).message}`, { cause: err });
        }
        if (rows.length === 0) return;
        for (const r of rows) yield normaliseRow(r, options.types);
      }
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      await cursor.close().catch(() => undefined);
    }
  }

  async all(query: CompiledQuery, options: StreamOptions = {}): Promise<Record<string, FieldValue>[]> {
    const res = await this.client.query({ text: query.sql, values: query.params as unknown[], types: typeParsers });
    return res.rows.map((r: Record<string, unknown>) => normaliseRow(r, options.types));
  }

  /** Cancel the running statement from a second connection (pg_cancel_backend). */
  private async cancel(): Promise<void> {
    const pid = (this.client as unknown as { processID?: number }).processID;
    if (!pid) return;
    const c = new pg.Client((this.client as unknown as { connectionParameters: pg.ClientConfig }).connectionParameters);
    try {
      await c.connect();
      await c.query('SELECT pg_cancel_backend($1)', [pid]);
    } catch {
      // best effort: the read loop also checks the signal between chunks
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    try {
      await this.client.query('COMMIT').catch(() => undefined);
    } finally {
      await this.client.end();
    }
  }
}

export const pgIntrospector: Introspector = {
  async tables(session) {
    const cols = await session.all({
      sql: `SELECT c.table_name, c.column_name, c.data_type, c.is_nullable, c.character_maximum_length, c.numeric_precision, c.numeric_scale, c.ordinal_position
            FROM information_schema.columns c JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' ORDER BY c.table_name, c.ordinal_position`,
      params: [], paramTypes: [],
    });
    const pks = await session.all({
      sql: `SELECT tc.table_name, k.column_name, k.ordinal_position FROM information_schema.table_constraints tc
            JOIN information_schema.key_column_usage k ON k.constraint_name = tc.constraint_name AND k.table_schema = tc.table_schema AND k.table_name = tc.table_name
            WHERE tc.table_schema = current_schema() AND tc.constraint_type = 'PRIMARY KEY' ORDER BY tc.table_name, k.ordinal_position`,
      params: [], paramTypes: [],
    });
    const est = await session.all({
      sql: `SELECT c.relname AS table_name, GREATEST(c.reltuples, 0)::bigint AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'`,
      params: [], paramTypes: [],
    });
    const tables = assemble(cols, pks, est);
    const [enc] = await session.all({ sql: `SELECT current_setting('server_encoding') AS enc`, params: [], paramTypes: [] });
    if (String(enc?.enc).toUpperCase() === 'SQL_ASCII') {
      for (const c of tables.flatMap((t) => t.columns)) if (TEXT_TYPES.has(c.dbType)) c.rawText = true;
    }
    return tables;
  },
  async serverInfo(session) {
    const [r] = await session.all({
      sql: `SELECT version() AS version, current_setting('transaction_read_only') AS ro, current_setting('transaction_isolation') AS iso, current_database() AS db`,
      params: [], paramTypes: [],
    });
    return { version: String(r!.version), readOnly: r!.ro === 'on', isolation: String(r!.iso), database: String(r!.db) };
  },
};

/** Build TableMeta from information_schema rows (shared with the MySQL introspector). */
export function assemble(
  cols: Record<string, FieldValue>[],
  pks: Record<string, FieldValue>[],
  est: Record<string, FieldValue>[],
): TableMeta[] {
  const tables = new Map<string, TableMeta>();
  for (const c of cols) {
    const name = String(c.table_name);
    let t = tables.get(name);
    if (!t) tables.set(name, (t = { name, columns: [], primaryKey: [] }));
    const meta: ColumnMeta = {
      table: name,
      name: String(c.column_name),
      dbType: String(c.data_type),
      type: normalTypeOf(String(c.data_type), { columnType: c.column_type == null ? undefined : String(c.column_type) }),
      nullable: String(c.is_nullable).toUpperCase() === 'YES',
      maxLength: c.character_maximum_length == null ? undefined : Number(c.character_maximum_length),
      precision: c.numeric_precision == null ? undefined : Number(c.numeric_precision),
      scale: c.numeric_scale == null ? undefined : Number(c.numeric_scale),
      ordinal: Number(c.ordinal_position),
    };
    t.columns.push(meta);
  }
  for (const p of pks) tables.get(String(p.table_name))?.primaryKey.push(String(p.column_name));
  for (const e of est) {
    const t = tables.get(String(e.table_name));
    if (t) t.estimatedRows = Number(e.n);
  }
  return [...tables.values()];
}

export const postgresDialect: SqlDialect = {
  name: 'postgres',
  compiler: new QueryCompiler({
    quote: (i) => `"${i.replace(/"/g, '""')}"`,
    placeholder: (i) => `$${i + 1}`,
    project: (e) => e,
    // SQL_ASCII text: the stored bytes (convert_to between the same encoding copies them), so one bad byte
    // rejects its record instead of aborting the whole read in the server's UTF8 conversion.
    projectBytes: (e) => `convert_to(${e}, 'SQL_ASCII')`,
    limitStyle: 'limit',
  }),
  introspector: pgIntrospector,
  defaultSchema: (config) => config.schema,
  async connect(config) {
    if (!config.url && !config.host) throw new SqlConfigError('postgres source needs a url or host');
    registerSecret(config.password);
    const client = new pg.Client({
      connectionString: config.url,
      host: config.host, port: config.port, database: config.database, user: config.user, password: config.password,
      connectionTimeoutMillis: config.connectTimeoutMs ?? 30_000,
      statement_timeout: config.queryTimeoutMs ?? 300_000,
      options: config.schema ? `-c search_path="${config.schema.replace(/"/g, '""')}"` : undefined,
    });
    try {
      await client.connect();
      await client.query("SET TIME ZONE 'UTC'");
      const iso = config.isolation === 'read-committed' ? 'READ COMMITTED' : 'REPEATABLE READ';
      await client.query(`BEGIN ISOLATION LEVEL ${iso}${config.readOnlyIntent === false ? '' : ' READ ONLY'}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw new SqlSourceError(`cannot connect to postgres source: ${connectFailureText(err, { user: config.user }) ?? (err as Error).message}`, { cause: err });
    }
    return new PgSession(client);
  },
};
