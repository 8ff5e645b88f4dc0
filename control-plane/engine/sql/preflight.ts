/** What preflight asks the target database, one operation per function. */
import type pg from 'pg';
import { qualified } from '../../db/sql/ident.ts';

type Q = pg.Pool | pg.PoolClient;

/** Null when the database takes writes; otherwise why not. */
export async function readOnlyReason(q: Q): Promise<string | null> {
  const { rows } = await q.query<{ recovery: boolean; ro: string }>(`SELECT pg_is_in_recovery() AS recovery, current_setting('default_transaction_read_only') AS ro`);
  if (rows[0]!.recovery) return 'the target database is a read-only standby (in recovery)';
  if (rows[0]!.ro === 'on') return 'the target database refuses writes (default_transaction_read_only is on)';
  return null;
}

/** Tables of `schema` the current user may not INSERT into or UPDATE. */
export async function unwritableTables(q: Q, schema: string, tables: string[]): Promise<string[]> {
  if (tables.length === 0) return [];
  const { rows } = await q.query<{ t: string; ok: boolean }>(
    `SELECT t, has_table_privilege(format('%I.%I', $1::text, t), 'INSERT, UPDATE') AS ok FROM unnest($2::text[]) AS t`,
    [schema, tables],
  );
  return rows.filter((r) => !r.ok).map((r) => r.t);
}

export async function tenantExists(q: Q, schema: string, tenantId: string): Promise<boolean> {
  const { rows } = await q.query(`SELECT 1 FROM ${qualified(schema, 'tenants')} WHERE id = $1`, [tenantId]);
  return rows.length > 0;
}

/** The franchise's tenant, or null when the franchise does not exist. */
export async function franchiseTenant(q: Q, schema: string, franchiseId: string): Promise<string | null> {
  const { rows } = await q.query<{ tenant_id: string }>(`SELECT tenant_id FROM ${qualified(schema, 'franchises')} WHERE id = $1`, [franchiseId]);
  return rows[0]?.tenant_id ?? null;
}

export async function insertTenant(q: Q, schema: string, tenantId: string, name: string): Promise<void> {
  await q.query(
    `INSERT INTO ${qualified(schema, 'tenants')} (id, name, slug) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`,
    [tenantId, name, `tenant-${tenantId}`],
  );
}

export async function insertFranchise(q: Q, schema: string, franchiseId: string, tenantId: string, name: string): Promise<void> {
  await q.query(
    `INSERT INTO ${qualified(schema, 'franchises')} (id, tenant_id, name) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`,
    [franchiseId, tenantId, name],
  );
}

/** What preflight did, kept with the run so its report can say so. */
export async function savePreflight(q: Q, cs: string, runId: string, record: unknown): Promise<void> {
  await q.query(`UPDATE ${qualified(cs, 'runs')} SET preflight = $2 WHERE id = $1`, [runId, JSON.stringify(record)]);
}
