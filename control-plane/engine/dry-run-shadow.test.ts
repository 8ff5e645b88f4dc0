/**
 * The shadow dry run: it meets every constraint the run meets (foreign keys, unique, CHECK, NOT
 * NULL, lengths) on copies of the target, so its counts are exactly the next run's, while live
 * tables are untouched and none of their triggers fires.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runMigration, type RunOptions } from './run.ts';
import { shadowNames } from './shadow.ts';
import { MemorySource } from '../../test/support/memory-source.ts';
import { createEngineEnv, tableChecksums, type EngineEnv } from '../../test/support/engine.ts';
import { crmData, testUsers } from './testdata/crm-data.ts';
import type { RunReport } from '../report/types.ts';
import { CsvConnector } from '../../connectors/csv/index.ts';
import { DEMO_DIR, DEMO_MAPPING, seedDemoTenant } from '../../resources/demo/seed.ts';
import { randomUUID } from 'node:crypto';

const mappingYaml = readFileSync(new URL('./testdata/crm-mapping.yaml', import.meta.url), 'utf8');
let env: EngineEnv | undefined;
afterEach(async () => {
  await env?.drop();
  env = undefined;
});

function opts(e: EngineEnv, data: ReturnType<typeof crmData>, extra: Partial<RunOptions> = {}): RunOptions {
  return {
    pool: e.pool, source: new MemorySource('testcrm', data), mappingYaml, vars: { FRANCHISE_ID: e.franchiseId },
    tenantId: e.tenantId, targetSchema: e.targetSchema, controlSchema: e.controlSchema, mode: 'run', batchSize: 16, ...extra,
  };
}

const counts = (r: RunReport) => r.entities.map((e) => [e.entity, e.extracted, e.created, e.updated, e.unchanged, e.deleted, e.quarantined, e.skipped]);

async function quarantineRows(e: EngineEnv, runId: string): Promise<{ entity: string; source_id: string | null; field: string | null; reason: string }[]> {
  const { rows } = await e.pool.query(
    `SELECT entity, source_id, field, reason FROM "${e.controlSchema}".quarantine WHERE run_id = $1 ORDER BY entity, source_id, field, reason`, [runId],
  );
  return rows;
}

/** This dry run's shadow schemas still there (other tests' dry runs share the database). */
async function shadowSchemasLeft(e: EngineEnv, runId: string): Promise<number> {
  const { target, control } = shadowNames(runId);
  const { rows } = await e.pool.query(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname IN ($1, $2)`, [target, control]);
  return rows[0].n;
}

/** Constraints the engine itself does not model: only the database refuses these rows. */
async function addDatabaseOnlyConstraints(e: EngineEnv): Promise<void> {
  const t = `"${e.targetSchema}"`;
  await e.pool.query(`CREATE TABLE ${t}.websites (url text PRIMARY KEY)`);
  await e.pool.query(`INSERT INTO ${t}.websites SELECT 'https://a' || i || '.example' FROM generate_series(0, 39) i WHERE i % 5 <> 4`);
  // Foreign key: an account's website must be a known one (every fifth is not).
  await e.pool.query(`ALTER TABLE ${t}.accounts ADD CONSTRAINT accounts_website_fkey FOREIGN KEY (website) REFERENCES ${t}.websites (url) DEFERRABLE`);
  // Unique: one account per employee count and tenant (many collide).
  await e.pool.query(`CREATE UNIQUE INDEX accounts_employees_uq ON ${t}.accounts (tenant_id, employee_count)`);
  // CHECK no mapping knows about.
  await e.pool.query(`ALTER TABLE ${t}.contacts ADD CONSTRAINT contacts_no_x CHECK (first_name IS NULL OR first_name NOT LIKE '%3%')`);
}

describe('shadow dry run', () => {
  it('given foreign key, unique and CHECK violations only the database sees, then the dry run counts exactly what the run then does', async () => {
    env = await createEngineEnv(testUsers);
    await addDatabaseOnlyConstraints(env);
    const data = crmData(40);
    const before = await tableChecksums(env.pool, env.targetSchema, ['websites']);
    const dry = await runMigration(opts(env, data, { mode: 'dry-run' }));
    expect(await tableChecksums(env.pool, env.targetSchema, ['websites'])).toEqual(before);
    expect(await shadowSchemasLeft(env, dry.runId)).toBe(0);
    expect(dry.mode).toBe('dry-run');
    expect(dry.targetSchema).toBe(env.targetSchema);
    const acc = dry.entities.find((e) => e.entity === 'Account')!;
    // Only 7 distinct employee counts fit the unique index; the website FK refuses more.
    expect(acc.quarantined).toBeGreaterThan(30);
    expect(dry.quarantineSample.some((q) => /accounts_website_fkey|accounts_employees_uq/.test(q.reason))).toBe(true);
    const run = await runMigration(opts(env, data));
    expect(counts(run)).toEqual(counts(dry));
    expect(run.totals.quarantined).toBe(dry.totals.quarantined);
    // Record by record, the same refusals, naming the same source field and constraint.
    expect(await quarantineRows(env, run.runId)).toEqual(await quarantineRows(env, dry.runId));
    const byReason = (await quarantineRows(env, run.runId)).filter((q) => q.entity === 'Account');
    expect(byReason.some((q) => q.field === 'Website' && /accounts_website_fkey/.test(q.reason))).toBe(true);
    expect(byReason.some((q) => q.field === 'NumberOfEmployees' && /accounts_employees_uq/.test(q.reason))).toBe(true);
    expect(byReason.every((q) => q.field !== null)).toBe(true);
  });

  it('given a 10 MB account name the database refuses, then the record is quarantined naming the field, with a short readable reason, in the dry run and the run', async () => {
    env = await createEngineEnv(testUsers);
    const data = crmData(5);
    data.Account![2]!.fields.Name = 'N'.repeat(10 * 1024 * 1024);
    const dry = await runMigration(opts(env, data, { mode: 'dry-run' }));
    const run = await runMigration(opts(env, data));
    expect(counts(run)).toEqual(counts(dry));
    const q = (await quarantineRows(env, run.runId)).filter((r) => r.entity === 'Account');
    expect(q).toHaveLength(1);
    expect(q[0]!.field).toBe('Name');
    expect(q[0]!.reason).toMatch(/^rejected by the target database \(field Name\): new row for relation "accounts" violates check constraint "accounts_name_check"/);
    expect(q[0]!.reason.length).toBeLessThan(1100);
  });

  it('given a second dry run after changes to a loaded target, then its created/updated/unchanged counts are the second run’s', async () => {
    env = await createEngineEnv(testUsers);
    await runMigration(opts(env, crmData(30)));
    const changed = crmData(34);
    changed.Account![0]!.fields.Name = 'Renamed';
    changed.Contact![2]!.fields.LastName = 'Changed';
    const dry = await runMigration(opts(env, changed, { mode: 'dry-run' }));
    const acc = dry.entities.find((e) => e.entity === 'Account')!;
    expect([acc.created, acc.updated]).toEqual([4, expect.any(Number)]);
    expect(acc.updated).toBeGreaterThanOrEqual(1);
    const run = await runMigration(opts(env, changed));
    expect(counts(run)).toEqual(counts(dry));
  });

  it('given a side-effecting trigger on a live target table, then the dry run fires it never and the run does', async () => {
    env = await createEngineEnv(testUsers);
    const t = `"${env.targetSchema}"`;
    await env.pool.query(`CREATE TABLE ${t}.outbox (id bigserial PRIMARY KEY, account uuid)`);
    await env.pool.query(`CREATE FUNCTION ${t}.notify_account() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO ${t}.outbox (account) VALUES (NEW.id); RETURN NEW; END $$`);
    await env.pool.query(`CREATE TRIGGER accounts_outbox AFTER INSERT ON ${t}.accounts FOR EACH ROW EXECUTE FUNCTION ${t}.notify_account()`);
    const data = crmData(10);
    await runMigration(opts(env, data, { mode: 'dry-run' }));
    const n = async () => (await env!.pool.query(`SELECT count(*)::int AS n FROM ${t}.outbox`)).rows[0].n as number;
    expect(await n()).toBe(0);
    await runMigration(opts(env, data));
    expect(await n()).toBe(10);
  });

  it('given writers holding EXCLUSIVE locks on the live tables, then the dry run still completes: it only ever reads them', async () => {
    env = await createEngineEnv(testUsers);
    const locker = await env.pool.connect();
    try {
      await locker.query('BEGIN');
      // EXCLUSIVE blocks every lock but ACCESS SHARE (plain reads): any write, FK or trigger on a live table would wait here.
      for (const t of ['tenants', 'franchises', 'users', 'accounts', 'contacts', 'opportunities', 'activities']) {
        await locker.query(`LOCK TABLE "${env.targetSchema}".${t} IN EXCLUSIVE MODE`);
      }
      const dry = await Promise.race([
        runMigration(opts(env, crmData(10), { mode: 'dry-run' })),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the dry run waited for a lock on a live table')), 60_000)),
      ]);
      expect(dry.entities.find((e) => e.entity === 'Account')!.created).toBe(10);
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
    }
  });

  it('given the shipped demo data, then the dry run predicts the run exactly, entity by entity and record by record', async () => {
    env = await createEngineEnv();
    const seeded = await seedDemoTenant(env.pool, env.targetSchema, randomUUID());
    const demo = readFileSync(DEMO_MAPPING, 'utf8');
    const o = async (mode: 'run' | 'dry-run') => runMigration({
      pool: env!.pool, source: await new CsvConnector({ dir: DEMO_DIR }).open(), mappingYaml: demo, vars: seeded.vars,
      tenantId: seeded.tenantId, targetSchema: env!.targetSchema, controlSchema: env!.controlSchema, mode, batchSize: 500,
    });
    const dry = await o('dry-run');
    const run = await o('run');
    expect(run.totals.extracted).toBe(5596);
    expect(counts(run)).toEqual(counts(dry));
    expect(await quarantineRows(env, run.runId)).toEqual(await quarantineRows(env, dry.runId));
    // And a dry run of the same source after the run predicts the re-run: nothing created, nothing changed.
    const dry2 = await o('dry-run');
    const rerun = await o('run');
    expect(counts(rerun)).toEqual(counts(dry2));
    expect(rerun.totals.created).toBe(0);
  }, 300_000);
});
