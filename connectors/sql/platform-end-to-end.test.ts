import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runMigration } from '../../control-plane/engine/run.ts';
import { createEngineEnv, type EngineEnv } from '../../test/support/engine.ts';
import { sampleFixture, type SampleFixture } from './sample/fixtures.ts';
import { SqlSourceConnector } from './sql-source-connector.ts';

let src: SampleFixture | undefined;
let env: EngineEnv | undefined;
afterEach(async () => {
  await env?.drop();
  await src?.drop();
  env = undefined;
  src = undefined;
});

async function migrate(platform: string, rows: number, badData: boolean) {
  src = await sampleFixture('postgres', platform, rows, 21, badData);
  env = await createEngineEnv();
  const mappingYaml = readFileSync(new URL(`../${platform}/mapping.yaml`, import.meta.url), 'utf8');
  const report = await runMigration({
    pool: env.pool, source: new SqlSourceConnector({ connection: src.connection, platform }), mappingYaml,
    vars: { FRANCHISE_ID: env.franchiseId }, tenantId: env.tenantId, targetSchema: env.targetSchema, controlSchema: env.controlSchema,
    mode: 'run', batchSize: 200,
  });
  const q = async (sql: string) => (await env!.pool.query(sql)).rows;
  return { report, q, t: `"${env.targetSchema}"` };
}

describe('platform sample databases through the engine', () => {
  it('given a SAP TM sample, then it loads completely with freight orders as masters and stages as ordered legs', async () => {
    const { report, q, t } = await migrate('sap-tm', 800, false);
    expect(report.status).toBe('completed');
    expect(report.totals.reconciles).toBe(true);
    expect(report.totals.quarantined).toBe(0);
    const [m] = await q(`SELECT count(*) FILTER (WHERE is_master) AS masters, count(*) FILTER (WHERE shipment_type = 'FU' AND NOT is_master) AS units FROM ${t}.shipments`);
    expect(Number(m!.masters)).toBeGreaterThan(0);
    expect(Number(m!.units)).toBeGreaterThan(0);
    const legs = await q(`SELECT array_agg(leg_sequence ORDER BY leg_sequence) AS s FROM ${t}.quote_legs GROUP BY shipment_id`);
    for (const l of legs) expect(l.s).toEqual([1, 2]);
    const [c] = await q(`SELECT count(*) AS n FROM ${t}.invoice_charges ch JOIN ${t}.invoices i ON i.id = ch.invoice_id JOIN ${t}.shipments s ON s.id = i.shipment_id`);
    expect(Number(c!.n)).toBe(Number((await src!.exec('SELECT count(*) AS n FROM "SCMTMS_D_TCHRGE"'))[0]!.n));
  });

  it('given an OTM sample, then order releases point at their master shipment and stops are ordered legs', async () => {
    const { report, q, t } = await migrate('oracle-tm', 800, false);
    expect(report.status).toBe('completed');
    expect(report.totals.reconciles).toBe(true);
    const rel = await q(`SELECT r.source_id, m.source_id AS master FROM ${t}.shipments r JOIN ${t}.shipments m ON m.id = r.master_shipment_id WHERE r.source_entity = 'OrderRelease'`);
    const links = new Map((await src!.exec('SELECT "ORDER_RELEASE_GID" AS r, "SHIPMENT_GID" AS s FROM "ORDER_MOVEMENT"')).map((x) => [x.r, x.s]));
    expect(rel.length).toBe(links.size);
    for (const r of rel) expect(r.master).toBe(links.get(r.source_id as string));
    const legs = await q(`SELECT array_agg(leg_sequence ORDER BY leg_sequence) AS s FROM ${t}.quote_legs GROUP BY shipment_id`);
    expect(legs.length).toBeGreaterThan(0);
    for (const l of legs) expect(l.s).toEqual([1, 2, 3]);
  });

  it('given a CargoWise sample with bad data, then the run completes, reconciles and quarantines the bad rows with reasons', async () => {
    const { report } = await migrate('cargowise', 1000, true);
    expect(report.status).toBe('completed');
    expect(report.totals.reconciles).toBe(true);
    expect(report.totals.quarantined).toBeGreaterThan(0);
    expect(report.quarantineSample.every((s) => typeof s.reason === 'string' && s.reason.length > 0)).toBe(true);
  });
});
