/**
 * Pre-seed a target schema for the demo: the tenant, one franchise, and the Logic Nexus users of
 * resources/demo/users.csv (owner mapping matches source users to these by email). Idempotent.
 */
import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse';
import type pg from 'pg';
import { uuidv5 } from '../../shared/ids.ts';
import { qualified } from '../../control-plane/db/sql/ident.ts';

export const DEMO_DIR = fileURLToPath(new URL('./data/', import.meta.url));
export const DEMO_MAPPING = fileURLToPath(new URL('./mapping.yaml', import.meta.url));
export const DEMO_USERS = fileURLToPath(new URL('./users.csv', import.meta.url));

export interface SeededTenant {
  tenantId: string;
  franchiseId: string;
  users: number;
  /** Mapping variables for resources/demo/mapping.yaml. */
  vars: { TENANT_ID: string; FRANCHISE_ID: string };
}

export async function seedDemoTenant(pool: pg.Pool, schema: string, tenantId: string): Promise<SeededTenant> {
  const franchiseId = uuidv5(`demo-franchise:${tenantId}`);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO ${qualified(schema, 'tenants')} (id, name, slug) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`,
      [tenantId, 'Demo Logistics', `demo-${tenantId.slice(0, 8)}`],
    );
    await client.query(
      `INSERT INTO ${qualified(schema, 'franchises')} (id, tenant_id, name, code) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`,
      [franchiseId, tenantId, 'Demo Logistics HQ', 'HQ'],
    );
    let users = 0;
    const rows = createReadStream(DEMO_USERS).pipe(parse({ columns: true, bom: true }));
    try {
      for await (const u of rows as AsyncIterable<{ email: string; full_name: string; role: string }>) {
        await client.query(
          `INSERT INTO ${qualified(schema, 'users')} (id, tenant_id, franchise_id, email, full_name, role)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
          [uuidv5(`demo-user:${tenantId}:${u.email.toLowerCase()}`), tenantId, franchiseId, u.email, u.full_name, u.role],
        );
        users++;
      }
    } finally {
      rows.destroy();
    }
    await client.query('COMMIT');
    return { tenantId, franchiseId, users, vars: { TENANT_ID: tenantId, FRANCHISE_ID: franchiseId } };
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}
