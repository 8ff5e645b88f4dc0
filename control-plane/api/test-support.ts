/** Test wiring for the API: a migrated control schema, a server on it, tenants and keys per role. */
import { randomBytes, randomUUID } from 'node:crypto';
import { migrate } from '../db/migrate.ts';
import { createTestSchema, type TestSchema } from '../../test/support/pg.ts';
import { silentLogger } from '../../shared/log/logger.ts';
import { createApiKey, createTenant, createUser, tenantSlug } from './auth/store.ts';
import { ROLES, type Role } from './auth/roles.ts';
import { LocalKeyProvider } from './credentials/key-provider.ts';
import { buildServer, type ControlPlaneServer, type ServerOptions } from './server.ts';

export interface ApiFixture {
  schema: TestSchema;
  server: ControlPlaneServer;
  keys: LocalKeyProvider;
  close(): Promise<void>;
}

export async function startApi(overrides: Partial<ServerOptions> | ((s: TestSchema) => Partial<ServerOptions>) = {}): Promise<ApiFixture> {
  const schema = await createTestSchema('api');
  await migrate(schema.pool, 'control', schema.schema);
  const keys = new LocalKeyProvider(randomBytes(32));
  const server = await buildServer({
    pool: schema.pool, controlSchema: schema.schema, targetSchema: `${schema.schema}_target`, keys,
    logger: silentLogger, consoleDir: null, ...(typeof overrides === 'function' ? overrides(schema) : overrides),
  });
  return {
    schema, server, keys,
    async close() {
      await server.close();
      await schema.drop();
    },
  };
}

export interface TestTenant { id: string; slug: string; keys: Record<Role, string> }

/** A tenant with one API key per role (and, when `password` is given, one user per role). */
export async function seedTenant(f: ApiFixture, name: string, password?: string): Promise<TestTenant> {
  const db = { pool: f.schema.pool, schema: f.schema.schema };
  const id = await createTenant(db, name);
  const keys = {} as Record<Role, string>;
  for (const role of ROLES) {
    keys[role] = (await createApiKey(db, { tenantId: id, name: `${role} key`, role })).key;
    if (password) await createUser(db, { tenantId: id, email: `${role}@${name}.test`, password, role });
  }
  return { id, slug: await tenantSlug(db, id), keys };
}

/** A Logic Nexus target schema beside the control schema, with the tenant and a franchise seeded. */
export async function seedTarget(f: ApiFixture, tenantId: string): Promise<{ targetSchema: string; franchiseId: string; drop(): Promise<void> }> {
  const targetSchema = f.server.ctx.targetSchema;
  await migrate(f.schema.pool, 'target', targetSchema);
  const franchiseId = randomUUID();
  await f.schema.pool.query(`INSERT INTO "${targetSchema}".tenants (id, name, slug) VALUES ($1, 'Tenant', $2)`, [tenantId, `${targetSchema}-${tenantId}`]);
  await f.schema.pool.query(`INSERT INTO "${targetSchema}".franchises (id, tenant_id, name) VALUES ($1, $2, 'HQ')`, [franchiseId, tenantId]);
  return { targetSchema, franchiseId, drop: async () => void (await f.schema.pool.query(`DROP SCHEMA IF EXISTS "${targetSchema}" CASCADE`)) };
}

export const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });
