/**
 * Versioned SQL migrations for the Logic Nexus target schema and the nexus-migrate control schema.
 * Each kind's files (NNN_name.sql) apply in name order, once, under an advisory lock, with
 * search_path set to the chosen schema so the SQL stays unqualified.
 */
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type pg from 'pg';
import { quoteIdent } from './sql/ident.ts';

export type MigrationKind = 'target' | 'control';

const DIR = path.dirname(fileURLToPath(import.meta.url));

export async function listMigrations(kind: MigrationKind): Promise<{ version: string; file: string }[]> {
  const dir = path.join(DIR, 'migrations', kind);
  const files = (await readdir(dir)).filter((f) => /^\d{3}_.+\.sql$/.test(f)).sort();
  return files.map((f) => ({ version: f.replace(/\.sql$/, ''), file: path.join(dir, f) }));
}

/** Apply pending migrations of `kind` into `schema` (created if missing). Returns the versions applied. */
export async function migrate(pool: pg.Pool, kind: MigrationKind, schema: string): Promise<string[]> {
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`nexus-migrate:${kind}:${schema}`]);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${quoteIdent(schema)}.nexus_schema_migrations (kind text NOT NULL, version text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (kind, version))`,
      );
      const { rows } = await client.query<{ version: string }>(
        `SELECT version FROM ${quoteIdent(schema)}.nexus_schema_migrations WHERE kind = $1`,
        [kind],
      );
      const done = new Set(rows.map((r) => r.version));
      for (const m of await listMigrations(kind)) {
        if (done.has(m.version)) continue;
        const sql = await readFile(m.file, 'utf8');
        await client.query('BEGIN');
        try {
          await client.query(`SET LOCAL search_path TO ${quoteIdent(schema)}, public`);
          await client.query(sql);
          await client.query(`INSERT INTO ${quoteIdent(schema)}.nexus_schema_migrations (kind, version) VALUES ($1, $2)`, [kind, m.version]);
          await client.query('COMMIT');
          applied.push(m.version);
        } catch (err) {
          await client.query('ROLLBACK');
          throw new Error(`migration ${kind}/${m.version} into schema ${schema} failed: ${(err as Error).message}`);
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`nexus-migrate:${kind}:${schema}`]);
    }
  } finally {
    client.release();
  }
  return applied;
}
