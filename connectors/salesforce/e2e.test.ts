import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runMigration } from '../../control-plane/engine/run.ts';
import { createEngineEnv, type EngineEnv } from '../../test/support/engine.ts';
import { startEmulator, type SalesforceEmulatorHandle } from './emulator/index.ts';
import { createConnector } from './index.ts';

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

describe('Salesforce → Logic Nexus through the engine', () => {
  it('given the emulator and mapping.yaml, then rows land with owners, hierarchy, polymorphic activities and customer picklist values quarantined', async () => {
    em = await startEmulator({ records: 20, seed: 5 });
    const probe = connector(em);
    const users: { email: string; name: string }[] = [];
    for await (const b of probe.read('User', { batchSize: 100 })) for (const r of b.records) users.push({ email: String(r.fields.Email), name: String(r.fields.Name) });
    const stages = new Map<string, string>();
    for await (const b of probe.read('Opportunity', { batchSize: 100 })) for (const r of b.records) stages.set(r.sourceId, String(r.fields.StageName));
    await probe.close();
    env = await createEngineEnv(users);

    const source = connector(em);
    const report = await runMigration({
      pool: env.pool, source, mappingYaml, vars: { FRANCHISE_ID: env.franchiseId }, tenantId: env.tenantId,
      targetSchema: env.targetSchema, controlSchema: env.controlSchema, mode: 'run', batchSize: 25,
    });
    await source.close();
    expect(report.error).toBeUndefined();
    expect(report.status).toBe('completed');
    expect(report.totals.reconciles).toBe(true);
    const t = env.targetSchema;
    const q = async (sql: string) => (await env!.pool.query(sql)).rows;

    const onHold = [...stages.values()].filter((s) => s === 'On Hold - Customs').length;
    const opps = await q(`SELECT count(*)::int AS n FROM "${t}".opportunities`);
    expect(opps[0].n).toBe(20 - onHold);

    const accounts = await q(`SELECT a.source_id, p.source_id AS parent, u.email, a.billing_address, a.metadata FROM "${t}".accounts a
      LEFT JOIN "${t}".accounts p ON p.id = a.parent_account_id LEFT JOIN "${t}".users u ON u.id = a.owner_id ORDER BY a.source_id`);
    expect(accounts).toHaveLength(20);
    const a17 = accounts.find((a) => a.source_id === em!.control.idOf('Account', 17))!;
    expect(a17.parent).toBe(em.control.idOf('Account', 10));
    expect(a17.email).toMatch(/@example-logistics\.com$/);
    expect(Object.keys(a17.billing_address)).toEqual(expect.arrayContaining(['street', 'city', 'postal_code', 'country']));
    expect(JSON.stringify(a17.metadata)).toContain('Credit_Limit__c');

    const acts = await q(`SELECT source_entity, activity_type, contact_id IS NOT NULL AS c, lead_id IS NOT NULL AS l FROM "${t}".activities`);
    expect(acts.filter((a) => a.source_entity === 'Task').every((a) => a.activity_type === 'task')).toBe(true);
    expect(acts.filter((a) => a.source_entity === 'Event').every((a) => a.activity_type === 'meeting')).toBe(true);
    expect(acts.some((a) => a.c)).toBe(true);
    expect(acts.some((a) => a.l)).toBe(true);
    expect(acts.some((a) => a.c && a.l)).toBe(false);
  });

  it('given the refresh token is revoked mid-run, then the run stops asking to re-authorize and, re-authorized, resumes to a complete load', async () => {
    em = await startEmulator({ records: 20, seed: 8, revokeRefreshTokenAfter: 30 });
    env = await createEngineEnv([]);
    const run = (source: ReturnType<typeof connector>) => runMigration({
      pool: env!.pool, source, mappingYaml, vars: { FRANCHISE_ID: env!.franchiseId }, tenantId: env!.tenantId,
      targetSchema: env!.targetSchema, controlSchema: env!.controlSchema, mode: 'run', batchSize: 10,
    });
    const failed = await run(connector(em)).catch((e: unknown) => ({ status: 'threw', error: e instanceof Error ? e.message : String(e) }));
    expect(failed.status).not.toBe('completed');
    expect(String(failed.error)).toMatch(/re-authorize the Salesforce connection/);
    const fresh = { ...em.credentials, refresh_token: em.control.reauthorize() };
    const report = await run(createConnector({ credentials: fresh, baseUrl: em.url, tokenUrl: em.tokenUrl, tuning: { pollIntervalMs: 10 } }));
    // (report.error still carries the first attempt's message: the engine keeps it on the resumed run.)
    expect(report.status).toBe('completed');
    expect(report.totals.reconciles).toBe(true);
    // Extracted counts add up across both attempts without re-reading: the resume started at the checkpoint.
    expect(report.entities.find((e) => e.entity === 'Event')!.extracted).toBe(10);
    const n = async (table: string) => (await env!.pool.query(`SELECT count(*)::int AS n FROM "${env!.targetSchema}".${table}`)).rows[0].n;
    expect(await n('accounts')).toBe(20);
    expect(await n('contacts')).toBe(40);
  });
});
