import { readFile, mkdtemp, rm, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MappingSchema } from '../../shared/mapping/schema.ts';
import { CsvConnector } from '../../connectors/csv/index.ts';
import { migrate } from '../../control-plane/db/migrate.ts';
import { createTestSchema, type TestSchema } from '../../test/support/pg.ts';
import type { SourceRecord } from '../../shared/record-batch.ts';
import { generateDemo, writeDemo } from './generate.ts';
import { DEMO_DIR, DEMO_MAPPING, seedDemoTenant } from './seed.ts';

const TENANT = '11111111-2222-4333-8444-555555555555';

async function readEntity(c: CsvConnector, entity: string): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const b of c.read(entity, { batchSize: 500 })) out.push(...b.records);
  return out;
}

describe('demo dataset', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'demo-gen-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('given the committed seed, then regenerating reproduces the committed CSVs byte for byte', async () => {
    const out = path.join(tmp, 'data');
    await writeDemo(out, generateDemo(42));
    const files = (await readdir(DEMO_DIR)).sort();
    expect((await readdir(out)).sort()).toEqual(files);
    for (const f of files) {
      expect(await readFile(path.join(out, f), 'utf8'), f).toBe(await readFile(path.join(DEMO_DIR, f), 'utf8'));
    }
    expect(await readFile(path.join(tmp, 'users.csv'), 'utf8')).toBe(await readFile(path.join(DEMO_DIR, '..', 'users.csv'), 'utf8'));
  });

  it('given the demo mapping with TENANT_ID and FRANCHISE_ID, then it validates and maps every demo entity', async () => {
    const text = (await readFile(DEMO_MAPPING, 'utf8')).replace(/\$\{(TENANT_ID|FRANCHISE_ID)\}/g, TENANT);
    const mapping = MappingSchema.parse(parseYaml(text));
    const c = await new CsvConnector({ dir: DEMO_DIR }).open();
    expect(Object.keys(mapping.entities).sort()).toEqual((await c.entities()).sort());
    expect(mapping.sourceSystem).toBe(c.sourceSystem);
  });

  it('given the demo CSVs, then they read cleanly with thousands of records, the relationships and the planted bad records', async () => {
    const c = await new CsvConnector({ dir: DEMO_DIR }).open();
    let total = 0;
    const byEntity: Record<string, SourceRecord[]> = {};
    for (const e of await c.entities()) {
      byEntity[e] = await readEntity(c, e);
      total += byEntity[e]!.length;
      expect(byEntity[e]!.filter((r) => r.reject), `${e} has no CSV-level errors`).toEqual([]);
    }
    expect(total).toBeGreaterThan(3000);
    const accounts = byEntity['Account']!;
    const ids = accounts.map((r) => r.sourceId);
    expect(ids.length - new Set(ids).size).toBe(1); // one duplicate id
    expect(accounts.filter((r) => r.fields['Name'] === null)).toHaveLength(1); // missing required name
    expect(accounts.some((r) => typeof r.fields['ParentId'] === 'string')).toBe(true);
    const accountIds = new Set(ids);
    const contacts = byEntity['Contact']!;
    expect(contacts.filter((r) => !accountIds.has(String(r.fields['AccountId'])))).toHaveLength(1); // orphan
    expect(contacts.filter((r) => String(r.fields['Email']).length > 320)).toHaveLength(1);
    expect(byEntity['Opportunity']!.filter((r) => r.fields['CloseDate'] === '2024-13-45')).toHaveLength(1);
    const stages = new Set(byEntity['Opportunity']!.map((r) => r.fields['StageName']));
    expect(stages.has('Verbal Commit') && stages.has('On Hold')).toBe(true);
    const shipments = byEntity['Shipment']!;
    expect(shipments.filter((r) => r.fields['IsMaster'] === 'true')).toHaveLength(40);
    expect(shipments.filter((r) => typeof r.fields['MasterId'] === 'string')).toHaveLength(120);
    const legsPerShipment = new Map<string, number>();
    for (const l of byEntity['RoutingLeg']!) legsPerShipment.set(String(l.fields['ShipmentId']), (legsPerShipment.get(String(l.fields['ShipmentId'])) ?? 0) + 1);
    expect(Math.max(...legsPerShipment.values())).toBe(3);
    const users = byEntity['User']!;
    const target = (await readFile(path.join(DEMO_DIR, '..', 'users.csv'), 'utf8')).toLowerCase();
    expect(users.filter((u) => !target.includes(String(u.fields['Email']).toLowerCase()))).toHaveLength(4); // unmatched owners
  });

  describe('seedDemoTenant', () => {
    let db: TestSchema;
    beforeAll(async () => {
      db = await createTestSchema('demo');
      await migrate(db.pool, 'target', db.schema);
    });
    afterAll(async () => {
      await db.drop();
    });

    it('given a fresh target schema, then it creates the tenant, a franchise and the users, and a second call changes nothing', async () => {
      const first = await seedDemoTenant(db.pool, db.schema, TENANT);
      const second = await seedDemoTenant(db.pool, db.schema, TENANT);
      expect(second.franchiseId).toBe(first.franchiseId);
      const { rows } = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM users WHERE tenant_id = $1', [TENANT]);
      expect(Number(rows[0]!.n)).toBe(first.users);
      expect(first.users).toBe(21);
      const t = await db.pool.query('SELECT 1 FROM tenants t JOIN franchises f ON f.tenant_id = t.id WHERE t.id = $1', [TENANT]);
      expect(t.rowCount).toBe(1);
    });
  });
});
