/**
 * Issue 5: an incremental second run through the engine picks up exactly the edited and deleted
 * records, including edits whose SystemModstamp ties with the previous run's high-water mark.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runMigration } from '../../control-plane/engine/run.ts';
import { createEngineEnv, type EngineEnv } from '../../test/support/engine.ts';
import { startEmulator, type SalesforceEmulatorHandle } from './emulator/index.ts';
import { createConnector } from './index.ts';
import { expectIncrementalReport } from '../../test/support/incremental.ts';

const mappingYaml = readFileSync(new URL('./mapping.yaml', import.meta.url), 'utf8');

let env: EngineEnv | undefined;
let em: SalesforceEmulatorHandle | undefined;
afterEach(async () => {
  await env?.drop();
  await em?.close();
  env = undefined;
  em = undefined;
});

const connector = (e: SalesforceEmulatorHandle) =>
  createConnector({ credentials: e.credentials, baseUrl: e.url, tokenUrl: e.tokenUrl, tuning: { pollIntervalMs: 10 } });

describe('Salesforce incremental runs through the engine', () => {
  it('given edits at and after the high-water SystemModstamp and deletions, then the incremental run updates and deletes exactly those rows', async () => {
    em = await startEmulator({ records: 20, seed: 11 });
    env = await createEngineEnv([]);
    const e = env;
    const run = async (incremental: boolean) => {
      const source = connector(em!);
      try {
        return await runMigration({
          pool: e.pool, source, mappingYaml, vars: { FRANCHISE_ID: e.franchiseId }, tenantId: e.tenantId,
          targetSchema: e.targetSchema, controlSchema: e.controlSchema, mode: 'run', batchSize: 25, incremental,
        });
      } finally {
        await source.close();
      }
    };
    const full = await run(false);
    expect(full.status).toBe('completed');
    const highWater = async (entity: string): Promise<string> => {
      const { rows } = await e.pool.query(`SELECT checkpoint FROM "${e.controlSchema}".entity_progress WHERE run_id = $1 AND entity = $2`, [full.runId, entity]);
      return String(rows[0].checkpoint.cursor);
    };
    const accountHw = await highWater('Account');
    const contactHw = await highWater('Contact');
    const last = em.control.count('Account') - 1;

    // Ties: a record never at the boundary, and the boundary record itself edited again in the same second.
    const tieOther = em.control.modify('Account', 4, { Name: 'Tie Other Freight' }, accountHw);
    const tieBoundary = em.control.modify('Account', last, { Name: 'Tie Boundary Freight' }, accountHw);
    const later = em.control.modify('Account', 9, { Name: 'Later Edit Freight' }, Date.parse(accountHw) + 5_000);
    const contactTie = em.control.modify('Contact', 6, { LastName: 'Tiedcontact' }, contactHw);
    const deletedTask = em.control.remove('Task', 2);
    // (Lead 3 of this seed was quarantined by the full run; a deletion of a row never loaded is 'unchanged'.)
    const deletedLead = em.control.remove('Lead', 1);
    const present = await e.pool.query(`SELECT 1 FROM "${e.targetSchema}".activities WHERE source_id = $1 UNION ALL SELECT 1 FROM "${e.targetSchema}".leads WHERE source_id = $2`, [deletedTask, deletedLead]);
    expect(present.rows).toHaveLength(2);

    const inc = await run(true);
    // Only the window since the previous high-water mark was read.
    expectIncrementalReport(inc, { updated: { Account: 3, Contact: 1 }, deleted: { Task: 1, Lead: 1 }, maxExtracted: 4 + 2 + 20 });

    const t = e.targetSchema;
    const names = new Map((await e.pool.query(`SELECT source_id, name FROM "${t}".accounts`)).rows.map((r) => [r.source_id, r.name]));
    expect(names.get(tieOther)).toBe('Tie Other Freight');
    expect(names.get(tieBoundary)).toBe('Tie Boundary Freight');
    expect(names.get(later)).toBe('Later Edit Freight');
    expect(names.size).toBe(20);
    expect((await e.pool.query(`SELECT last_name FROM "${t}".contacts WHERE source_id = $1`, [contactTie])).rows[0].last_name).toBe('Tiedcontact');
    const gone = await e.pool.query(`SELECT source_id FROM "${t}".activities WHERE source_id = $1 UNION ALL SELECT source_id FROM "${t}".leads WHERE source_id = $2`, [deletedTask, deletedLead]);
    expect(gone.rows).toEqual([]);
  });
});
