/**
 * MySQL / MariaDB dialect: mysql2 streaming queries (the socket is paused while the consumer
 * is busy, so back-pressure reaches the server), information_schema introspection. Sessions
 * use time_zone '+00:00' (TIMESTAMP columns come out as UTC) and a read-only transaction.
 */
import mysql from 'mysql2';
import type { Connection, TypeCast } from 'mysql2';
import type { FieldValue } from '../../../shared/record-batch.ts';
import { registerSecret } from '../../../shared/log/redact.ts';
import { QueryCompiler } from '../compiler.ts';
import type { CompiledQuery } from '../compiler.ts';
import type { Introspector, SqlDialect, SqlSession, StreamOptions } from '../dialect.ts';
import { SqlAbortedError, SqlConfigError, SqlSourceError } from '../errors.ts';
import type { NormalType, SqlConnectionConfig } from '../types.ts';
import { isoFromDbText, normaliseRow } from '../values.ts';
import { assemble } from './postgres.ts';
import { connectFailureText } from '../../../shared/errors/connect-failure.ts';

/** DATETIME stays naive; TIMESTAMP (UTC session) gets 'Z'; DECIMAL and BIGINT stay text. */
const typeCast: TypeCast = (field, next) => {
  switch (field.type) {
    case 'DATETIME': {
      const s = field.string();
      return s == null ? null : isoFromDbText(s, false);
    }
    case 'TIMESTAMP': {
      const s = field.string();
      return s == null ? null : isoFromDbText(s, true);
    }
    case 'DATE':
    case 'NEWDECIMAL':
    case 'DECIMAL':
      return field.string();
    case 'LONGLONG': {
      const s = field.string();
      if (s == null) return null;
      const n = Number(s);
      return Number.isSafeInteger(n) ? n : s;
    }
    default:
      return next();
  }
};

/** Convert a parameter back to the form MySQL compares correctly (naive 'YYYY-MM-DD HH:MM:SS'). */
function toParam(value: FieldValue, type: NormalType): unknown {
  if (typeof value === 'string' && (type === 'datetime' || type === 'datetimetz')) return value.replace('T', ' ').replace(/Z$/, '');
  return value;
}

class MysqlSession implements SqlSession {
  constructor(private readonly conn: Connection, private readonly timeoutMs: number) {}

  async *stream(query: CompiledQuery, options: StreamOptions = {}): AsyncIterable<Record<string, FieldValue>> {
    const params = query.params.map((p, i) => toParam(p, query.paramTypes[i]!));
    const q = this.conn.query({ sql: query.sql, values: params, typeCast, timeout: this.timeoutMs });
    const stream = q.stream({ highWaterMark: 256 });
    const onAbort = (): void => {
      stream.destroy(new SqlAbortedError('mysql read aborted'));
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let drained = false;
    try {
      for await (const row of stream) yield normaliseRow(row as Record<string, unknown>, options.types);
      drained = true;
    } catch (err) {
      if (options.signal?.aborted || err instanceof SqlAbortedError) throw new SqlAbortedError('mysql read aborted', { cause: err });
      throw new SqlSourceError(`mysql query failed: ${(err as Error).message}`, { cause: err });
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      // A half-read result leaves the protocol mid-stream: the session cannot be reused.
      if (!drained) this.conn.destroy();
    }
  }

  all(query: CompiledQuery, options: StreamOptions = {}): Promise<Record<string, FieldValue>[]> {
    const params = query.params.map((p, i) => toParam(p, query.paramTypes[i]!));
    return new Promise((resolve, reject) => {
      this.conn.query({ sql: query.sql, values: params, typeCast, timeout: this.timeoutMs }, (err, rows) => {
        if (err) reject(new SqlSourceError(`mysql query failed: ${err.message}`, { cause: err }));
        else resolve((rows as Record<string, unknown>[]).map((r) => normaliseRow(r, options.types)));
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.conn.end(() => resolve());
    });
  }
}

const introspector: Introspector = {
  async tables(session) {
    const cols = await session.all({
      sql: `SELECT c.TABLE_NAME AS table_name, c.COLUMN_NAME AS column_name, c.DATA_TYPE AS data_type, c.COLUMN_TYPE AS column_type, c.IS_NULLABLE AS is_nullable,
                   c.CHARACTER_MAXIMUM_LENGTH AS character_maximum_length, c.NUMERIC_PRECISION AS numeric_precision, c.NUMERIC_SCALE AS numeric_scale, c.ORDINAL_POSITION AS ordinal_position
            FROM information_schema.COLUMNS c JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
            WHERE c.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE' ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION`,
      params: [], paramTypes: [],
    });
    const pks = await session.all({
      sql: `SELECT TABLE_NAME AS table_name, COLUMN_NAME AS column_name FROM information_schema.KEY_COLUMN_USAGE
            WHERE TABLE_SCHEMA = DATABASE() AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY TABLE_NAME, ORDINAL_POSITION`,
      params: [], paramTypes: [],
    });
    const est = await session.all({
      sql: `SELECT TABLE_NAME AS table_name, TABLE_ROWS AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()`,
      params: [], paramTypes: [],
    });
    return assemble(cols, pks, est);
  },
  async serverInfo(session) {
    const [r] = await session.all({
      sql: 'SELECT VERSION() AS version, @@transaction_read_only AS ro, @@transaction_isolation AS iso, DATABASE() AS db',
      params: [], paramTypes: [],
    }).catch(() => session.all({ sql: 'SELECT VERSION() AS version, @@tx_read_only AS ro, @@tx_isolation AS iso, DATABASE() AS db', params: [], paramTypes: [] }));
    return { version: String(r!.version), readOnly: Number(r!.ro) === 1, isolation: String(r!.iso), database: String(r!.db) };
  },
};

export const mysqlDialect: SqlDialect = {
  name: 'mysql',
  compiler: new QueryCompiler({
    quote: (i) => `\`${i.replace(/`/g, '``')}\``,
    placeholder: () => '?',
    project: (e) => e,
    limitStyle: 'limit',
  }),
  introspector,
  defaultSchema: () => undefined,
  async connect(config: SqlConnectionConfig) {
    if (!config.url && !config.host) throw new SqlConfigError('mysql source needs a url or host');
    registerSecret(config.password);
    const base = config.url ? { uri: config.url } : {};
    const conn = mysql.createConnection({
      ...base,
      host: config.host, port: config.port, database: config.database, user: config.user, password: config.password,
      connectTimeout: config.connectTimeoutMs ?? 30_000,
      supportBigNumbers: true, bigNumberStrings: true, dateStrings: true, timezone: 'Z', charset: 'utf8mb4',
    });
    const run = (sql: string): Promise<void> =>
      new Promise((resolve, reject) => conn.query(sql, (err) => (err ? reject(err) : resolve())));
    try {
      await run("SET time_zone = '+00:00'");
      const iso = config.isolation === 'read-committed' ? 'READ COMMITTED' : 'REPEATABLE READ';
      await run(`SET SESSION TRANSACTION ISOLATION LEVEL ${iso}`);
      // Session-level read-only (visible in @@transaction_read_only), then a snapshot transaction.
      if (config.readOnlyIntent !== false) await run('SET SESSION TRANSACTION READ ONLY');
      await run(config.readOnlyIntent === false ? 'START TRANSACTION WITH CONSISTENT SNAPSHOT' : 'START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    } catch (err) {
      conn.destroy();
      throw new SqlSourceError(`cannot connect to mysql source: ${connectFailureText(err, { user: config.user }) ?? (err as Error).message}`, { cause: err });
    }
    return new MysqlSession(conn, config.queryTimeoutMs ?? 300_000);
  },
};
