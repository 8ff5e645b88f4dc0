import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRecordBatch, type SourceRecord } from '../../shared/record-batch.ts';
import { uuidv5 } from '../../shared/ids.ts';
import { migrate } from '../db/migrate.ts';
import { createTestSchema, TEST_DATABASE_URL, type TestSchema } from '../../test/support/pg.ts';
import { syntheticCounts, syntheticSource } from './synthetic-source.ts';
import { measureCopyBaselineDetailed } from './copy-baseline.ts';
import pg from 'pg';

async function all(entity: string, records: number, seed: number, batchSize = 97, checkpoint?: { offset: number }): Promise<{ recs: SourceRecord[]; checkpoints: { offset: number }[] }> {
  const src = syntheticSource({ records, seed });
  const recs: SourceRecord[] = [];
  const checkpoints: { offset: number }[] = [];
  for await (const b of src.read(entity, { batchSize, checkpoint })) {
    const p = parseRecordBatch(b);
    recs.push(...p.records);
    checkpoints.push(p.checkpoint as { offset: number });
  }
  return { recs, checkpoints };
}

describe('syntheticSource', () => {
  it.each([100, 1000, 12345])('given %i records, then the entity counts add up to it', (n) => {
    const counts = syntheticCounts(n);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(n);
  });

  it('given the same seed, then records are identical, and another seed changes them', async () => {
    const a = await all('Account', 500, 7);
    const b = await all('Account', 500, 7);
    const c = await all('Account', 500, 8);
    expect(a.recs).toEqual(b.recs);
    expect(a.recs).not.toEqual(c.recs);
    expect(a.recs).toHaveLength(50);
  });

  it('given a checkpoint, then resuming yields exactly the remaining records', async () => {
    const full = await all('Shipment', 2000, 1, 60);
    const cp = full.checkpoints[3]!;
    const rest = await all('Shipment', 2000, 1, 60, cp);
    expect(rest.recs.map((r) => r.sourceId)).toEqual(full.recs.slice(cp.offset).map((r) => r.sourceId));
    const done = await all('Shipment', 2000, 1, 60, full.checkpoints.at(-1));
    expect(done.recs).toEqual([]);
  });

  it('given every entity, then each reference points at a record the source emits', async () => {
    const n = 3000;
    const ids = new Set<string>();
    const refs: string[] = [];
    const src = syntheticSource({ records: n, seed: 3 });
    for (const e of await src.entities()) {
      for await (const b of src.read(e, { batchSize: 500 })) {
        for (const r of b.records) {
          ids.add(r.sourceId);
          for (const k of ['ParentId', 'AccountId', 'ContactId', 'ShipmentId', 'MasterId']) {
            const v = r.fields[k];
            if (typeof v === 'string') refs.push(v);
          }
        }
      }
    }
    expect(ids.size).toBe(n);
    expect(refs.length).toBeGreaterThan(n / 2);
    expect(refs.filter((r) => !ids.has(r))).toEqual([]);
  });
});

describe('measureCopyBaseline', () => {
  let db: TestSchema;
  const tenant = uuidv5('bench-tenant');
  beforeAll(async () => {
    db = await createTestSchema('bench');
    await migrate(db.pool, 'target', db.schema);
    await db.pool.query(`INSERT INTO tenants (id, name, slug) VALUES ($1, 'Bench', 'bench')`, [tenant]);
    // Parents with higher ids than children: only a deferred FK check accepts them in id order.
    for (let i = 1; i <= 30; i++) {
      await db.pool.query(`INSERT INTO accounts (id, tenant_id, name, parent_account_id) VALUES ($1, $2, $3, $4)`, [uuidv5(`acc${i}`), tenant, `Acc ${i}`, i > 1 ? uuidv5('acc1') : null]);
    }
    for (let i = 1; i <= 45; i++) {
      await db.pool.query(`INSERT INTO contacts (id, tenant_id, account_id, last_name) VALUES ($1, $2, $3, $4)`, [uuidv5(`con${i}`), tenant, uuidv5(`acc${1 + (i % 30)}`), `Last ${i}`]);
    }
  });
  afterAll(async () => {
    await db.drop();
  });

  it('given loaded target tables, then psql \\copy reloads the same rows into an identical schema, timed, and drops it', async () => {
    const res = await measureCopyBaselineDetailed({ url: TEST_DATABASE_URL, sourceSchema: db.schema, tables: ['contacts', 'accounts'] });
    expect(res.rows).toEqual([
      { table: 'accounts', rows: 30 },
      { table: 'contacts', rows: 45 },
    ]);
    expect(res.seconds).toBeGreaterThan(0);
    const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await c.connect();
    try {
      const left = await c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [res.schema]);
      expect(left.rowCount).toBe(0);
    } finally {
      await c.end();
    }
  });
});
