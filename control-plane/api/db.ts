/**
 * Transactions for the API. A tenant transaction runs as the role nexus_api with the GUC
 * nexus.tenant_id set locally, so PostgreSQL row-level security scopes every statement to that
 * tenant. A system transaction (login lookup, background runs) keeps the pool's login role.
 */
import type pg from 'pg';
import { quoteIdent } from '../db/sql/ident.ts';

export const API_ROLE = 'nexus_api';

export interface Db {
  pool: pg.Pool;
  /** The control schema (unqualified SQL inside the transactions resolves here). */
  schema: string;
}

export class TenantContextError extends Error {
  override readonly name = 'TenantContextError';
}

async function inTransaction<T>(db: Db, setup: (c: pg.PoolClient) => Promise<void>, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    try {
      await client.query(`SET LOCAL search_path TO ${quoteIdent(db.schema)}`);
      await setup(client);
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK');
      throw err;
    }
  } finally {
    client.release();
  }
}

/** Run `fn` in a transaction scoped to one tenant by RLS. */
export function withTenant<T>(db: Db, tenantId: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(tenantId)) {
    throw new TenantContextError(`refusing a tenant transaction for a malformed tenant id`);
  }
  return inTransaction(
    db,
    async (c) => {
      await c.query(`SET LOCAL ROLE ${quoteIdent(API_ROLE)}`);
      await c.query(`SELECT set_config('nexus.tenant_id', $1, true)`, [tenantId]);
    },
    fn,
  );
}

/** Run `fn` in a transaction as the pool's login role (no tenant scoping). Keep its uses few. */
export function withSystem<T>(db: Db, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  return inTransaction(db, async () => undefined, fn);
}
