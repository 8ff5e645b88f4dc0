/** A real target schema and control schema per test, with a tenant, a franchise and users seeded. */
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { uuidv5 } from '../../shared/ids.ts';
import { migrate } from '../../control-plane/db/migrate.ts';
import { TEST_DATABASE_URL, uniqueName } from './pg.ts';

export interface EngineEnv {
  pool: pg.Pool;
  targetSchema: string;
  controlSchema: string;
  tenantId: string;
  franchiseId: string;
  drop(): Promise<void>;
}

export async function createEngineEnv(users: { email: string; name: string }[] = [], tenantId: string = randomUUID()): Promise<EngineEnv> {
  const base = uniqueName('eng');
  const targetSchema = `${base}_t`;
  const controlSchema = `${base}_c`;
  const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 4 });
  await migrate(pool, 'target', targetSchema);
  await migrate(pool, 'control', controlSchema);
  // Ids derive from the tenant, so two environments with one tenant hold identical rows.
  const franchiseId = uuidv5(`franchise:${tenantId}`);
  await pool.query(`INSERT INTO "${targetSchema}".tenants (id, name, slug) VALUES ($1, 'Test tenant', $2)`, [tenantId, `tenant-${tenantId}`]);
  await pool.query(`INSERT INTO "${targetSchema}".franchises (id, tenant_id, name) VALUES ($1, $2, 'HQ')`, [franchiseId, tenantId]);
  for (const u of users) {
    await pool.query(`INSERT INTO "${targetSchema}".users (id, tenant_id, franchise_id, email, full_name) VALUES ($1, $2, $3, $4, $5)`, [uuidv5(`user:${tenantId}:${u.email}`), tenantId, franchiseId, u.email, u.name]);
  }
  return {
    pool, targetSchema, controlSchema, tenantId, franchiseId,
    async drop() {
      await pool.query(`DROP SCHEMA IF EXISTS "${targetSchema}" CASCADE; DROP SCHEMA IF EXISTS "${controlSchema}" CASCADE`);
      await pool.end();
    },
  };
}

/** md5 over every row of every table (ordered by id), for "same final state" comparisons. */
export async function tableChecksums(pool: pg.Pool, schema: string, exclude: string[] = []): Promise<Record<string, string>> {
  const { rows } = await pool.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' AND table_name <> 'nexus_schema_migrations' ORDER BY 1`,
    [schema],
  );
  const out: Record<string, string> = {};
  for (const { table_name } of rows) {
    if (exclude.includes(table_name)) continue;
    const r = await pool.query<{ sum: string; n: string }>(
      `SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) AS sum, count(*) AS n FROM "${schema}"."${table_name}" t`,
    );
    out[table_name] = `${r.rows[0]!.n}:${r.rows[0]!.sum}`;
  }
  return out;
}
