/**
 * CargoWise eAdaptor XML end to end through the real CLI into real PostgreSQL: a seeded export folder
 * migrates and reconciles (a currency the value map lacks is quarantined by name); a second batch of
 * exports picks up exactly what changed.
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
import { eventXml, generateEAdaptorSample, shipmentXml, transactionXml } from './sample.ts';

describe('nexus-migrate run --source cargowise-eadaptor --path DIR (real CLI, real Postgres)', () => {
  let tgt: TestSchema;
  let ctl: TestSchema;
  let work: string;
  beforeAll(async () => {
    tgt = await createTestSchema('cwx_tgt');
    ctl = await createTestSchema('cwx_ctl');
    await migrate(tgt.pool, 'target', tgt.schema);
    work = mkdtempSync(path.join(tmpdir(), 'cwx-e2e-'));
  });
  afterAll(async () => {
    await tgt.drop();
    await ctl.drop();
    rmSync(work, { recursive: true, force: true });
  });

  const run = (args: string[]) => runMigrateCli({ targetSchema: tgt.schema, controlSchema: ctl.schema, work }, args);

  it('given an export folder then a second batch, then the first run reconciles and the incremental run loads exactly the changes', async () => {
    const dir = path.join(work, 'xml');
    mkdirSync(dir);
    const files = generateEAdaptorSample(6);
    files['20260322_inv_bad_currency.xml'] = transactionXml('INV-XXX', 'S1001', { currency: 'XBT' });
    for (const [n, text] of Object.entries(files)) writeFileSync(path.join(dir, n), text);
    const seeded = await seedDemoTenant(tgt.pool, tgt.schema, randomUUID());
    const args = ['--source', 'cargowise-eadaptor', '--path', dir, '--tenant', seeded.tenantId, '--franchise', seeded.franchiseId];
    const t = tgt.schema;
    const count = async (table: string) => Number((await tgt.pool.query(`SELECT count(*) AS n FROM "${t}".${table} WHERE source_system = 'cargowise-eadaptor'`)).rows[0].n);

    const first = await run(args);
    // 3 of 62 records quarantined (an invoice and its 2 lines in a currency the value map lacks): it looks bad.
    expect(first.code, first.out).toBe(3);
    expect(first.out).toMatch(/COMPLETED WITH ISSUES/);
    const e1 = Object.fromEntries(first.report.entities.map((e) => [e.entity, e]));
    for (const e of first.report.entities) expect(e.reconciles, e.entity).toBe(true);
    expect(e1['Shipment']!.created).toBe(6);
    expect(e1['TransportLeg']!.created).toBe([1, 2, 3, 4, 5, 6].reduce((n, i) => n + 1 + (i % 3), 0));
    expect(e1['Event']!.created).toBe(12);
    expect(e1['Invoice']!.created).toBe(6);
    expect(e1['Invoice']!.quarantined).toBe(1);
    expect(first.report.quarantineSample.map((q) => JSON.stringify(q)).join('\n')).toMatch(/XBT/);
    const linked = await tgt.pool.query(`SELECT count(*) AS n FROM "${t}".invoices i JOIN "${t}".shipments s ON s.id = i.shipment_id`);
    expect(Number(linked.rows[0].n)).toBe(6);

    writeFileSync(path.join(dir, '20260401_shp_S1003_update.xml'), shipmentXml('S1003', { legs: 1, weight: 31000 }));
    writeFileSync(path.join(dir, '20260402_evt_S1001_DLV.xml'), eventXml('S1001', 'DLV', '2026-03-25T10:00:00'));
    writeFileSync(path.join(dir, '20260403_shp_S2001.xml'), shipmentXml('S2001'));
    const second = await run([...args, '--incremental']);
    expect(second.code, second.out).toBe(0);
    const e2 = Object.fromEntries(second.report.entities.map((e) => [e.entity, e]));
    for (const e of second.report.entities) expect(e.reconciles, e.entity).toBe(true);
    expect([e2['Shipment']!.extracted, e2['Shipment']!.created, e2['Shipment']!.updated]).toEqual([2, 1, 1]);
    expect([e2['Event']!.extracted, e2['Event']!.created]).toEqual([1, 1]);
    expect(e2['Invoice']!.extracted).toBe(0);
    // S1003 had 1 + (3 % 3) = 1 leg: unchanged count of legs; S2001 adds 2.
    expect(await count('quote_legs')).toBe([1, 2, 3, 4, 5, 6].reduce((n, i) => n + 1 + (i % 3), 0) + 2);
    expect(await count('shipments')).toBe(7);
    expect(await count('activities')).toBe(13);
    const w = await tgt.pool.query(`SELECT total_weight_kg FROM "${t}".shipments WHERE shipment_number = 'S1003'`);
    expect(Number(w.rows[0].total_weight_kg)).toBe(31000);
  }, 400_000);
});
