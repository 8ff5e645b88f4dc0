/**
 * The COPY baseline a benchmark compares the engine against: the same final rows loaded by plain
 * `psql \copy` into an identical, empty schema (same migrations, indexes and constraints), in
 * dependency order, in one psql session and one transaction with constraints checked at commit.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { migrate } from '../db/migrate.ts';
import { qualified, quoteIdent } from '../db/sql/ident.ts';
import { redactText } from '../../shared/log/redact.ts';

const execFileAsync = promisify(execFile);
export const PSQL = process.env.PSQL_BIN ?? '/usr/bin/psql';

export interface CopyBaselineOptions {
  /** Connection URL (embedded PostgreSQL included); the password travels in PGPASSWORD, never argv. */
  url: string;
  /** Schema holding the rows the engine loaded. */
  sourceSchema: string;
  /** Target tables to time. Tables they reference (tenants, franchises, users…) are copied untimed first. */
  tables: string[];
  /** Keep the baseline schema for inspection (default: drop it). */
  keep?: boolean;
}

export interface CopyBaselineResult {
  seconds: number;
  schema: string;
  /** Rows loaded per timed table, in load order. */
  rows: { table: string; rows: number }[];
}

export class CopyBaselineError extends Error {
  override readonly name = 'CopyBaselineError';
  constructor(step: string, detail: string) {
    super(`COPY baseline, ${step}: ${redactText(detail)}`);
  }
}

/** Seconds taken by psql \copy to load the same rows into an identical empty schema. */
export async function measureCopyBaseline(opts: CopyBaselineOptions): Promise<number> {
  return (await measureCopyBaselineDetailed(opts)).seconds;
}

function psqlEnv(url: string): { conn: string; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  return { conn: u.toString(), env: { ...process.env, PGPASSWORD: password, PGOPTIONS: '' } };
}

async function psql(url: string, args: string[], step: string): Promise<string> {
  const { conn, env } = psqlEnv(url);
  try {
    const { stdout } = await execFileAsync(PSQL, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', conn, ...args], { env, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new CopyBaselineError(step, (e.stderr || e.message).trim());
  }
}

/** psql \copy file names are quoted with single quotes. */
const fileLit = (f: string): string => `'${f.replace(/'/g, "''")}'`;

/** Order tables so that referenced tables load first (self-references ignored; FKs are checked at commit anyway). */
async function dependencyClosure(pool: pg.Pool, schema: string, tables: string[]): Promise<{ order: string[]; extra: string[] }> {
  const { rows } = await pool.query<{ child: string; parent: string }>(
    `SELECT c.relname AS child, p.relname AS parent
       FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid
       JOIN pg_class p ON p.oid = k.confrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE k.contype = 'f' AND n.nspname = $1 AND c.relname <> p.relname`,
    [schema],
  );
  const parents = new Map<string, Set<string>>();
  for (const r of rows) {
    if (!parents.has(r.child)) parents.set(r.child, new Set());
    parents.get(r.child)!.add(r.parent);
  }
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (t: string): void => {
    if (seen.has(t)) return;
    seen.add(t);
    for (const p of [...(parents.get(t) ?? [])].sort()) visit(p);
    order.push(t);
  };
  for (const t of tables) visit(t);
  const wanted = new Set(tables);
  return { order: order.filter((t) => wanted.has(t)), extra: order.filter((t) => !wanted.has(t)) };
}

export async function measureCopyBaselineDetailed(opts: CopyBaselineOptions): Promise<CopyBaselineResult> {
  const schema = `${opts.sourceSchema.slice(0, 40)}_copybase_${Date.now().toString(36)}`;
  const pool = new pg.Pool({ connectionString: opts.url, max: 2 });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'nexus-copy-baseline-'));
  try {
    await migrate(pool, 'target', schema);
    const { order, extra } = await dependencyClosure(pool, opts.sourceSchema, opts.tables);
    const all = [...extra, ...order];
    // 1. Dump every table (timed tables and the ones they reference) to CSV, in a stable order.
    const dumps = all.map((t) => `\\copy (SELECT * FROM ${qualified(opts.sourceSchema, t)} ORDER BY id) TO ${fileLit(path.join(dir, `${t}.csv`))} CSV`);
    await psql(opts.url, dumps.flatMap((c) => ['-c', c]), 'dumping source tables');
    // 2. Untimed: the referenced tables (tenant, franchise, users) the timed rows point at.
    if (extra.length > 0) {
      const pre = ['BEGIN;', ...extra.map((t) => `\\copy ${qualified(schema, t)} FROM ${fileLit(path.join(dir, `${t}.csv`))} CSV`), 'COMMIT;'];
      await writeFile(path.join(dir, 'pre.sql'), pre.join('\n') + '\n');
      await psql(opts.url, ['-f', path.join(dir, 'pre.sql')], 'loading referenced tables');
    }
    // 3. Timed: one session, one transaction, dependency order, deferred FKs checked at COMMIT.
    const script = [
      'BEGIN;',
      'SET CONSTRAINTS ALL DEFERRED;',
      ...order.map((t) => `\\copy ${qualified(schema, t)} FROM ${fileLit(path.join(dir, `${t}.csv`))} CSV`),
      'COMMIT;',
    ];
    await writeFile(path.join(dir, 'load.sql'), script.join('\n') + '\n');
    const started = process.hrtime.bigint();
    await psql(opts.url, ['-f', path.join(dir, 'load.sql')], 'timed \\copy load');
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const rows: { table: string; rows: number }[] = [];
    for (const t of order) {
      const r = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${qualified(schema, t)}`);
      rows.push({ table: t, rows: Number(r.rows[0]!.n) });
    }
    return { seconds, schema, rows };
  } finally {
    try {
      if (!opts.keep) await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
    } finally {
      await pool.end();
      await rm(dir, { recursive: true, force: true });
    }
  }
}
