import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runMigration } from '../../control-plane/engine/run.ts';
import { createEngineEnv, type EngineEnv } from '../../test/support/engine.ts';
import { RateLimiterRegistry } from '../sdk/index.ts';
import { Dataset } from './emulator/dataset.ts';
import { startEmulator, type HubSpotEmulatorHandle } from './emulator/index.ts';
import { createConnector } from './index.ts';

const mappingYaml = readFileSync(new URL('./mapping.yaml', import.meta.url), 'utf8');
let env: EngineEnv | undefined;
let em: HubSpotEmulatorHandle | undefined;
afterEach(async () => {
  await env?.drop();
  await em?.close();
  env = undefined;
  em = undefined;
});

describe('HubSpot emulator → connector → engine → Logic Nexus', () => {
  it('given 25 companies, then accounts, contacts, opportunities and activities load with their references and custom properties', async () => {
    const seed = 21;
    const ds = new Dataset(25, seed);
    const users = Array.from({ length: ds.ownerCount() }, (_, i) => ({ email: ds.owner(i).email, name: ds.owner(i).firstName }));
    env = await createEngineEnv(users);
    em = await startEmulator({ records: 25, seed });
    const source = createConnector({ credentials: em.credentials, baseUrl: em.url, rateLimiters: new RateLimiterRegistry() });
    const report = await runMigration({
      pool: env.pool, source, mappingYaml, vars: { FRANCHISE_ID: env.franchiseId }, tenantId: env.tenantId,
      targetSchema: env.targetSchema, controlSchema: env.controlSchema, mode: 'run', batchSize: 40,
    });
    expect(report.status).toBe('completed');
    for (const e of report.entities) expect(e.reconciles, e.entity).toBe(true);
    const t = env.targetSchema;
    const q = async (sql: string) => (await env!.pool.query(sql)).rows;
    const accounts = await q(`SELECT source_id, metadata, owner_id FROM "${t}".accounts`);
    const quarantinedCompanies = report.entities.find((e) => e.entity === 'companies')!.quarantined;
    expect(accounts.length + quarantinedCompanies).toBe(25);
    expect(JSON.stringify(accounts[0]!.metadata)).toContain('nexus_tier');
    expect(accounts.filter((a) => a.owner_id !== null).length).toBeGreaterThan(0);
    // Each contact points at company floor(i/3), by source id.
    const contacts = await q(`SELECT c.source_id, a.source_id AS acc FROM "${t}".contacts c JOIN "${t}".accounts a ON a.id = c.account_id`);
    expect(contacts.length).toBeGreaterThan(50);
    for (const c of contacts) expect(Number(c.acc) - 20_000_000_000).toBe(Math.floor((Number(c.source_id) - 30_000_000_000) / 3));
    const stages = await q(`SELECT DISTINCT stage FROM "${t}".opportunities`);
    expect(stages.length).toBeGreaterThan(1);
    const kinds = await q(`SELECT activity_type, count(*)::int AS n FROM "${t}".activities GROUP BY 1 ORDER BY 1`);
    expect(kinds).toEqual([{ activity_type: 'call', n: 25 }, { activity_type: 'meeting', n: 25 }, { activity_type: 'note', n: 25 }, { activity_type: 'task', n: 25 }]);
  });
});
