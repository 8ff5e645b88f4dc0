/**
 * Issue 5: an incremental second run through the engine picks up exactly the changed and deleted
 * records: edits (including edits whose modifiedon ties with the previous run's high-water mark) and
 * deletions, both read through Dataverse change tracking (the delta link kept by the full run).
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runMigration } from '../../control-plane/engine/run.ts';
import { createEngineEnv, type EngineEnv } from '../../test/support/engine.ts';
import { RateLimiterRegistry } from '../sdk/index.ts';
import { startEmulator, type DynamicsEmulatorHandle } from './emulator/index.ts';
import { createConnector } from './index.ts';
import { expectIncrementalReport } from '../../test/support/incremental.ts';

const mappingYaml = readFileSync(new URL('./mapping.yaml', import.meta.url), 'utf8');

let env: EngineEnv | undefined;
let emu: DynamicsEmulatorHandle | undefined;
afterEach(async () => {
  await env?.drop();
  await emu?.close();
  env = undefined;
  emu = undefined;
});

describe('Dynamics incremental runs through the engine (change tracking: changes and deletions)', () => {
  it('given edits at and after the high-water modifiedon and two deleted activities, then the incremental run updates exactly those rows, deletes exactly those two and creates nothing', async () => {
    emu = await startEmulator({ records: 20, seed: 23 });
    env = await createEngineEnv([]);
    const e = env;
    const em = emu;
    const run = async (incremental: boolean) => {
      const source = createConnector({ credentials: em.credentials, baseUrl: em.url, tokenUrl: em.tokenUrl, pageSize: 50, rateLimiters: new RateLimiterRegistry() });
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
    const checkpoint = async (entity: string): Promise<{ cursor: string; ids: string[]; deltaLink?: string }> => {
      const { rows } = await e.pool.query(`SELECT checkpoint FROM "${e.controlSchema}".entity_progress WHERE run_id = $1 AND entity = $2`, [full.runId, entity]);
      return rows[0].checkpoint;
    };
    const accountCp = await checkpoint('account');
    const contactCp = await checkpoint('contact');
    const lastAccount = em.control.count('account') - 1;
    expect(accountCp.ids).toContain(em.control.idOf('account', lastAccount));
    expect(accountCp.deltaLink).toMatch(/\$deltatoken=/);
    const t = e.targetSchema;
    const activityRows = async (id: string): Promise<number> => (await e.pool.query(`SELECT 1 FROM "${t}".activities WHERE source_id = $1`, [id])).rowCount ?? 0;
    const deletedTask = em.control.idOf('task', 3);
    const deletedCall = em.control.idOf('phonecall', 2);
    expect(await activityRows(deletedTask)).toBe(1);
    expect(await activityRows(deletedCall)).toBe(1);

    // Ties: a record never at the boundary, and the boundary record itself edited again in the same second.
    const tieOther = em.control.modify('account', 4, { name: 'Tie Other Freight' }, accountCp.cursor);
    const tieBoundary = em.control.modify('account', lastAccount, { name: 'Tie Boundary Freight' }, accountCp.cursor);
    const later = em.control.modify('account', 9, { name: 'Later Edit Freight' }, Date.parse(accountCp.cursor) + 5_000);
    const contact = em.control.modify('contact', 6, { lastname: 'Tiedcontact' }, contactCp.cursor);
    expect(em.control.remove('task', 3)).toBe(deletedTask);
    expect(em.control.remove('phonecall', 2)).toBe(deletedCall);

    const inc = await run(true);
    // Only the changes since the previous pass were read (the delta link).
    expectIncrementalReport(inc, { updated: { account: 3, contact: 1 }, deleted: { task: 1, phonecall: 1 }, maxExtracted: 4 + 2 + 20 });
    expect(await activityRows(deletedTask)).toBe(0);
    expect(await activityRows(deletedCall)).toBe(0);

    const names = new Map((await e.pool.query(`SELECT source_id, name FROM "${t}".accounts`)).rows.map((r) => [r.source_id, r.name]));
    expect(names.get(tieOther)).toBe('Tie Other Freight');
    expect(names.get(tieBoundary)).toBe('Tie Boundary Freight');
    expect(names.get(later)).toBe('Later Edit Freight');
    expect(names.size).toBe(20);
    expect((await e.pool.query(`SELECT last_name FROM "${t}".contacts WHERE source_id = $1`, [contact])).rows[0].last_name).toBe('Tiedcontact');
  });
});
