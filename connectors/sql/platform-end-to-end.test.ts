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

  it('given a CargoWise sample with bad data, then the run completes, reconciles and quarantines each kind of bad row with its reason', async () => {
    const { report, q } = await migrate('cargowise', 2000, true);
    expect(report.status).toBe('completed');
    expect(report.totals.reconciles).toBe(true);
    for (const e of report.entities) expect(e.reconciles, e.entity).toBe(true);
    const rows = await q(`SELECT entity, field, reason FROM "${env!.controlSchema}".quarantine`);
    expect(rows.length).toBe(report.totals.quarantined);
    expect(rows.every((r) => typeof r.reason === 'string' && r.reason.length > 0)).toBe(true);
    const kinds: [kind: string, entity: RegExp, field: RegExp, reason: RegExp][] = [
      ['orphan reference', /^TransportLeg$/, /^shipment_id$/, /which was not loaded \(orphan\)/],
      ['impossible date (SQL Server sentinel)', /^Shipment$/, /^JS_E_(DEP|ARV)$/, /(1753-01-01|9999-12-31|1900-01-01) is .*"no (end )?date" value/],
      ['impossible invoice date', /^Invoice$/, /^AH_InvoiceDate$/, /plausible date/],
      ['duplicate shipment number', /^Shipment$/, /^JS_UniqueConsignRef$/, /duplicate business key: shipment_number "S\d+"/],
      ['duplicate invoice number', /^Invoice$/, /^AH_TransactionNum$/, /duplicate business key: invoice_number "INV\d+"/],
      ['NULL business key', /^Shipment$/, /^JS_UniqueConsignRef$/, /required JS_UniqueConsignRef is missing/],
      ['mixed encodings', /^(Organization|OrgContact)$/, /^(OH_FullName|OC_LastName)$/, /double-encoded \(mojibake\)/],
      ['1 MB memo', /^Shipment$/, /^JS_GoodsDescription$/, /metadata 1\.0 MB, over the 256 KB limit; JS_GoodsDescription alone is 1\.0 MB/],
    ];
    // Nothing clean is quarantined: every entry is one of the injected kinds (or U+FFFD, also injected as an encoding fault).
    const known = [...kinds.map((k) => k[3]), /replacement characters/];
    expect(rows.filter((r) => !known.some((re) => re.test(r.reason as string))).map((r) => r.reason)).toEqual([]);
    for (const [kind, entity, field, reason] of kinds) {
      const hit = rows.find((r) => entity.test(r.entity as string) && field.test(r.field as string) && reason.test(r.reason as string));
      expect(hit, `${kind}: no quarantine entry for ${entity}.${field} matching ${reason}; reasons: ${[...new Set(rows.filter((r) => entity.test(r.entity as string)).map((r) => `${r.field}: ${r.reason}`))].slice(0, 8).join(' | ')}`).toBeDefined();
    }
  });
});
