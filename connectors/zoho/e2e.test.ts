/**
 * Zoho CRM end to end through the real CLI: `nexus-migrate run --source zoho` against the emulator into
 * Postgres reconciles (owners by email, one unmatched; lookups resolved to Logic Nexus ids; custom fields
 * in metadata); then `--incremental` picks up exactly the edits after and tied with the high-water mark
 * and the deletions from `/deleted`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runMigrateCli } from '../../test/support/cli-run.ts';
import { createEngineEnv, type EngineEnv } from '../../test/support/engine.ts';
import { idFor } from './emulator/dataset.ts';
import { startEmulator, type ZohoEmulatorHandle } from './emulator/index.ts';

let env: EngineEnv | undefined;
let em: ZohoEmulatorHandle | undefined;
let work: string | undefined;
afterEach(async () => {
  await env?.drop();
  await em?.close();
  if (work) rmSync(work, { recursive: true, force: true });
  env = em = work = undefined;
});

describe('Zoho emulator → nexus-migrate run → Logic Nexus', () => {
  it('given a full run then edits, ties and deletes, then the full run reconciles and the incremental run applies exactly those changes', async () => {
    em = await startEmulator({ records: 12, seed: 5, rateLimits: true });
    const ds = em.dataset;
    const users = em.control!.users!();
    // Every Zoho user but the last exists in Logic Nexus (emails in another case), so one owner goes unmatched.
    env = await createEngineEnv(users.slice(0, -1).map((u) => ({ ...u, email: u.email.toUpperCase() })));
    work = mkdtempSync(path.join(tmpdir(), 'zoho-e2e-'));
    const creds = path.join(work, 'creds.json');
    writeFileSync(creds, JSON.stringify(em.credentials));
    const e = env;
    const args = ['--source', 'zoho', '--credentials-file', creds, '--base-url', em.url, '--token-url', em.tokenUrl, '--tenant', e.tenantId, '--franchise', e.franchiseId, '--batch-size', '7'];
    const run = (extra: string[] = []) => runMigrateCli({ targetSchema: e.targetSchema, controlSchema: e.controlSchema, work: work! }, [...args, ...extra]);

    const full = await run();
    expect(full.code, full.out).toBe(0);
    expect(full.out).not.toContain(em.credentials['clientSecret']!);
    const r1 = full.report;
    expect([r1.status, r1.totals.reconciles]).toEqual(['completed', true]);
    expect(Object.fromEntries(r1.entities.map((x) => [x.entity, x.created]))).toMatchObject({ Accounts: 12, Contacts: 24, Leads: 6, Deals: 12, Tasks: 12 });
    expect(JSON.stringify(r1.warnings.unmatchedOwners)).toContain(idFor('users', users.length - 1));

    const t = e.targetSchema;
    const q = async (sql: string, p: unknown[] = []) => (await e.pool.query(sql, p)).rows;
    const acc = await q(`SELECT a.source_id, a.metadata, u.email FROM "${t}".accounts a LEFT JOIN "${t}".users u ON u.id = a.owner_id ORDER BY a.source_id`);
    for (const a of acc) {
      const src = ds.record('Accounts', Number(a.source_id.slice(-7)))!;
      const owner = src['Owner'] as { email: string };
      expect(a.email?.toLowerCase() ?? null).toBe(owner.email === users[users.length - 1]!.email ? null : owner.email);
      expect(a.metadata.source['Customer_Tier']).toBe(src['Customer_Tier']);
    }
    const contacts = await q(`SELECT c.source_id, a.source_id AS acct FROM "${t}".contacts c JOIN "${t}".accounts a ON a.id = c.account_id`);
    expect(contacts).toHaveLength(24);
    for (const c of contacts) expect(c.acct).toBe((ds.record('Contacts', Number(c.source_id.slice(-7)))!['Account_Name'] as { id: string }).id);
    const tasks = await q(`SELECT t.source_id, a.source_id AS acct, o.source_id AS deal FROM "${t}".activities t LEFT JOIN "${t}".accounts a ON a.id = t.account_id LEFT JOIN "${t}".opportunities o ON o.id = t.opportunity_id`);
    for (const x of tasks) {
      const src = ds.record('Tasks', Number(x.source_id.slice(-7)))!;
      expect(src['$se_module'] === 'Deals' ? x.deal : x.acct).toBe((src['What_Id'] as { id: string }).id);
    }

    // Changes: two accounts tied at the high-water Modified_Time (one of them the boundary record), a later edit, deletes.
    const table = ds.tables.Accounts;
    const hw = table.updatedAt(11);
    em.control!.modify('Accounts', 3, { Account_Name: 'Tie Other Freight' }, hw);
    em.control!.modify('Accounts', 11, { Account_Name: 'Tie Boundary Freight' }, hw);
    em.control!.modify('Accounts', 5, { Account_Name: 'Later Edit Freight' }, hw + 5000);
    const deletedTask = em.control!.remove('Tasks', 2);
    const deletedLead = em.control!.remove('Leads', 1);

    const inc = await run(['--incremental']);
    expect(inc.code, inc.out).toBe(0);
    const r2 = inc.report;
    expect(r2.totals.reconciles).toBe(true);
    const of = (entity: string) => r2.entities.find((x) => x.entity === entity)!;
    expect([of('Accounts').updated, of('Tasks').deleted, of('Leads').deleted]).toEqual([3, 1, 1]);
    expect([r2.totals.created, r2.totals.updated, r2.totals.deleted, r2.totals.quarantined]).toEqual([0, 3, 2, 0]);
    const names = new Map((await q(`SELECT source_id, name FROM "${t}".accounts`)).map((r) => [r.source_id, r.name]));
    expect([3, 11, 5].map((i) => names.get(idFor('Accounts', i)))).toEqual(['Tie Other Freight', 'Tie Boundary Freight', 'Later Edit Freight']);
    expect(await q(`SELECT source_id FROM "${t}".activities WHERE source_id = $1 UNION ALL SELECT source_id FROM "${t}".leads WHERE source_id = $2`, [deletedTask, deletedLead])).toEqual([]);
  }, 120_000);
});
