/**
 * Create a platform-shaped sample database: DDL, then rows generated and inserted in streaming
 * chunks (COPY for PostgreSQL, multi-row INSERT for MySQL/MariaDB). Reproducible from the seed.
 */
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import mysql from 'mysql2/promise';
import { once } from 'node:events';
import { registerSecret } from '../../../shared/log/redact.ts';
import { loadPlatformDescription, type PlatformDescription } from '../platform-description.ts';
import { createTableSql, quoteIdent, type SampleDialect } from './ddl.ts';
import { generateChunks, tableCounts, type GenContext, type SampleValue } from './generate.ts';

export interface SampleDbOptions {
  platform: string | PlatformDescription;
  dialect: SampleDialect;
  url: string;
  /** About this many rows over all tables. */
  rows: number;
  seed: number;
  badData?: boolean;
  /** PostgreSQL schema to create the tables in (default: the connection's current schema). */
  schema?: string;
  /** Drop the platform's tables first. */
  replace?: boolean;
  onProgress?: (table: string, inserted: number, total: number) => void;
}

export interface SampleDbResult {
  platform: string;
  tables: { table: string; rows: number }[];
  totalRows: number;
}

export class SampleDbError extends Error {
  override name = 'SampleDbError';
}

function csvField(v: SampleValue): string {
  if (v === null) return '';
  const s = typeof v === 'boolean' ? (v ? 't' : 'f') : String(v);
  return `"${s.replace(/"/g, '""')}"`;
}

export async function createSampleDatabase(o: SampleDbOptions): Promise<SampleDbResult> {
  const d = typeof o.platform === 'string' ? loadPlatformDescription(o.platform) : o.platform;
  if (!Number.isInteger(o.rows) || o.rows < 1 || o.rows > 50_000_000) throw new SampleDbError(`--rows must be an integer between 1 and 50000000, got ${o.rows}`);
  const counts = tableCounts(d, o.rows);
  const ctx: GenContext = { d, seed: o.seed >>> 0, counts, badData: o.badData === true };
  const u = new URL(o.url);
  registerSecret(decodeURIComponent(u.password));
  if (o.dialect === 'postgres') await loadPostgres(o, d, ctx);
  else await loadMysql(o, d, ctx);
  const tables = d.entities.map((e) => ({ table: e.table, rows: counts.get(e.table)! }));
  return { platform: d.platform, tables, totalRows: tables.reduce((s, t) => s + t.rows, 0) };
}

async function loadPostgres(o: SampleDbOptions, d: PlatformDescription, ctx: GenContext): Promise<void> {
  const client = new pg.Client({ connectionString: o.url });
  await client.connect();
  try {
    if (o.schema) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent('postgres', o.schema)}`);
      await client.query(`SET search_path TO ${quoteIdent('postgres', o.schema)}`);
    }
    for (const e of d.entities) {
      if (o.replace) await client.query(`DROP TABLE IF EXISTS ${quoteIdent('postgres', e.table)}`);
      for (const sql of createTableSql('postgres', e)) await client.query(sql);
      const cols = e.columns.map((c) => quoteIdent('postgres', c.name)).join(', ');
      const stream = client.query(copyFrom(`COPY ${quoteIdent('postgres', e.table)} (${cols}) FROM STDIN WITH (FORMAT csv)`));
      const done = new Promise<void>((resolve, reject) => { stream.on('finish', resolve); stream.on('error', reject); });
      let n = 0;
      try {
        for (const chunk of generateChunks(ctx, e, 2000)) {
          const text = chunk.map((r) => r.map(csvField).join(',')).join('\n') + '\n';
          if (!stream.write(text)) await once(stream, 'drain');
          n += chunk.length;
          o.onProgress?.(e.table, n, ctx.counts.get(e.table)!);
        }
      } finally {
        stream.end();
      }
      await done;
      // Statistics for this table only (planner estimates; check-source row estimates).
      await client.query(`ANALYZE ${quoteIdent('postgres', e.table)}`);
    }
  } finally {
    await client.end();
  }
}

async function loadMysql(o: SampleDbOptions, d: PlatformDescription, ctx: GenContext): Promise<void> {
  const conn = await mysql.createConnection({ uri: o.url, charset: 'utf8mb4', dateStrings: true, timezone: 'Z' });
  try {
    await conn.query("SET time_zone = '+00:00'");
    for (const e of d.entities) {
      const q = (i: string): string => quoteIdent('mysql', i);
      if (o.replace) await conn.query(`DROP TABLE IF EXISTS ${q(e.table)}`);
      for (const sql of createTableSql('mysql', e)) await conn.query(sql);
      const cols = e.columns.map((c) => q(c.name)).join(', ');
      let n = 0;
      for (const chunk of generateChunks(ctx, e, 1000, 3 * 1024 * 1024)) {
        await conn.query(`INSERT INTO ${q(e.table)} (${cols}) VALUES ?`, [chunk]);
        n += chunk.length;
        o.onProgress?.(e.table, n, ctx.counts.get(e.table)!);
      }
    }
  } finally {
    await conn.end();
  }
}
