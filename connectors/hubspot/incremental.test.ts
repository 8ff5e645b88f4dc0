/**
 * Issue 5: an incremental second run through the engine picks up exactly the edited and archived
 * records, including edits whose updatedAt ties with the previous run's high-water mark.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runMigration } from '../../control-plane/engine/run.ts';
import { createEngineEnv, type EngineEnv } from '../../test/support/engine.ts';
import { RateLimiterRegistry } from '../sdk/index.ts';
import { startEmulator, type HubSpotEmulatorHandle } from './emulator/index.ts';
import { createConnector } from './index.ts';
import { expectIncrementalReport } from '../../test/support/incremental.ts';

const mappingYaml = readFileSync(new URL('./mapping.yaml', import.meta.url), 'utf8');
let env: EngineEnv | undefined;
let em: HubSpotEmulatorHandle | undefined;
afterEach(async () => {
  await env?.drop();
  await em?.close();
  env = undefined;
  em = undefined;
});

describe('HubSpot incremental runs through the engine', () => {
  it('given edits at and after the high-water updatedAt and archived records, then the incremental run updates and deletes exactly those rows', async () => {
    const records = 20;
    em = await startEmulator({ records, seed: 13 });
    const ds = em.dataset;
    const users = Array.from({ length: ds.ownerCount() }, (_, i) => ({ email: ds.owner(i).email, name: ds.owner(i).firstName }));
    env = await createEngineEnv(users);
    const e = env;
    const h = em;
    const run = async (incremental: boolean) => {
      const source = createConnector({ credentials: h.credentials, baseUrl: h.url, rateLimiters: new RateLimiterRegistry() });
      try {
        return await runMigration({
          pool: e.pool, source, mappingYaml, vars: { FRANCHISE_ID: e.franchiseId }, tenantId: e.tenantId,
          targetSchema: e.targetSchema, controlSchema: e.controlSchema, mode: 'run', batchSize: 40, incremental,
        });
      } finally {
        await source.close();
      }
    };
    const full = await run(false);
    expect(full.status).toBe('completed');
    const highWater = async (entity: string): Promise<number> => {
      const { rows } = await e.pool.query(`SELECT checkpoint FROM "${e.controlSchema}".entity_progress WHERE run_id = $1 AND entity = $2`, [full.runId, entity]);
      return Date.parse(String(rows[0].checkpoint.cursor));
    };
    const companyHw = await highWater('companies');
    const contactHw = await highWater('contacts');
    const lastCompany = ds.count('companies') - 1;
    expect(ds.updatedAt('companies', lastCompany)).toBe(companyHw);

    // Ties: a record never at the boundary, and the boundary record itself edited at the same instant.
    ds.edit('companies', 4, { name: 'Tie Other Freight' }, companyHw);
    ds.edit('companies', lastCompany, { name: 'Tie Boundary Freight' }, companyHw);
    ds.edit('companies', 9, { name: 'Later Edit Freight' }, companyHw + 5_000);
    ds.edit('contacts', 6, { lastname: 'Tiedcontact' }, contactHw);
    ds.archive('tasks', 2, Date.now());
    ds.archive('notes', 5, Date.now());
    const [tieOther, tieBoundary, later] = [4, lastCompany, 9].map((i) => ds.idOf('companies', i));
    const [archivedTask, archivedNote] = [ds.idOf('tasks', 2), ds.idOf('notes', 5)];
    const loaded = await e.pool.query(`SELECT source_id FROM "${e.targetSchema}".activities WHERE source_id = ANY($1)`, [[archivedTask, archivedNote]]);
    expect(loaded.rows).toHaveLength(2);

    const inc = await run(true);
    // Only the window since the previous high-water mark (minus the 60 s lookback) was read.
    expectIncrementalReport(inc, { updated: { companies: 3, contacts: 1 }, deleted: { tasks: 1, notes: 1 }, maxExtracted: 4 + 2 + 20 });

    const t = e.targetSchema;
    const names = new Map((await e.pool.query(`SELECT source_id, name FROM "${t}".accounts`)).rows.map((r) => [r.source_id, r.name]));
    expect(names.get(tieOther)).toBe('Tie Other Freight');
    expect(names.get(tieBoundary)).toBe('Tie Boundary Freight');
    expect(names.get(later)).toBe('Later Edit Freight');
    const contact = await e.pool.query(`SELECT last_name FROM "${t}".contacts WHERE source_id = $1`, [ds.idOf('contacts', 6)]);
    expect(contact.rows[0].last_name).toBe('Tiedcontact');
    const gone = await e.pool.query(`SELECT source_id FROM "${t}".activities WHERE source_id = ANY($1)`, [[archivedTask, archivedNote]]);
    expect(gone.rows).toEqual([]);
  });
});
