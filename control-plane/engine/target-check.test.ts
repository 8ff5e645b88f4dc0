import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runMigration } from './run.ts';
import { MemorySource } from '../../test/support/memory-source.ts';
import { createEngineEnv, type EngineEnv } from '../../test/support/engine.ts';
import { crmData, testUsers } from './testdata/crm-data.ts';

const mappingYaml = readFileSync(new URL('./testdata/crm-mapping.yaml', import.meta.url), 'utf8');
let env: EngineEnv | undefined;
afterEach(async () => {
  await env?.drop();
  env = undefined;
});

const run = (e: EngineEnv, yaml = mappingYaml) => runMigration({
  pool: e.pool, source: new MemorySource('testcrm', crmData(10)), mappingYaml: yaml, vars: { FRANCHISE_ID: e.franchiseId },
  tenantId: e.tenantId, targetSchema: e.targetSchema, controlSchema: e.controlSchema, mode: 'run', batchSize: 5,
});

async function rowCount(e: EngineEnv): Promise<number> {
  const { rows } = await e.pool.query(`SELECT (SELECT count(*) FROM "${e.targetSchema}".accounts) + (SELECT count(*) FROM "${e.targetSchema}".contacts) AS n`);
  return Number(rows[0].n);
}

describe('the mapping is checked against the real target before anything loads', () => {
  it.each([
    ['a mapped column the production database lacks', 'ALTER TABLE accounts DROP COLUMN website', /column "website" does not exist in accounts/],
    ['a renamed column', 'ALTER TABLE contacts RENAME COLUMN last_name TO surname', /column "last_name" does not exist in contacts/],
    ['a new required column nobody maps', "ALTER TABLE opportunities ADD COLUMN region_code text NOT NULL", /required column opportunities\.region_code is not mapped/],
    ['a missing table', 'DROP TABLE activities', /target table "activities" does not exist/],
  ])('given %s, then the run stops up front with a clear message and loads nothing', async (_name, ddl, message) => {
    env = await createEngineEnv(testUsers);
    await env.pool.query(`SET search_path TO "${env.targetSchema}"; ${ddl}; RESET search_path`);
    await expect(run(env)).rejects.toThrow(message);
    expect(await rowCount(env)).toBe(0);
  });

  it('given extra optional columns in the production database, then the run loads and leaves them at their defaults', async () => {
    env = await createEngineEnv(testUsers);
    await env.pool.query(`ALTER TABLE "${env.targetSchema}".accounts ADD COLUMN credit_limit numeric, ADD COLUMN segment text DEFAULT 'smb'`);
    const report = await run(env);
    expect(report.totals.reconciles).toBe(true);
    const { rows } = await env.pool.query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE segment = 'smb' AND credit_limit IS NULL)::int AS d FROM "${env.targetSchema}".accounts`);
    expect(rows[0]).toEqual({ n: 10, d: 10 });
  });
});

describe('a systemic database failure during the load', () => {
  it('given the id map lost its key mid-life, then the run fails with the database error instead of quarantining every record', async () => {
    env = await createEngineEnv(testUsers);
    await run(env);
    await env.pool.query(`ALTER TABLE "${env.controlSchema}".id_map DROP CONSTRAINT id_map_pkey`);
    await expect(run(env)).rejects.toThrow(/ON CONFLICT/);
    const { rows } = await env.pool.query(`SELECT count(*)::int AS n FROM "${env.controlSchema}".quarantine`);
    expect(rows[0].n).toBe(0);
  });
});
