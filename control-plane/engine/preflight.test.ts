/**
 * Preflight (issue 10 point 2): a run whose tenant or franchise is missing from the target, whose
 * target refuses writes, or whose mapping names source fields that do not exist stops before a
 * single record loads, with a message saying what to do. --create-tenant creates them, recorded.
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { runMigration, type RunOptions } from './run.ts';
import { PreflightError } from './preflight.ts';
import { MemorySource } from '../../test/support/memory-source.ts';
import { createEngineEnv, tableChecksums, type EngineEnv } from '../../test/support/engine.ts';
import { crmData, testUsers } from './testdata/crm-data.ts';
import { bootstrapAdmin } from '../api/bootstrap.ts';

const mappingYaml = readFileSync(new URL('./testdata/crm-mapping.yaml', import.meta.url), 'utf8');
let env: EngineEnv | undefined;
afterEach(async () => {
  await env?.drop();
  env = undefined;
});

function opts(e: EngineEnv, extra: Partial<RunOptions> = {}): RunOptions {
  return {
    pool: e.pool, source: new MemorySource('testcrm', crmData(12)), mappingYaml, vars: { FRANCHISE_ID: e.franchiseId },
    tenantId: e.tenantId, targetSchema: e.targetSchema, controlSchema: e.controlSchema, mode: 'run', batchSize: 16, ...extra,
  };
}

async function runCount(e: EngineEnv): Promise<number> {
  return (await e.pool.query(`SELECT count(*)::int AS n FROM "${e.controlSchema}".runs`)).rows[0].n;
}

const counts = (r: Awaited<ReturnType<typeof runMigration>>) => r.entities.map((e) => [e.entity, e.extracted, e.created, e.updated, e.unchanged, e.quarantined, e.skipped]);

describe('preflight', () => {
  it.each(['run', 'dry-run'] as const)('given a %s for a tenant the target does not hold, then it stops before loading and says how to create it', async (mode) => {
    env = await createEngineEnv(testUsers);
    const before = await tableChecksums(env.pool, env.targetSchema);
    const tenant = randomUUID();
    const err = await runMigration(opts(env, { mode, tenantId: tenant })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PreflightError);
    expect((err as Error).message).toContain(`tenant ${tenant} does not exist in ${env.targetSchema}.tenants`);
    expect((err as Error).message).toContain('--create-tenant');
    // The franchise is the test env's, which belongs to another tenant: named too.
    expect((err as Error).message).toContain(`belongs to tenant ${env.tenantId}`);
    expect(await tableChecksums(env.pool, env.targetSchema)).toEqual(before);
    expect(await runCount(env)).toBe(0);
  });

  it('given a franchise the target does not hold, then the run stops naming it', async () => {
    env = await createEngineEnv(testUsers);
    const franchise = randomUUID();
    await expect(runMigration(opts(env, { vars: { FRANCHISE_ID: franchise } }))).rejects.toThrow(`franchise ${franchise} does not exist in ${env.targetSchema}.franchises`);
  });

  it('given --create-tenant with a new tenant and franchise, then the dry run creates them only in its shadow, predicts the run, and both reports record it', async () => {
    env = await createEngineEnv(testUsers);
    const tenant = randomUUID();
    const franchise = randomUUID();
    const o = { tenantId: tenant, vars: { FRANCHISE_ID: franchise }, createTenant: true };
    const dry = await runMigration(opts(env, { ...o, mode: 'dry-run' }));
    const t = env.targetSchema;
    expect((await env.pool.query(`SELECT 1 FROM "${t}".tenants WHERE id = $1`, [tenant])).rowCount).toBe(0);
    expect(dry.preflight).toEqual({ tenantCreated: true, franchiseCreated: true, tenantId: tenant, franchiseId: franchise });
    expect(dry.warnings.other).toContain(`preflight: the run will create tenant ${tenant} in ${t}.tenants (--create-tenant)`);
    const acc = dry.entities.find((e) => e.entity === 'Account')!;
    expect([acc.created, acc.quarantined]).toEqual([12, 0]);
    const run = await runMigration(opts(env, o));
    expect(counts(run)).toEqual(counts(dry));
    expect(run.preflight).toMatchObject({ tenantCreated: true, franchiseCreated: true });
    expect(run.warnings.other).toContain(`preflight: created franchise ${franchise} in ${t}.franchises (--create-tenant)`);
    expect((await env.pool.query(`SELECT tenant_id FROM "${t}".franchises WHERE id = $1`, [franchise])).rows).toEqual([{ tenant_id: tenant }]);
    // Once they exist, a later run has nothing to create and records nothing.
    const again = await runMigration(opts(env, o));
    expect(again.preflight).toEqual({ tenantCreated: false, franchiseCreated: false, tenantId: tenant, franchiseId: franchise });
  });

  it('given a mapping from: naming a field the source lacks, then the run is refused naming the entity and field', async () => {
    env = await createEngineEnv(testUsers);
    const yaml = mappingYaml.replace('website: Website', 'website: Websyte');
    expect(yaml).not.toBe(mappingYaml);
    const err = await runMigration(opts(env, { mappingYaml: yaml })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PreflightError);
    expect((err as Error).message).toMatch(/mapping Account\.website: from "Websyte" is not a field of the source's Account/);
    expect(await runCount(env)).toBe(0);
  });

  it('given a target the database user may not write, then the run is refused naming the table', async () => {
    env = await createEngineEnv(testUsers);
    const role = `nm_ro_${randomUUID().slice(0, 8)}`;
    const t = env.targetSchema;
    await env.pool.query(`CREATE ROLE ${role}`);
    try {
      await env.pool.query(`GRANT USAGE ON SCHEMA "${t}", "${env.controlSchema}" TO ${role}`);
      await env.pool.query(`GRANT SELECT ON ALL TABLES IN SCHEMA "${t}" TO ${role}`);
      await env.pool.query(`GRANT INSERT, UPDATE ON "${t}".accounts TO ${role}`);
      const client = await env.pool.connect();
      const e = env;
      // One connection with the restricted role, as a pool of one.
      const pool = { query: (sql: string, params?: unknown[]) => client.query(sql, params), connect: async () => client } as unknown as typeof e.pool;
      await client.query(`SET ROLE ${role}`);
      try {
        await expect(runMigration({ ...opts(e), pool })).rejects.toThrow(new RegExp(`may not write ${t}\\.activities, ${t}\\.contacts, ${t}\\.opportunities \\(grant INSERT and UPDATE\\)`));
      } finally {
        await client.query('RESET ROLE');
        client.release();
      }
    } finally {
      await env.pool.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`);
    }
  });

  it('given serve --bootstrap-admin, then its tenant exists in the target and the console’s first run (tenant-default franchise) loads', async () => {
    env = await createEngineEnv(testUsers);
    const boot = await bootstrapAdmin({ pool: env.pool, schema: env.controlSchema }, 'admin@first.test', 'First Co', { targetSchema: env.targetSchema });
    expect(boot).not.toBeNull();
    const tenantId = boot!.tenantId;
    // The API runner's variables for a migration without a franchiseId (control-plane/api/runner.ts).
    const vars = { TENANT_ID: tenantId, FRANCHISE_ID: tenantId };
    const dry = await runMigration(opts(env, { tenantId, vars, mode: 'dry-run' }));
    const run = await runMigration(opts(env, { tenantId, vars }));
    expect(counts(run)).toEqual(counts(dry));
    const acc = run.entities.find((e) => e.entity === 'Account')!;
    expect([acc.created, acc.quarantined]).toEqual([12, 0]);
    expect(run.preflight).toMatchObject({ tenantCreated: false, franchiseCreated: false });
  });
});
