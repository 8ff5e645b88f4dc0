import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordBatch } from '../../shared/record-batch.ts';
import { sampleFixture, type SampleFixture } from './sample/fixtures.ts';
import { SqlSourceConnector } from './sql-source-connector.ts';

async function firstBatch(it: AsyncIterable<RecordBatch>): Promise<RecordBatch> {
  for await (const b of it) return b;
  throw new Error('no batch');
}

const platforms = [
  { platform: 'cargowise', version: 'CW1 with customs entries', entity: 'Organization', rolesField: 'OrgRoles' },
  { platform: 'sap-tm', version: 'SAP TM 9.x / S/4HANA TM (charges root present)', entity: 'BusinessPartner', rolesField: 'PartnerRoles' },
  { platform: 'oracle-tm', version: 'OTM 6.4+ (freight invoices present)', entity: 'Location', rolesField: 'LocationRoles' },
] as const;

describe.each(['postgres', 'mysql'] as const)('discovery on %s', (dialect) => {
  const fixtures = new Map<string, SampleFixture>();
  beforeAll(async () => {
    for (const p of platforms) fixtures.set(p.platform, await sampleFixture(dialect, p.platform, p.platform === 'cargowise' ? 1000 : 500, 3));
  });
  afterAll(async () => {
    for (const f of fixtures.values()) await f.drop();
  });

  it.each(platforms)('given a $platform database, then auto-discovery recognises it and its version without warnings', async (p) => {
    const c = new SqlSourceConnector({ connection: fixtures.get(p.platform)!.connection });
    const d = await c.discover();
    expect(d.sourceSystem).toBe(p.platform);
    expect(d.version).toBe(p.version);
    expect(d.warnings).toEqual([]);
    expect(c.sourceSystem).toBe(p.platform);
    const s = d.streams.find((x) => x.entity === p.entity)!;
    expect(s.fields.map((f) => f.name)).toContain(p.rolesField);
  });

  it.each(platforms)('given a $platform database, then party roles come out as a list of customer/supplier/carrier', async (p) => {
    const c = new SqlSourceConnector({ connection: fixtures.get(p.platform)!.connection });
    const b = await firstBatch(c.read(p.entity, { batchSize: 200 }));
    const roles = b.records.flatMap((r) => r.fields[p.rolesField] as string[]);
    expect(new Set(roles)).toEqual(new Set(['customer', 'supplier', 'carrier']));
  });

  it('given an OTM table with a compound key, then every stop is read once with a JSON-array source id', async () => {
    const fx = fixtures.get('oracle-tm')!;
    const c = new SqlSourceConnector({ connection: fx.connection });
    const seen: string[] = [];
    for await (const b of c.read('ShipmentStop', { batchSize: 7 })) seen.push(...b.records.map((r) => r.sourceId));
    const [{ n }] = (await fx.exec(`SELECT COUNT(*) AS n FROM ${fx.q('SHIPMENT_STOP')}`)) as [{ n: unknown }];
    expect(seen).toHaveLength(Number(n));
    expect(new Set(seen).size).toBe(seen.length);
    expect(JSON.parse(seen[0]!)).toEqual([expect.stringMatching(/^NEXUS\.SH/), expect.any(Number)]);
  });

  it('given a bigint-keyed OTM table, then numeric partitions cover all rows with no overlap', async () => {
    const fx = fixtures.get('oracle-tm')!;
    const c = new SqlSourceConnector({ connection: fx.connection });
    const parts = await c.partitions('ShipmentCost', 3);
    const seen: string[] = [];
    for (const p of parts) for await (const b of c.read('ShipmentCost', { batchSize: 9, checkpoint: p })) seen.push(...b.records.map((r) => r.sourceId));
    const [{ n }] = (await fx.exec(`SELECT COUNT(*) AS n FROM ${fx.q('SHIPMENT_COST')}`)) as [{ n: unknown }];
    expect(parts).toHaveLength(3);
    expect(new Set(seen).size).toBe(Number(n));
    expect(seen).toHaveLength(Number(n));
  });

  it('given a renamed, a missing and an extra column, then discovery warns about each and still reads the entity', async () => {
    const fx = fixtures.get('cargowise')!;
    const t = fx.q('OrgHeader');
    if (dialect === 'postgres') {
      await fx.exec(`ALTER TABLE ${t} RENAME COLUMN "OH_FullName" TO "OH_Name"`);
      await fx.exec(`ALTER TABLE ${t} DROP COLUMN "OH_Website"`);
      await fx.exec(`ALTER TABLE ${t} ADD COLUMN "OH_CustomRegion" varchar(20) DEFAULT 'EMEA'`);
    } else {
      await fx.exec(`ALTER TABLE ${t} CHANGE COLUMN \`OH_FullName\` \`OH_Name\` varchar(100)`);
      await fx.exec(`ALTER TABLE ${t} DROP COLUMN \`OH_Website\``);
      await fx.exec(`ALTER TABLE ${t} ADD COLUMN \`OH_CustomRegion\` varchar(20) DEFAULT 'EMEA'`);
    }
    const c = new SqlSourceConnector({ connection: fx.connection, platform: 'cargowise' });
    const d = await c.discover();
    expect(d.warnings).toEqual(expect.arrayContaining([
      expect.stringMatching(/OH_FullName found under its renamed form OH_Name/),
      expect.stringMatching(/expected column OH_Website is missing/),
      expect.stringMatching(/extra column OH_CustomRegion/),
    ]));
    const b = await firstBatch(c.read('Organization', { batchSize: 5 }));
    const f = b.records[0]!.fields;
    expect(typeof f.OH_FullName).toBe('string');
    expect(f).not.toHaveProperty('OH_Name');
    expect(f).not.toHaveProperty('OH_Website');
    expect(f.OH_CustomRegion).toBe('EMEA');
  });

  it('given a database of none of the platforms, then every table with a primary key is an entity and a warning says so', async () => {
    const fx = fixtures.get('sap-tm')!;
    const c = new SqlSourceConnector({ connection: fx.connection, platform: 'oracle-tm' });
    const d = await c.discover();
    expect(d.warnings[0]).toMatch(/no known platform recognised/);
    expect(d.streams.map((s) => s.entity)).toContain('BUT000');
    expect(c.sourceSystem).toBe('oracle-tm');
  });
});
