import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlatformDescription, PLATFORMS } from '../platform-description.ts';
import { generateRow, tableCounts } from './generate.ts';
import { sampleFixture, type SampleFixture } from './fixtures.ts';

async function digest(fx: SampleFixture, platform: string): Promise<Record<string, string>> {
  const d = loadPlatformDescription(platform);
  const out: Record<string, string> = {};
  for (const e of d.entities) {
    const rows = await fx.exec(`SELECT * FROM ${fx.q(e.table)} ORDER BY ${e.key.map((k) => fx.q(k)).join(', ')}`);
    out[e.table] = createHash('sha256').update(JSON.stringify(rows, (_k, v) => (v instanceof Date ? v.toISOString() : v))).digest('hex');
  }
  return out;
}

/** Number of non-null references with no parent row, per child column. */
async function orphans(fx: SampleFixture, platform: string): Promise<Record<string, number>> {
  const d = loadPlatformDescription(platform);
  const out: Record<string, number> = {};
  for (const e of d.entities) {
    for (const c of e.columns) {
      if (!c.references || !c.gen || typeof c.gen !== 'object' || !('ref' in c.gen)) continue;
      const parent = d.entities.find((p) => p.entity === c.references)!;
      const [r] = await fx.exec(
        `SELECT COUNT(*) AS n FROM ${fx.q(e.table)} c WHERE c.${fx.q(c.name)} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${fx.q(parent.table)} p WHERE p.${fx.q(parent.key[0]!)} = c.${fx.q(c.name)})`,
      );
      out[`${e.table}.${c.name}`] = Number(r!.n);
    }
  }
  return out;
}

describe('sample row generation', () => {
  it.each(PLATFORMS)('given the %s description and a seed, then every row is a pure function of (seed, table, index)', (platform) => {
    const d = loadPlatformDescription(platform);
    const counts = tableCounts(d, 5000);
    let differing = 0;
    for (const e of d.entities) {
      const a = generateRow({ d, seed: 42, counts, badData: true }, e, 17);
      const b = generateRow({ d, seed: 42, counts, badData: true }, e, 17);
      const c = generateRow({ d, seed: 43, counts, badData: true }, e, 17);
      expect(a).toEqual(b);
      if (JSON.stringify(c) !== JSON.stringify(a)) differing++;
    }
    // Pure link tables (codes and sequential references) do not depend on the seed; the rest do.
    expect(differing).toBeGreaterThanOrEqual(d.entities.length - 2);
  });

  it('given a target of 10M rows, then table sizes add up to about that many and children follow their parents', () => {
    const d = loadPlatformDescription('cargowise');
    const counts = tableCounts(d, 10_000_000);
    const total = [...counts.values()].reduce((s, n) => s + n, 0);
    expect(total).toBeGreaterThan(9_000_000);
    expect(total).toBeLessThan(11_000_000);
    expect(counts.get('JobRouting')).toBe(counts.get('JobShipment')! * 2);
    expect(counts.get('AccTransactionLines')).toBe(counts.get('AccTransactionHeader')! * 3);
  });
});

describe.each(['postgres', 'mysql'] as const)('sample database on %s', (dialect) => {
  let a: SampleFixture;
  let b: SampleFixture;
  let bad: SampleFixture;
  beforeAll(async () => {
    a = await sampleFixture(dialect, 'cargowise', 500, 99);
    b = await sampleFixture(dialect, 'cargowise', 500, 99);
    bad = await sampleFixture(dialect, 'cargowise', 1000, 99, true);
  });
  afterAll(async () => {
    for (const f of [a, b, bad]) await f?.drop();
  });

  it('given the same seed twice, then both databases hold identical rows', async () => {
    expect(await digest(a, 'cargowise')).toEqual(await digest(b, 'cargowise'));
    expect(a.result.totalRows).toBeGreaterThan(400);
  });

  it('given clean generation, then every reference points at an existing row', async () => {
    const o = await orphans(a, 'cargowise');
    expect(Object.keys(o).length).toBeGreaterThan(10);
    expect(Object.entries(o).filter(([, n]) => n > 0)).toEqual([]);
  });

  it('given --bad-data, then orphans, duplicate and null business keys, impossible dates, mojibake and a 1 MB memo appear', async () => {
    const o = await orphans(bad, 'cargowise');
    expect(Object.values(o).reduce((s, n) => s + n, 0)).toBeGreaterThan(0);
    const q = bad.q;
    const [dupCodes] = await bad.exec(`SELECT COUNT(${q('JS_UniqueConsignRef')}) - COUNT(DISTINCT ${q('JS_UniqueConsignRef')}) AS d, SUM(CASE WHEN ${q('JS_UniqueConsignRef')} IS NULL THEN 1 ELSE 0 END) AS nulls FROM ${q('JobShipment')}`);
    expect(Number(dupCodes!.d) + Number(dupCodes!.nulls)).toBeGreaterThan(0);
    const [dates] = await bad.exec(`SELECT COUNT(*) AS n FROM ${q('JobShipment')} WHERE ${q('JS_E_DEP')} < '1901-01-01' OR ${q('JS_E_DEP')} > '9000-01-01' OR ${q('JS_E_ARV')} < '1901-01-01' OR ${q('JS_E_ARV')} > '9000-01-01'`);
    expect(Number(dates!.n)).toBeGreaterThan(0);
    const [moji] = await bad.exec(`SELECT COUNT(*) AS n FROM ${q('OrgHeader')} WHERE ${q('OH_FullName')} LIKE '%Ã%' OR ${q('OH_FullName')} LIKE '%â€%' OR ${q('OH_FullName')} LIKE '%Ω%' OR ${q('OH_FullName')} LIKE '%İ%' OR ${q('OH_FullName')} LIKE '%\uFFFD%' OR ${q('OH_FullName')} LIKE '%e\u0301%'`);
    const [mojiAny] = await bad.exec(`SELECT COUNT(*) AS n FROM ${q('JobShipment')} WHERE ${q('JS_GoodsDescription')} LIKE '%Ã%' OR ${q('JS_GoodsDescription')} LIKE '%â€%' OR ${q('JS_GoodsDescription')} LIKE '%Ω%'`);
    expect(Number(moji!.n) + Number(mojiAny!.n)).toBeGreaterThan(0);
    const lenFn = dialect === 'postgres' ? 'length' : 'CHAR_LENGTH';
    const [memo] = await bad.exec(`SELECT MAX(${lenFn}(${q('JS_GoodsDescription')})) AS n FROM ${q('JobShipment')}`);
    expect(Number(memo!.n)).toBeGreaterThanOrEqual(1024 * 1024 - 16);
  });
});
