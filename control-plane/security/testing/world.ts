/**
 * Two tenants with one of everything (migration with stored secrets, run, webhook, agent, mapping
 * template, API keys per role), seeded through the API where the API can make it and by SQL where only
 * a process would (a run, an enrolled agent). `call` is the API: in-process inject or fetch to `serve`.
 * Every tenant's secrets are known strings, so tests can grep responses, logs and dumps for them.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { generateIdentityKeyPair, type EncodedKeyPair } from '../../../shared/crypto/index.ts';
import { createApiKey, createTenant, createUser } from '../../api/auth/store.ts';
import { ROLES, type Role } from '../../api/auth/roles.ts';

export interface Reply { status: number; body: string; json: any }
export type Call = (method: string, url: string, key: string | null, body?: unknown, headers?: Record<string, string>) => Promise<Reply>;

export interface SeededTenant {
  name: string;
  id: string;
  keys: Record<Role, string>;
  password: string;
  /** Strings that must never come back: stored credentials, keys, the password, the agent's private key. */
  secrets: string[];
  /** The webhook's signing secret: shown once, in the response that created it. */
  signingSecret: string;
  ids: { migration: string; run: string; webhook: string; agent: string; template: string; apiKey: string };
  agentKey: EncodedKeyPair;
}

/** The vendor endpoint the tenants' admins allowed (a counting sink stands behind it). */
export interface WorldOptions { pool: pg.Pool; schema: string; call: Call; vendorOrigin: string }

async function expectStatus(r: Promise<Reply>, status: number, what: string): Promise<Reply> {
  const res = await r;
  if (res.status !== status) throw new Error(`seeding ${what}: expected ${status}, got ${res.status} ${res.body.slice(0, 500)}`);
  return res;
}

export async function seedTenantWorld(o: WorldOptions, name: string): Promise<SeededTenant> {
  const db = { pool: o.pool, schema: o.schema };
  const id = await createTenant(db, name);
  const keys = {} as Record<Role, string>;
  const password = `pw-${name}-${randomUUID()}`;
  for (const role of ROLES) {
    keys[role] = (await createApiKey(db, { tenantId: id, name: `${role} key`, role })).key;
    await createUser(db, { tenantId: id, email: `${role}@${name}.test`, password, role });
  }
  const token = `tok-SECRET-${name}-${randomUUID()}`;
  const clientSecret = `cs-SECRET-${name}-${randomUUID()}`;
  await expectStatus(o.call('POST', '/api/v1/endpoint-overrides', keys.admin, { vendor: 'hubspot', url: o.vendorOrigin }), 201, 'override');
  const mig = await expectStatus(o.call('POST', '/api/v1/migrations', keys.engineer, {
    name: `${name} CRM`, sourceSystem: 'hubspot', credentials: { accessToken: token, clientSecret }, config: { baseUrl: `${o.vendorOrigin}/hub`, batchSize: 10 },
  }), 201, 'migration');
  const migration = mig.json.id as string;
  const hook = await expectStatus(o.call('POST', '/api/v1/webhooks', keys.engineer, { url: `https://hooks.${name}.example/notify`, events: ['migration.failed'] }), 201, 'webhook');
  const template = (await expectStatus(o.call('POST', '/api/v1/mapping-templates', keys.engineer, { from: 'builtin:hubspot', name: `${name} template` }), 201, 'template')).json.id as string;
  const apiKey = (await expectStatus(o.call('GET', '/api/v1/api-keys', keys.admin), 200, 'keys')).json.items[0].id as string;
  const run = randomUUID();
  await o.pool.query(
    `INSERT INTO "${o.schema}".runs (id, migration_id, tenant_id, run_key, mode, status, source_system, target_schema, mapping_hash, finished_at)
     VALUES ($1, $2, $3, $4, 'dry-run', 'completed', 'hubspot', 'logic_nexus', 'h', now())`, [run, migration, id, `key-${run}`]);
  const agentKey = generateIdentityKeyPair();
  const agent = randomUUID();
  await o.pool.query(`INSERT INTO "${o.schema}".agents (id, tenant_id, name, public_key) VALUES ($1, $2, $3, $4)`, [agent, id, `${name}-agent`, agentKey.publicKey]);
  return {
    name, id, keys, password, agentKey, signingSecret: hook.json.signingSecret as string,
    secrets: [token, clientSecret, password, agentKey.privateKey, ...Object.values(keys)],
    ids: { migration, run, webhook: hook.json.id as string, agent, template, apiKey },
  };
}

/** Tables with a tenant_id column, and a digest of one tenant's rows in each (superuser view, RLS bypassed). */
export async function tenantDigest(pool: pg.Pool, schema: string, tenantId: string): Promise<Record<string, string>> {
  const { rows: tables } = await pool.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.columns WHERE table_schema = $1 AND column_name = 'tenant_id' ORDER BY table_name`, [schema]);
  const out: Record<string, string> = {};
  for (const { table_name: t } of tables) {
    const { rows } = await pool.query<{ d: string | null; n: number }>(
      `SELECT md5(string_agg(x::text, '|' ORDER BY x::text)) AS d, count(*)::int AS n FROM "${schema}"."${t}" x WHERE tenant_id::text = $1`, [tenantId]);
    out[t] = `${rows[0]!.n}:${rows[0]!.d ?? ''}`;
  }
  return out;
}
