import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigration } from '../../control-plane/engine/run.ts';
import type { RunReport } from '../../control-plane/report/types.ts';
import { createEngineEnv, type EngineEnv } from '../../test/support/engine.ts';
import { sampleFixture, type SampleFixture } from '../sql/sample/fixtures.ts';
import { SqlSourceConnector } from '../sql/sql-source-connector.ts';

const mappingYaml = readFileSync(new URL('./mapping.yaml', import.meta.url), 'utf8');

describe('CargoWise sample database → runMigration → Logic Nexus', () => {
  let src: SampleFixture;
  let env: EngineEnv;
  let report: RunReport;
  const n = async (sql: string): Promise<number> => Number((await src.exec(sql))[0]!.n);
  const t = (): string => `"${env.targetSchema}"`;
  const q = async (sql: string): Promise<Record<string, unknown>[]> => (await env.pool.query(sql)).rows;

  beforeAll(async () => {
    src = await sampleFixture('postgres', 'cargowise', 1200, 5);
    env = await createEngineEnv();
    const source = new SqlSourceConnector({ connection: src.connection, platform: 'cargowise' });
    report = await runMigration({
      pool: env.pool, source, mappingYaml, vars: { FRANCHISE_ID: env.franchiseId }, tenantId: env.tenantId,
      targetSchema: env.targetSchema, controlSchema: env.controlSchema, mode: 'run', batchSize: 100,
    });
  });
  afterAll(async () => {
    await env?.drop();
    await src?.drop();
  });

  it('given a clean sample, then the run completes and every source row count reconciles with the target', async () => {
    expect(report.status).toBe('completed');
    expect(report.totals.reconciles).toBe(true);
    const pairs: [string, string][] = [
      ['OrgHeader', 'accounts'], ['OrgContact', 'contacts'], ['JobRouting', 'quote_legs'], ['JobContainer', 'shipment_containers'],
      ['AccTransactionHeader', 'invoices'], ['AccTransactionLines', 'invoice_charges'], ['CusEntryHeader', 'customs_documents'],
    ];
    for (const [source, target] of pairs) {
      expect([target, Number((await q(`SELECT COUNT(*) AS n FROM ${t()}.${target}`))[0]!.n)]).toEqual([target, await n(`SELECT COUNT(*) AS n FROM "${source}"`)]);
    }
    const shipments = (await n('SELECT COUNT(*) AS n FROM "JobShipment"')) + (await n('SELECT COUNT(*) AS n FROM "JobConsol"'));
    expect(Number((await q(`SELECT COUNT(*) AS n FROM ${t()}.shipments`))[0]!.n)).toBe(shipments);
  });

  it('given shipments, containers and invoices, then their references point at the rows the source named', async () => {
    const ship = await q(`SELECT s.source_id, a.source_id AS client FROM ${t()}.shipments s LEFT JOIN ${t()}.accounts a ON a.id = s.account_id WHERE s.source_entity = 'Shipment'`);
    const srcShip = new Map((await src.exec('SELECT "JS_PK"::text AS k, "JS_OH_Client"::text AS c FROM "JobShipment"')).map((r) => [r.k, r.c]));
    expect(ship.length).toBe(srcShip.size);
    for (const s of ship) expect(s.client).toBe(srcShip.get(s.source_id as string));

    const cont = await q(`SELECT c.source_id, s.source_id AS ship FROM ${t()}.shipment_containers c JOIN ${t()}.shipments s ON s.id = c.shipment_id`);
    const srcCont = new Map((await src.exec('SELECT "JC_PK"::text AS k, "JC_JS"::text AS s FROM "JobContainer"')).map((r) => [r.k, r.s]));
    expect(cont.length).toBe(srcCont.size);
    for (const c of cont) expect(c.ship).toBe(srcCont.get(c.source_id as string));

    const inv = await q(`SELECT i.source_id, s.source_id AS ship FROM ${t()}.invoices i JOIN ${t()}.shipments s ON s.id = i.shipment_id`);
    const srcInv = new Map((await src.exec('SELECT h."AH_PK"::text AS k, j."JH_ParentID"::text AS s FROM "AccTransactionHeader" h JOIN "JobHeader" j ON j."JH_PK" = h."AH_JH"')).map((r) => [r.k, r.s]));
    expect(inv.length).toBe(srcInv.size);
    for (const i of inv) expect(i.ship).toBe(srcInv.get(i.source_id as string));
  });

  it('given multi-leg routing, then each shipment has its legs as an ordered 1..n sequence', async () => {
    const legs = await q(`SELECT s.source_id, array_agg(l.leg_sequence ORDER BY l.leg_sequence) AS seq FROM ${t()}.quote_legs l JOIN ${t()}.shipments s ON s.id = l.shipment_id GROUP BY s.source_id`);
    expect(legs.length).toBe(await n('SELECT COUNT(DISTINCT "JW_ParentGUID") AS n FROM "JobRouting"'));
    for (const l of legs) expect(l.seq).toEqual([1, 2]);
  });

  it('given consols, then each is a master shipment whose house shipments point at it', async () => {
    const masters = await q(`SELECT m.source_id, m.is_master, count(c.id) AS children FROM ${t()}.shipments m LEFT JOIN ${t()}.shipments c ON c.master_shipment_id = m.id WHERE m.source_entity = 'Consol' GROUP BY m.source_id, m.is_master`);
    const links = new Map((await src.exec('SELECT "JN_JK"::text AS k, COUNT(*) AS n FROM "JobConShipLink" GROUP BY "JN_JK"')).map((r) => [r.k, Number(r.n)]));
    expect(masters.length).toBe(await n('SELECT COUNT(*) AS n FROM "JobConsol"'));
    for (const m of masters) {
      expect(m.is_master).toBe(true);
      expect(Number(m.children)).toBe(links.get(m.source_id as string) ?? 0);
    }
    expect([...links.values()].reduce((s, x) => s + x, 0)).toBeGreaterThan(0);
  });

  it('given organisations with role flags, then account_type and account_roles carry them', async () => {
    const rows = await q(`SELECT account_type, account_roles FROM ${t()}.accounts`);
    const roles = new Set(rows.flatMap((r) => r.account_roles as string[]));
    expect(roles).toEqual(new Set(['customer', 'supplier', 'carrier']));
    for (const r of rows) {
      const list = r.account_roles as string[];
      expect(list.length === 0 ? r.account_type === 'other' : list.includes(r.account_type as string)).toBe(true);
    }
  });
});
