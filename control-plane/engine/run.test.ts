import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runMigration, type RunOptions } from './run.ts';
import { rollbackRun } from './rollback.ts';
import { MemorySource } from '../../test/support/memory-source.ts';
import { createEngineEnv, tableChecksums, type EngineEnv } from '../../test/support/engine.ts';
import { crmData, testUsers, accId, conId } from './testdata/crm-data.ts';

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

describe('runMigration', () => {
  it('given a CRM dataset with self-references and polymorphic refs, then every reference points at the row the source named', async () => {
    env = await createEngineEnv(testUsers);
    const data = crmData(50);
    const report = await runMigration(opts(env, data));
    expect(report.status).toBe('completed');
    expect(report.totals.reconciles).toBe(true);
    const t = env.targetSchema;
    const q = async (sql: string) => (await env!.pool.query(sql)).rows;
    // Contact → Account by source ids.
    const contacts = await q(`SELECT c.source_id, a.source_id AS acc FROM "${t}".contacts c LEFT JOIN "${t}".accounts a ON a.id = c.account_id`);
    expect(contacts).toHaveLength(100);
    const srcContacts = new Map(data.Contact!.map((r) => [r.sourceId, r.fields]));
    for (const c of contacts) expect(c.acc).toBe(srcContacts.get(c.source_id)!.AccountId);
    // Self-reference Account.ParentId, across batches and with children before parents.
    const accounts = await q(`SELECT a.source_id, p.source_id AS parent FROM "${t}".accounts a LEFT JOIN "${t}".accounts p ON p.id = a.parent_account_id`);
    const srcAcc = new Map(data.Account!.map((r) => [r.sourceId, r.fields]));
    for (const a of accounts) expect(a.parent).toBe(srcAcc.get(a.source_id)!.ParentId ?? null);
    expect(accounts.filter((a) => a.parent !== null).length).toBeGreaterThan(10);
    // Contact.ReportsToId (self-reference).
    const reports = await q(`SELECT c.source_id, r.source_id AS boss FROM "${t}".contacts c JOIN "${t}".contacts r ON r.id = c.reports_to_id`);
    for (const r of reports) expect(r.boss).toBe(srcContacts.get(r.source_id)!.ReportsToId);
    expect(reports.length).toBe(24);
    // Polymorphic WhatId: accounts for odd tasks, opportunities for even.
    const tasks = await q(`SELECT t.source_id, a.source_id AS acc, o.source_id AS opp, c.source_id AS con FROM "${t}".activities t
      LEFT JOIN "${t}".accounts a ON a.id = t.account_id LEFT JOIN "${t}".opportunities o ON o.id = t.opportunity_id LEFT JOIN "${t}".contacts c ON c.id = t.contact_id`);
    const srcTasks = new Map(data.Task!.map((r) => [r.sourceId, r.fields]));
    for (const tk of tasks) {
      const f = srcTasks.get(tk.source_id)!;
      expect(tk.con).toBe(f.WhoId);
      expect(tk.acc ?? tk.opp).toBe(f.WhatId);
    }
  });

  it('given owners, picklists and custom fields, then owners map by email and the misses are reported, not hidden', async () => {
    env = await createEngineEnv(testUsers);
    const report = await runMigration(opts(env, crmData(12)));
    const t = env.targetSchema;
    const { rows } = await env.pool.query(`SELECT a.source_id, u.email, a.account_type, a.metadata FROM "${t}".accounts a JOIN "${t}".users u ON u.id = a.owner_id ORDER BY a.source_id`);
    expect(rows[0].email).toBe('ann@acme.test'); // U1, matched case-insensitively
    expect(rows[1].email).toBe('bob@acme.test'); // U2
    expect(rows[2].email).toBe('admin@acme.test'); // U3 has no Logic Nexus user: fallback owner
    expect(rows[3].account_type).toBe('other'); // "Reseller" is not in the picklist map
    expect(rows[0].metadata.source.Region__c).toBe('R0');
    expect(rows[0].metadata.source.attributes).toBeUndefined();
    const owners = report.warnings.unmatchedOwners.map((o) => o.sourceUserId).sort();
    expect(owners).toEqual(['U3', 'U9']);
    expect(report.warnings.unmappedPicklistValues).toEqual([{ entity: 'Account', field: 'Type', value: 'Reseller', count: 3, policy: 'default' }]);
    expect(report.warnings.unmappedFields.find((w) => w.entity === 'Account')?.fields).toContain('Region__c');
    expect(report.warnings.other).toEqual([]);
    const users = report.entities.find((e) => e.entity === 'User')!;
    expect([users.extracted, users.unchanged, users.skipped]).toEqual([3, 2, 1]);
  });

  it('given a completed run, then an identical second run changes nothing and creates no duplicates', async () => {
    env = await createEngineEnv(testUsers);
    const data = crmData(40);
    await runMigration(opts(env, data));
    const before = await tableChecksums(env.pool, env.targetSchema);
    const second = await runMigration(opts(env, data));
    expect(await tableChecksums(env.pool, env.targetSchema)).toEqual(before);
    const loaded = second.entities.filter((e) => e.entity !== 'User');
    for (const e of loaded) expect([e.entity, e.created, e.updated, e.unchanged]).toEqual([e.entity, 0, 0, e.extracted]);
  });

  it('given a dry run, then no target table changes and the report says what would happen', async () => {
    env = await createEngineEnv(testUsers);
    const before = await tableChecksums(env.pool, env.targetSchema);
    const data = crmData(30);
    data.Opportunity!.push({ sourceId: '006orphan', fields: { Name: 'Orphan', AccountId: accId(999), StageName: 'Prospecting', OwnerId: 'U1', CreatedDate: '2024-01-01T00:00:00Z', LastModifiedDate: '2024-01-01T00:00:00Z' } });
    const report = await runMigration(opts(env, data, { mode: 'dry-run' }));
    expect(await tableChecksums(env.pool, env.targetSchema)).toEqual(before);
    expect(report.mode).toBe('dry-run');
    const acc = report.entities.find((e) => e.entity === 'Account')!;
    expect(acc.created).toBe(30);
    const opp = report.entities.find((e) => e.entity === 'Opportunity')!;
    expect([opp.created, opp.quarantined]).toEqual([30, 1]);
    expect(report.quarantineSample.find((q) => q.sourceId === '006orphan')?.reason).toMatch(/not loaded \(orphan\)/);
    // A real run afterwards creates exactly what the dry run predicted.
    const real = await runMigration(opts(env, data));
    expect(real.entities.map((e) => [e.entity, e.created, e.quarantined])).toEqual(report.entities.map((e) => [e.entity, e.created, e.quarantined]));
  });

  it('given two runs, then rolling back the second restores the first run state and rolling back the first restores the start', async () => {
    env = await createEngineEnv(testUsers);
    const start = await tableChecksums(env.pool, env.targetSchema);
    const data = crmData(30);
    const r1 = await runMigration(opts(env, data));
    const afterFirst = await tableChecksums(env.pool, env.targetSchema);
    const changed = crmData(35); // five new accounts, and edits below
    changed.Account![0]!.fields.Name = 'Renamed';
    changed.Account![3]!.fields.ParentId = null;
    changed.Contact![5]!.fields.AccountId = accId(2);
    changed.Contact!.push({ sourceId: conId(999), op: 'delete', fields: {} });
    changed.Contact!.push({ sourceId: conId(33), op: 'delete', fields: {} });
    changed.Contact!.push({ sourceId: conId(6), op: 'delete', fields: {} }); // still referenced by Task 6
    changed.Contact!.splice(33, 1);
    const r2 = await runMigration(opts(env, changed));
    const con = r2.entities.find((e) => e.entity === 'Contact')!;
    expect([con.deleted, con.quarantined, con.reconciles]).toEqual([1, 1, true]);
    expect(r2.quarantineSample.find((q) => q.field === '(delete)')?.reason).toMatch(/still referenced/);
    expect(await tableChecksums(env.pool, env.targetSchema)).not.toEqual(afterFirst);
    await rollbackRun(env.pool, { controlSchema: env.controlSchema, targetSchema: env.targetSchema, runId: r2.runId });
    expect(await tableChecksums(env.pool, env.targetSchema)).toEqual(afterFirst);
    await expect(rollbackRun(env.pool, { controlSchema: env.controlSchema, targetSchema: env.targetSchema, runId: r2.runId })).rejects.toThrow(/already rolled back/);
    await rollbackRun(env.pool, { controlSchema: env.controlSchema, targetSchema: env.targetSchema, runId: r1.runId });
    expect(await tableChecksums(env.pool, env.targetSchema)).toEqual(start);
  });

  it('given the placeholder orphan policy, then a marked placeholder parent is created, the child points at it, and the report lists it', async () => {
    env = await createEngineEnv(testUsers);
    const data = crmData(5);
    data.Opportunity!.push({ sourceId: '006ghost', fields: { Name: 'Ghost deal', AccountId: accId(777), StageName: 'Prospecting', OwnerId: 'U1', CreatedDate: '2024-01-01T00:00:00Z', LastModifiedDate: '2024-01-01T00:00:00Z' } });
    const yaml = mappingYaml.replace('ref: { entity: Account, onOrphan: quarantine }', 'ref: { entity: Account, onOrphan: placeholder }');
    expect(yaml).not.toBe(mappingYaml);
    const report = await runMigration({ ...opts(env, data), mappingYaml: yaml });
    expect(report.totals.reconciles).toBe(true);
    const { rows } = await env.pool.query(
      `SELECT a.name, a.source_id, a.metadata FROM "${env.targetSchema}".opportunities o JOIN "${env.targetSchema}".accounts a ON a.id = o.account_id WHERE o.source_id = '006ghost'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].name).toBe(`[placeholder] Account ${accId(777)}`);
    expect(rows[0].metadata.placeholder).toBe(true);
    expect(report.warnings.orphans).toContainEqual(expect.objectContaining({ entity: 'Opportunity', field: 'account_id', policy: 'placeholder', count: 1 }));
    // Rolling the run back removes the placeholder with everything else the run created.
    await rollbackRun(env.pool, { controlSchema: env.controlSchema, targetSchema: env.targetSchema, runId: report.runId });
    const { rows: left } = await env.pool.query(`SELECT count(*)::int AS n FROM "${env.targetSchema}".accounts`);
    expect(left[0].n).toBe(0);
  });

  it('given a source entity the mapping does not name, then the report says it was not loaded', async () => {
    env = await createEngineEnv(testUsers);
    const data = { ...crmData(3), Campaign: [{ sourceId: 'C1', fields: { Name: 'Spring' } }] };
    const report = await runMigration(opts(env, data));
    expect(report.warnings.other).toEqual(['source entity Campaign is not in the mapping, so none of its records were loaded (map it, or confirm it is not needed)']);
  });

  it.each(['run', 'dry-run'] as const)('given a %s from a source that delivers every entity (agent, CSV folder), then the unmapped entity is counted as not in the mapping and the report reconciles all it read', async (mode) => {
    env = await createEngineEnv(testUsers);
    const data = { ...crmData(3), Campaign: [{ sourceId: 'C1', fields: { Name: 'Spring' } }, { sourceId: 'C2', fields: { Name: 'Fall' } }] };
    const source = Object.assign(new MemorySource('testcrm', data), { deliversEverything: true });
    const report = await runMigration({ ...opts(env, data, { mode }), source });
    const campaign = report.entities.find((e) => e.entity === 'Campaign')!;
    expect(campaign).toMatchObject({ target: '(not in mapping)', extracted: 2, notInMapping: 2, created: 0, quarantined: 0, reconciles: true });
    const read = Object.values(data).reduce((n, recs) => n + recs.length, 0);
    expect(report.totals.extracted).toBe(read);
    expect(report.totals.notInMapping).toBe(2);
    expect(report.totals.reconciles).toBe(true);
    // A source that only offers entities (a SaaS API) is not read for them.
    const plain = await runMigration({ ...opts(env, data, { mode }), runKey: `plain-${mode}` });
    expect(plain.entities.find((e) => e.entity === 'Campaign')).toBeUndefined();
  });
});
