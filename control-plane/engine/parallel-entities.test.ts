/**
 * Entities of one dependency level load at once (RunOptions.parallelism): the final target is the
 * same as one entity at a time, references resolve, counts reconcile, and a re-run changes nothing.
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { runMigration } from './run.ts';
import { planLoadOrder } from './load-order.ts';
import { loadMapping } from './mapping/load.ts';
import { referenceEdges } from './mapping/compile.ts';
import { MemorySource } from '../../test/support/memory-source.ts';
import { createEngineEnv, tableChecksums, type EngineEnv } from '../../test/support/engine.ts';
import { TEST_DATABASE_URL } from '../../test/support/pg.ts';
import { crmData, testUsers } from './testdata/crm-data.ts';

const mappingYaml = readFileSync(new URL('./testdata/crm-mapping.yaml', import.meta.url), 'utf8');
const envs: EngineEnv[] = [];
const pools: pg.Pool[] = [];
afterEach(async () => {
  for (const p of pools.splice(0)) await p.end();
  for (const e of envs.splice(0)) await e.drop();
});

describe('parallel entities', () => {
  it('given the CRM mapping, then some dependency level holds more than one entity (so parallelism has work to share)', () => {
    const mapping = loadMapping(mappingYaml, { TENANT_ID: randomUUID(), FRANCHISE_ID: randomUUID() });
    const entities = Object.keys(mapping.entities).filter((e) => e !== mapping.owners?.entity);
    const plan = planLoadOrder(entities, referenceEdges(mapping));
    expect(plan.levels.some((l) => l.length > 1)).toBe(true);
  });

  it.each([2, 3])('given parallelism %i on a pool with room, then the target equals a one-at-a-time run and a re-run changes nothing', async (parallelism) => {
    const tenantId = randomUUID();
    const serial = await createEngineEnv(testUsers, tenantId);
    const parallel = await createEngineEnv(testUsers, tenantId);
    envs.push(serial, parallel);
    const big = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 10 });
    pools.push(big);
    const data = crmData(60);
    const base = { mappingYaml, vars: { FRANCHISE_ID: serial.franchiseId }, tenantId, mode: 'run' as const, batchSize: 7 };
    const a = await runMigration({ ...base, pool: serial.pool, source: new MemorySource('testcrm', data), targetSchema: serial.targetSchema, controlSchema: serial.controlSchema, parallelism: 1 });
    const b = await runMigration({ ...base, pool: big, source: new MemorySource('testcrm', data), targetSchema: parallel.targetSchema, controlSchema: parallel.controlSchema, parallelism });
    expect(b.status).toBe('completed');
    expect(b.totals.reconciles).toBe(true);
    expect(b.totals).toEqual(a.totals);
    expect(await tableChecksums(big, parallel.targetSchema, ['tenants', 'franchises', 'users'])).toEqual(await tableChecksums(serial.pool, serial.targetSchema, ['tenants', 'franchises', 'users']));
    const again = await runMigration({ ...base, pool: big, source: new MemorySource('testcrm', data), targetSchema: parallel.targetSchema, controlSchema: parallel.controlSchema, parallelism });
    expect(again.totals.created + again.totals.updated).toBe(0);
    expect(again.totals.unchanged).toBe(b.totals.created + b.totals.unchanged);
  });
});
