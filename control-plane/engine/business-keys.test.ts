import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigration } from './run.ts';
import { MemorySource } from '../../test/support/memory-source.ts';
import { createEngineEnv, type EngineEnv } from '../../test/support/engine.ts';
import type { SourceRecord } from '../../shared/record-batch.ts';
import type { RunReport } from '../report/types.ts';

const mappingYaml = (sourceSystem: string) => `
version: 1
sourceSystem: ${sourceSystem}
defaults: { tenant_id: \${TENANT_ID}, franchise_id: \${FRANCHISE_ID} }
entities:
  Shipment:
    target: shipments
    fields:
      shipment_number: { from: Number, required: true, unique: true }
      etd: { from: Etd, assumeZone: UTC, minDate: "1700-01-01" }
`;

const rec = (sourceId: string, Number: string | null, Etd: string | null = '2024-03-01T10:00:00Z'): SourceRecord => ({ sourceId, op: 'upsert', fields: { Number, Etd } });
// batchSize 3: s1..s3 are batch 0, s4..s6 batch 1, s7..s8 batch 2.
const records = [
  rec('s1', 'N1'), rec('s2', 'N2'), rec('s3', 'N1'),
  rec('s4', 'N3'), rec('s5', 'N2'), rec('s6', null),
  rec('s7', 'N4', '1753-01-01T00:00:00Z'), rec('s8', 'N5', '1650-01-01T00:00:00Z'),
];

type Case = [name: string, sourceId: string, reason: RegExp];
const cases: Case[] = [
  ['a business key repeated in the same batch', 's3', /duplicate business key: shipment_number "N1" \(from Number\) already belongs to Shipment "s1", earlier in this run/],
  ['a business key an earlier batch loaded', 's5', /duplicate business key: shipment_number "N2" \(from Number\) already belongs to Shipment "s2", already loaded/],
  ['a NULL business key', 's6', /required Number is missing \(column shipment_number\)/],
  ['a date before the mapping\'s minDate', 's8', /"1650-01-01T00:00:00Z" is before 1700-01-01, the earliest plausible date/],
];

let env: EngineEnv;
const runs: RunReport[] = [];
const run = async (sourceSystem: string, recs: SourceRecord[]): Promise<RunReport> => {
  const report = await runMigration({
    pool: env.pool, source: new MemorySource(sourceSystem, { Shipment: recs }), mappingYaml: mappingYaml(sourceSystem), vars: { FRANCHISE_ID: env.franchiseId },
    tenantId: env.tenantId, targetSchema: env.targetSchema, controlSchema: env.controlSchema, mode: 'run', batchSize: 3,
  });
  runs.push(report);
  return report;
};
const quarantine = async (): Promise<Map<string, string[]>> => {
  const { rows } = await env.pool.query(`SELECT source_id, reason FROM "${env.controlSchema}".quarantine WHERE run_id = $1`, [runs.at(-1)!.runId]);
  const m = new Map<string, string[]>();
  for (const r of rows) m.set(r.source_id, [...(m.get(r.source_id) ?? []), r.reason]);
  return m;
};

beforeAll(async () => {
  env = await createEngineEnv();
});
afterAll(async () => env.drop());

describe('business keys and date windows', () => {
  it('given duplicate and missing business keys and a date outside minDate, then each is quarantined with its reason and the rest load', async () => {
    const report = await run('tms', records);
    expect(report.status).toBe('completed');
    expect(report.totals.reconciles).toBe(true);
    const q = await quarantine();
    expect([...q.keys()].sort()).toEqual(cases.map((c) => c[1]).sort());
    for (const [name, sourceId, reason] of cases) expect(q.get(sourceId)!.join(' | '), name).toMatch(reason);
    const { rows } = await env.pool.query(`SELECT source_id, shipment_number, etd FROM "${env.targetSchema}".shipments ORDER BY source_id`);
    expect(rows.map((r) => `${r.source_id}:${r.shipment_number}`)).toEqual(['s1:N1', 's2:N2', 's4:N3', 's7:N4']);
    // minDate 1700-01-01 lets the SQL Server sentinel through for this column.
    expect(new Date(rows[3].etd).toISOString()).toBe('1753-01-01T00:00:00.000Z');
  });

  it('given the same source again, then records keep their own keys and only the duplicates are quarantined again', async () => {
    const report = await run('tms', records);
    expect(report.status).toBe('completed');
    expect(report.totals.reconciles).toBe(true);
    const q = await quarantine();
    expect([...q.keys()].sort()).toEqual(['s3', 's5', 's6', 's8']);
    expect(q.get('s3')!.join()).toMatch(/already belongs to Shipment "s1", already loaded/);
  });

  it('given another source system using the same number, then it is not a duplicate', async () => {
    const report = await run('other-tms', [rec('o1', 'N1')]);
    expect(report.totals.quarantined).toBe(0);
    const { rows } = await env.pool.query(`SELECT count(*)::int AS n FROM "${env.targetSchema}".shipments WHERE shipment_number = 'N1'`);
    expect(rows[0].n).toBe(2);
  });

  it.each([
    ['shipments', 'shipment_number', 'shipments_business_key_idx'],
    ['invoices', 'invoice_number', 'invoices_business_key_idx'],
    ['accounts', 'code', 'accounts_business_key_idx'],
  ])('given the business-key lookup on %s, then it can use the index %s', async (table, column, index) => {
    const client = await env.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL enable_seqscan = off');
      const { rows } = await client.query(
        `EXPLAIN SELECT id FROM "${env.targetSchema}"."${table}" WHERE tenant_id = $1 AND source_system = $2 AND "${column}" = ANY($3::text[])`,
        [env.tenantId, 'tms', ['N1']],
      );
      expect(rows.map((r) => r['QUERY PLAN']).join('\n')).toContain(index);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});
