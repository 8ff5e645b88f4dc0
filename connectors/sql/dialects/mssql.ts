/**
 * SQL Server dialect (the production path for on-prem CargoWise, SAP TM and OTM): tedious
 * sessions with encryption and ApplicationIntent=ReadOnly, rows streamed with request.pause()
 * / resume() for back-pressure, sys.tables / sys.columns introspection, cancellation through
 * connection.cancel(). Statements are T-SQL (TOP, OFFSET … FETCH, CONVERT styles).
 */
import { Connection, ISOLATION_LEVEL, Request, TYPES } from 'tedious';
import type { FieldValue } from '../../../shared/record-batch.ts';
import { QueryCompiler } from '../compiler.ts';
import type { CompiledQuery } from '../compiler.ts';
import type { Introspector, SqlDialect, SqlSession, StreamOptions } from '../dialect.ts';
import { SqlAbortedError, SqlSourceError } from '../errors.ts';
import type { NormalType } from '../types.ts';
import { assemble } from './postgres.ts';
import { tediousConfig } from './mssql-config.ts';
import { convertTediousValue } from './mssql-values.ts';
import type { TediousColumnMeta } from './mssql-values.ts';

const HIGH_WATER = 500;
const LOW_WATER = 100;

/** T-SQL the introspector runs; exported so tests can parse every statement. */
export const MSSQL_INTROSPECTION = {
  columns: `SELECT t.name AS table_name, c.name AS column_name, CASE WHEN ty.name = 'timestamp' THEN 'rowversion' ELSE ty.name END AS data_type,
    CASE WHEN c.is_nullable = 1 THEN 'YES' ELSE 'NO' END AS is_nullable,
    CASE WHEN c.max_length = -1 THEN NULL WHEN ty.name IN ('nvarchar', 'nchar') THEN c.max_length / 2 ELSE c.max_length END AS character_maximum_length,
    c.precision AS numeric_precision, c.scale AS numeric_scale, c.column_id AS ordinal_position
    FROM sys.tables t JOIN sys.schemas s ON s.schema_id = t.schema_id JOIN sys.columns c ON c.object_id = t.object_id
    JOIN sys.types ty ON ty.user_type_id = c.user_type_id WHERE s.name = @p0 ORDER BY t.name, c.column_id`,
  primaryKeys: `SELECT t.name AS table_name, c.name AS column_name FROM sys.indexes i
    JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
    JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
    JOIN sys.tables t ON t.object_id = i.object_id JOIN sys.schemas s ON s.schema_id = t.schema_id
    WHERE i.is_primary_key = 1 AND s.name = @p0 ORDER BY t.name, ic.key_ordinal`,
  estimates: `SELECT t.name AS table_name, SUM(p.rows) AS n FROM sys.tables t JOIN sys.schemas s ON s.schema_id = t.schema_id
    JOIN sys.partitions p ON p.object_id = t.object_id AND p.index_id IN (0, 1) WHERE s.name = @p0 GROUP BY t.name`,
  // No @@VERSION / @@SPID: SERVERPROPERTY and sys.databases say the same and parse everywhere.
  serverInfo: `SELECT CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)) AS version, CAST(SERVERPROPERTY('Edition') AS nvarchar(128)) AS edition,
    CAST(DATABASEPROPERTYEX(DB_NAME(), 'Updateability') AS nvarchar(32)) AS updateability,
    d.snapshot_isolation_state_desc AS snapshot_state, d.is_read_committed_snapshot_on AS rcsi, DB_NAME() AS db
    FROM sys.databases d WHERE d.name = DB_NAME()`,
} as const;

/** Bind types: integers as BigInt, booleans as Bit, floats as Float, everything else as text converted in SQL. */
function tediousParamType(type: NormalType): (typeof TYPES)[keyof typeof TYPES] {
  if (type === 'integer' || type === 'bigint') return TYPES.BigInt;
  if (type === 'boolean') return TYPES.Bit;
  if (type === 'number') return TYPES.Float;
  return TYPES.NVarChar;
}

export const mssqlCompiler = new QueryCompiler({
  quote: (i) => `[${i.replace(/]/g, ']]')}]`,
  placeholder: (i, type) => {
    const p = `@p${i}`;
    switch (type) {
      case 'datetime': return `CONVERT(datetime2(7), ${p}, 126)`;
      case 'datetimetz': return `CONVERT(datetimeoffset(7), ${p}, 127)`;
      case 'rowversion': return `CONVERT(binary(8), ${p}, 1)`;
      case 'uuid': return `CONVERT(uniqueidentifier, ${p})`;
      case 'decimal': return `CONVERT(decimal(38, 10), ${p})`;
      default: return p;
    }
  },
  project: (expr, type) => {
    switch (type) {
      case 'decimal': return `CONVERT(varchar(64), ${expr})`;
      case 'datetime': return `CONVERT(varchar(27), ${expr}, 126)`;
      case 'datetimetz': return `CONVERT(varchar(34), ${expr}, 127)`;
      case 'rowversion': return `CONVERT(varchar(18), ${expr}, 1)`;
      default: return expr;
    }
  },
  limitStyle: 'top',
});

class MssqlSession implements SqlSession {
  constructor(private readonly conn: Connection) {}

  async *stream(query: CompiledQuery, options: StreamOptions = {}): AsyncIterable<Record<string, FieldValue>> {
    const queue: Record<string, FieldValue>[] = [];
    let done = false;
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    const notify = (): void => { const w = wake; wake = undefined; w?.(); };
    const request = new Request(query.sql, (err) => {
      if (err) failure = options.signal?.aborted ? new SqlAbortedError('mssql read aborted', { cause: err }) : new SqlSourceError(`mssql query failed: ${err.message}`, { cause: err });
      done = true;
      notify();
    });
    query.params.forEach((v, i) => request.addParameter(`p${i}`, tediousParamType(query.paramTypes[i]!), v));
    let paused = false;
    request.on('row', (columns: { value: unknown; metadata: TediousColumnMeta }[]) => {
      const row: Record<string, FieldValue> = {};
      for (const c of columns) row[c.metadata.colName] = convertTediousValue(c.value, c.metadata, options.types?.[c.metadata.colName]);
      queue.push(row);
      if (queue.length >= HIGH_WATER && !paused) { paused = true; request.pause(); }
      notify();
    });
    const onAbort = (): void => { this.conn.cancel(); };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    this.conn.execSql(request);
    try {
      for (;;) {
        while (queue.length > 0) {
          yield queue.shift()!;
          if (paused && queue.length <= LOW_WATER) { paused = false; request.resume(); }
        }
        if (failure) throw failure;
        if (done) return;
        await new Promise<void>((r) => { wake = r; });
      }
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      if (!done) {
        if (paused) request.resume();
        this.conn.cancel();
      }
    }
  }

  async all(query: CompiledQuery, options: StreamOptions = {}): Promise<Record<string, FieldValue>[]> {
    const out: Record<string, FieldValue>[] = [];
    for await (const r of this.stream(query, options)) out.push(r);
    return out;
  }

  /** Under snapshot isolation a whole pass reads one snapshot: one transaction per session. */
  begin(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.conn.beginTransaction((err) => {
        if (err) reject(new SqlSourceError(`cannot start a snapshot transaction: ${err.message} (is ALLOW_SNAPSHOT_ISOLATION on?)`, { cause: err }));
        else { this.inTransaction = true; resolve(); }
      }, 'nexus_read', ISOLATION_LEVEL.SNAPSHOT);
    });
  }

  private inTransaction = false;

  async close(): Promise<void> {
    if (this.inTransaction) {
      // Read-only work: roll back rather than commit; ignore errors from a cancelled request.
      await new Promise<void>((resolve) => this.conn.rollbackTransaction(() => resolve()));
    }
    await new Promise<void>((resolve) => {
      this.conn.once('end', () => resolve());
      this.conn.close();
    });
  }
}

const introspector: Introspector = {
  async tables(session) {
    // The schema is bound as @p0; the session is already in the right database.
    const schema = (session as MssqlSession & { schema?: string }).schema ?? 'dbo';
    const q = (sql: string): CompiledQuery => ({ sql, params: [schema], paramTypes: ['string'] });
    const cols = await session.all(q(MSSQL_INTROSPECTION.columns));
    const pks = await session.all(q(MSSQL_INTROSPECTION.primaryKeys));
    const est = await session.all(q(MSSQL_INTROSPECTION.estimates));
    return assemble(cols, pks, est);
  },
  async serverInfo(session) {
    const [r] = await session.all({ sql: MSSQL_INTROSPECTION.serverInfo, params: [], paramTypes: [] });
    const requested = (session as MssqlSession & { isolation?: string }).isolation ?? 'snapshot';
    const snapshotOn = r?.snapshot_state === 'ON';
    return {
      version: `SQL Server ${String(r?.version ?? '?')} (${String(r?.edition ?? '?')})`,
      readOnly: r?.updateability === 'READ_ONLY',
      // The session asks for its isolation at login; snapshot only works when the database allows it.
      isolation: requested === 'snapshot' && !snapshotOn ? 'snapshot requested but ALLOW_SNAPSHOT_ISOLATION is OFF' : `${requested}${r?.rcsi ? ' (READ_COMMITTED_SNAPSHOT on)' : ''}`,
      database: String(r?.db ?? ''),
    };
  },
};

export const mssqlDialect: SqlDialect = {
  name: 'mssql',
  compiler: mssqlCompiler,
  introspector,
  defaultSchema: (config) => config.schema ?? 'dbo',
  async connect(config) {
    const conn = new Connection(tediousConfig(config));
    await new Promise<void>((resolve, reject) => {
      conn.connect((err) => (err ? reject(new SqlSourceError(`cannot connect to SQL Server ${config.host}: ${err.message}`, { cause: err })) : resolve()));
    });
    const session = new MssqlSession(conn) as MssqlSession & { schema?: string; isolation?: string };
    session.schema = config.schema ?? 'dbo';
    session.isolation = config.isolation ?? 'snapshot';
    if (session.isolation === 'snapshot') {
      try {
        await session.begin();
      } catch (err) {
        conn.close();
        throw err;
      }
    }
    return session;
  },
};
