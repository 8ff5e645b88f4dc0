import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runMigration } from '../../control-plane/engine/run.ts';
import { createEngineEnv, type EngineEnv } from '../../test/support/engine.ts';
import { RateLimiterRegistry, type EmulatorHandle } from '../sdk/index.ts';
import { startEmulator } from './emulator/index.ts';
import { createConnector } from './index.ts';

const mappingYaml = readFileSync(new URL('./mapping.yaml', import.meta.url), 'utf8');

let env: EngineEnv | undefined;
let emu: EmulatorHandle | undefined;
afterEach(async () => {
  await env?.drop();
  await emu?.close();
  env = undefined;
  emu = undefined;
});

function connector(e: EmulatorHandle) {
  return createConnector({ credentials: e.credentials, baseUrl: e.url, tokenUrl: e.tokenUrl, pageSize: 50, rateLimiters: new RateLimiterRegistry() });
}

describe('Dynamics → Logic Nexus through the engine', () => {
  it('given the emulator and mapping.yaml, then business units become franchises and every row lands with its franchise, owner and references', async () => {
    emu = await startEmulator({ records: 20, seed: 21 });
    // Seed Logic Nexus users for all but one Dataverse user, so owner matching by email has hits and a miss.
    const probe = connector(emu);
    const users: { id: string; email: string; name: string }[] = [];
    for await (const b of probe.read('systemuser', { batchSize: 100 })) {
      for (const r of b.records) users.push({ id: r.sourceId, email: String(r.fields['internalemailaddress']).toUpperCase(), name: String(r.fields['fullname']) });
    }
    const seeded = new Map(users.slice(1).map((u) => [u.id, u.email.toLowerCase()]));
    await probe.close();
    env = await createEngineEnv(users.slice(1));

    const source = connector(emu);
    const report = await runMigration({
      pool: env.pool, source, mappingYaml, vars: { FRANCHISE_ID: env.franchiseId }, tenantId: env.tenantId,
      targetSchema: env.targetSchema, controlSchema: env.controlSchema, mode: 'run', batchSize: 40,
    });
    await source.close();
    expect(report.error).toBeUndefined();
    expect(report.status).toBe('completed');
    expect(report.totals.reconciles).toBe(true);
    expect(report.totals.quarantined).toBe(0);
    const counts = Object.fromEntries(report.entities.map((e) => [e.entity, e.created]));
    expect(counts).toMatchObject({ businessunit: 5, account: 20, contact: 40, lead: 10, opportunity: 10, invoice: 10, task: 20, appointment: 10, phonecall: 10 });

    const t = env.targetSchema;
    const q = async (sql: string) => (await env!.pool.query(sql)).rows;
    const franchises = await q(`SELECT source_id, name FROM "${t}".franchises WHERE source_system = 'dynamics'`);
    expect(franchises).toHaveLength(5);

    // franchise_id follows owningbusinessunit, for every owned table.
    const accounts = await q(`SELECT a.source_id, a.metadata, f.source_id AS bu, u.email, a.account_type FROM "${t}".accounts a
      JOIN "${t}".franchises f ON f.id = a.franchise_id LEFT JOIN "${t}".users u ON u.id = a.owner_id`);
    expect(accounts).toHaveLength(20);
    const check = connector(emu);
    const src = new Map<string, Record<string, unknown>>();
    for await (const b of check.read('account', { batchSize: 100 })) for (const r of b.records) src.set(r.sourceId, r.fields);
    for (const a of accounts) {
      const f = src.get(a.source_id)!;
      expect(a.bu).toBe(f['_owningbusinessunit_value']);
      expect(a.metadata.source.new_region).toBe(f['new_region']);
      // Owners match Logic Nexus users by email (case-insensitively); team owners and the unseeded user get none.
      expect(a.email?.toLowerCase() ?? null).toBe(seeded.get(String(f['_ownerid_value'])) ?? null);
    }
    expect(accounts.filter((a) => a.email !== null).length).toBeGreaterThan(10);

    // Polymorphic regarding: exactly one of the four references is set, and it names the record Dataverse named.
    const tasks = new Map<string, Record<string, unknown>>();
    for await (const b of check.read('task', { batchSize: 100 })) for (const r of b.records) tasks.set(r.sourceId, r.fields);
    await check.close();
    const acts = await q(`SELECT t.source_id, a.source_id AS account, c.source_id AS contact, l.source_id AS lead, o.source_id AS opportunity
      FROM "${t}".activities t LEFT JOIN "${t}".accounts a ON a.id = t.account_id LEFT JOIN "${t}".contacts c ON c.id = t.contact_id
      LEFT JOIN "${t}".leads l ON l.id = t.lead_id LEFT JOIN "${t}".opportunities o ON o.id = t.opportunity_id WHERE t.source_entity = 'task'`);
    expect(acts).toHaveLength(20);
    for (const row of acts) {
      const f = tasks.get(row.source_id)!;
      const kind = f['_regardingobjectid_value@lookuplogicalname'] as string | undefined;
      const set = ['account', 'contact', 'lead', 'opportunity'].filter((k) => row[k] !== null);
      expect(set).toEqual(kind ? [kind] : []);
      if (kind) expect(row[kind]).toBe(f['_regardingobjectid_value']);
    }

    const types = await q(`SELECT activity_type, count(*)::int AS n FROM "${t}".activities GROUP BY 1 ORDER BY 1`);
    expect(types).toEqual([{ activity_type: 'call', n: 10 }, { activity_type: 'meeting', n: 10 }, { activity_type: 'task', n: 20 }]);
    const leadStatuses = (await q(`SELECT DISTINCT status FROM "${t}".leads`)).map((r) => r.status);
    for (const s of leadStatuses) expect(['new', 'contacted', 'converted', 'unqualified']).toContain(s);
    const stages = await q(`SELECT stage, count(*)::int AS n FROM "${t}".opportunities GROUP BY 1`);
    const opp = connector(emu);
    let wonAtSource = 0;
    for await (const b of opp.read('opportunity', { batchSize: 100 })) wonAtSource += b.records.filter((r) => r.fields['statecode'] === 1).length;
    await opp.close();
    expect(stages.find((r) => r.stage === 'closed_won')?.n ?? 0).toBe(wonAtSource);
    expect(report.warnings.unmatchedOwners.length).toBeGreaterThan(0);
  });
});
