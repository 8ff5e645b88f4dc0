/**
 * MercuryGate EDI end to end through the real CLI into real PostgreSQL: a seeded folder of 204/990/214
 * files migrates and reconciles; a second batch of files (corrected 204s, an old interchange re-sent,
 * new 214s, new tenders) dropped into the same folder and run with --incremental picks up exactly
 * what changed: corrections replace their tender, statuses add events, nothing is duplicated.
 */
import { runMigrateCli } from '../../test/support/cli-run.ts';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestSchema, type TestSchema } from '../../test/support/pg.ts';
import { migrate } from '../../control-plane/db/migrate.ts';
import { seedDemoTenant } from '../../resources/demo/seed.ts';
import { generateMercuryGateSample } from './sample.ts';

describe('nexus-migrate run --source mercurygate --path DIR (real CLI, real Postgres)', () => {
  let tgt: TestSchema;
  let ctl: TestSchema;
  let work: string;
  beforeAll(async () => {
    tgt = await createTestSchema('mg_tgt');
    ctl = await createTestSchema('mg_ctl');
    await migrate(tgt.pool, 'target', tgt.schema);
    work = mkdtempSync(path.join(tmpdir(), 'mg-e2e-'));
  });
  afterAll(async () => {
    await tgt.drop();
    await ctl.drop();
    rmSync(work, { recursive: true, force: true });
  });

  const run = (args: string[]) => runMigrateCli({ targetSchema: tgt.schema, controlSchema: ctl.schema, work }, args);

  it('given batch 1 then batch 2 of EDI files, then the first run reconciles and the incremental run loads exactly the changes', async () => {
    const { batch1, batch2 } = generateMercuryGateSample(42);
    const dir = path.join(work, 'edi');
    mkdirSync(dir);
    for (const [n, t] of Object.entries(batch1.files)) writeFileSync(path.join(dir, n), t);
    const seeded = await seedDemoTenant(tgt.pool, tgt.schema, randomUUID());
    const args = ['--source', 'mercurygate', '--path', dir, '--tenant', seeded.tenantId, '--franchise', seeded.franchiseId];
    const q = async <T = Record<string, unknown>>(sql: string) => (await tgt.pool.query(sql)).rows as T[];
    const t = tgt.schema;
    const count = async (table: string) => Number((await q<{ n: string }>(`SELECT count(*) AS n FROM "${t}".${table} WHERE source_system = 'mercurygate'`))[0]!.n);

    const first = await run(args);
    expect(first.code, first.out).toBe(0);
    expect(first.out).toMatch(/completed in/);
    const e1 = Object.fromEntries(first.report.entities.map((e) => [e.entity, e]));
    for (const e of first.report.entities) expect(e.reconciles, e.entity).toBe(true);
    expect(e1['Shipment']!.created).toBe(batch1.expected.shipments + batch1.expected.masters);
    expect(e1['Leg']!.created).toBe(batch1.expected.legs);
    expect(e1['Event']!.created).toBe(batch1.expected.events); // duplicates (a re-sent file, a re-sent 214) fold into one
    expect(e1['Party']!.created).toBe(batch1.expected.parties);
    expect(first.report.totals.quarantined).toBe(0);
    // House loads of a consolidation point at their master; parties are linked.
    const houses = await q<{ n: string }>(`SELECT count(*) AS n FROM "${t}".shipments s JOIN "${t}".shipments m ON m.id = s.master_shipment_id WHERE m.is_master`);
    expect(Number(houses[0]!.n)).toBeGreaterThan(0);
    const linked = await q<{ n: string }>(`SELECT count(*) AS n FROM "${t}".shipments WHERE NOT is_master AND shipper_account_id IS NOT NULL AND account_id IS NOT NULL`);
    expect(Number(linked[0]!.n)).toBe(batch1.expected.shipments);
    const amendedId = batch2.expected.amended[0]!;
    const before = (await q<{ total_weight_kg: string; metadata: { source: Record<string, unknown> } }>(`SELECT total_weight_kg, metadata FROM "${t}".shipments WHERE shipment_number = '${amendedId}'`))[0]!;

    for (const [n, text] of Object.entries(batch2.files)) writeFileSync(path.join(dir, n), text);
    const second = await run([...args, '--incremental']);
    expect(second.code, second.out).toBe(0);
    const e2 = Object.fromEntries(second.report.entities.map((e) => [e.entity, e]));
    for (const e of second.report.entities) expect(e.reconciles, e.entity).toBe(true);
    // Shipments: the 2 new tenders are created, every corrected tender updated, nothing else touched but re-read.
    expect(e2['Shipment']!.created).toBe(2);
    expect(e2['Shipment']!.updated).toBe(batch2.expected.amended.length);
    expect(e2['Shipment']!.extracted).toBeLessThan(batch2.expected.shipments);
    // Events: one new D1 per delivered shipment; no old event re-read.
    const newEvents = batch2.expected.events - batch1.expected.events;
    expect(e2['Event']!.extracted).toBe(newEvents);
    expect(e2['Event']!.created).toBe(newEvents);
    // Legs a corrected tender no longer has are deleted.
    expect(await count('quote_legs')).toBe(batch2.expected.legs);
    expect(e2['Leg']!.deleted).toBe(batch1.expected.legs + 2 * 2 - batch2.expected.legs);
    // The target holds exactly the model: no duplicate shipment, event or party.
    expect(await count('shipments')).toBe(batch2.expected.shipments + batch2.expected.masters);
    expect(await count('activities')).toBe(batch2.expected.events);
    expect(await count('accounts')).toBe(batch2.expected.parties);
    const dups = await q(`SELECT shipment_number FROM "${t}".shipments GROUP BY 1 HAVING count(*) > 1`);
    expect(dups).toEqual([]);
    // The correction (later control number) replaced the tender's fields; the re-sent older interchange did not win.
    const after = (await q<{ total_weight_kg: string; metadata: { source: Record<string, unknown> } }>(`SELECT total_weight_kg, metadata FROM "${t}".shipments WHERE shipment_number = '${amendedId}'`))[0]!;
    expect(Number(after.total_weight_kg)).toBeCloseTo(Number(before.total_weight_kg) + 1000 * 0.45359237, 2);
    expect(after.metadata.source['TenderPurpose']).toBe('change');
    expect(after.metadata.source['ControlNumbers']).not.toBe(before.metadata.source['ControlNumbers']);

    // A third run over the same folder finds nothing new.
    const third = await run([...args, '--incremental']);
    expect(third.code, third.out).toBe(0);
    expect(third.report.totals.extracted).toBe(0);
  }, 400_000);
});
