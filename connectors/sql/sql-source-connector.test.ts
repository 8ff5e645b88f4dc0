import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordBatch } from '../../shared/record-batch.ts';
import { parseRecordBatch } from '../../shared/record-batch.ts';
import { SqlAbortedError } from './errors.ts';
import { sampleFixture, type SampleFixture } from './sample/fixtures.ts';
import { SqlSourceConnector } from './sql-source-connector.ts';

async function collectBatches(it: AsyncIterable<RecordBatch>, stopAfter = Infinity): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of it) {
    out.push(parseRecordBatch(b) as RecordBatch);
    if (out.length >= stopAfter) break;
  }
  return out;
}
const ids = (bs: RecordBatch[]): string[] => bs.flatMap((b) => b.records.map((r) => r.sourceId));

describe.each(['postgres', 'mysql'] as const)('SqlSourceConnector on %s', (dialect) => {
  let fx: SampleFixture;
  let allKeys: string[];
  const entity = 'InvoiceLine';
  const table = 'AccTransactionLines';

  beforeAll(async () => {
    fx = await sampleFixture(dialect, 'cargowise', 2000, 11);
    allKeys = (await fx.exec(`SELECT ${fx.q('AL_PK')} AS k FROM ${fx.q(table)}`)).map((r) => String(r.k).toLowerCase());
  });
  afterAll(async () => {
    await fx?.drop();
  });

  it('given a batch size that does not divide the table, then keyset paging emits every row exactly once and only the last batch is final', async () => {
    const c = new SqlSourceConnector({ connection: fx.connection, platform: 'cargowise' });
    const batches = await collectBatches(c.read(entity, { batchSize: 37 }));
    const got = ids(batches);
    expect(new Set(got).size).toBe(got.length);
    expect([...got].sort()).toEqual([...allKeys].sort());
    expect(batches.map((b) => b.seq)).toEqual(batches.map((_, i) => i));
    expect(batches.filter((b) => b.final)).toHaveLength(1);
    expect(batches.at(-1)!.final).toBe(true);
    expect(batches.every((b) => b.sourceSystem === 'cargowise' && b.entity === entity)).toBe(true);
  });

  it('given a checkpoint from the middle of a pass, then resuming yields exactly the remaining rows', async () => {
    const c = new SqlSourceConnector({ connection: fx.connection, platform: 'cargowise' });
    const full = ids(await collectBatches(c.read(entity, { batchSize: 50 })));
    const head = await collectBatches(c.read(entity, { batchSize: 50 }), 4);
    const rest = await collectBatches(c.read(entity, { batchSize: 50, checkpoint: head.at(-1)!.checkpoint }));
    expect([...ids(head), ...ids(rest)]).toEqual(full);
    expect(ids(rest)).toHaveLength(full.length - 200);
  });

  it('given 1% of rows updated after a full pass, some sharing the previous high-water timestamp, then the incremental pass yields exactly those rows plus the boundary row it re-reads', async () => {
    const m = fx.q('AL_SystemLastEditTimeUtc');
    const k = fx.q('AL_PK');
    // Pin the high-water mark to a known row in the middle of the key range.
    const sorted = [...allKeys].sort();
    const pivot = sorted[Math.floor(sorted.length / 2)]!;
    await fx.exec(`UPDATE ${fx.q(table)} SET ${m} = '2030-01-01 00:00:00' WHERE ${k} = $1`, [pivot]);
    const c = new SqlSourceConnector({ connection: fx.connection, platform: 'cargowise' });
    const full = await collectBatches(c.read(entity, { batchSize: 100 }));
    const last = full.at(-1)!.checkpoint;
    expect(last).toMatchObject({ mode: 'keyset', done: true, hw: { key: [pivot] } });

    const n = Math.ceil(allKeys.length / 100);
    const sameStamp = sorted.filter((x) => x > pivot).slice(0, Math.ceil(n / 2));
    const later = sorted.filter((x) => x < pivot).slice(0, n - sameStamp.length);
    // A row with a smaller key than the pivot, written at the boundary instant but committed after the read.
    const lateCommit = sorted.filter((x) => x < pivot && !later.includes(x)).at(-1)!;
    sameStamp.push(lateCommit);
    for (const key of sameStamp) await fx.exec(`UPDATE ${fx.q(table)} SET ${m} = '2030-01-01 00:00:00' WHERE ${k} = $1`, [key]);
    for (const key of later) await fx.exec(`UPDATE ${fx.q(table)} SET ${m} = '2030-01-01 00:00:05' WHERE ${k} = $1`, [key]);

    const inc = await collectBatches(c.read(entity, { batchSize: 2, checkpoint: last }));
    // The new pass overlaps the previous boundary instant, so the pivot row is read again too.
    expect([...ids(inc)].sort()).toEqual([pivot, ...sameStamp, ...later].sort());
    expect(ids(inc)).toHaveLength(n + 2);
    const again = await collectBatches(c.read(entity, { batchSize: 2, checkpoint: inc.at(-1)!.checkpoint }));
    expect([...ids(again)].sort()).toEqual([...later].sort());
    expect(again.at(-1)!.final).toBe(true);
  });

  it('given four partitions of a uuid-keyed entity, then they cover every row with no overlap', async () => {
    const c = new SqlSourceConnector({ connection: fx.connection, platform: 'cargowise' });
    const parts = await c.partitions(entity, 4);
    expect(parts).toHaveLength(4);
    const per = await Promise.all(parts.map(async (p) => ids(await collectBatches(c.read(entity, { batchSize: 64, checkpoint: p })))));
    const union = per.flat();
    expect(per.every((p) => p.length > 0)).toBe(true);
    expect(new Set(union).size).toBe(union.length);
    expect([...union].sort()).toEqual([...allKeys].sort());
  });

  it('given a reachable source, then check() reports the server and a read-only session; an unreachable one fails without the password', async () => {
    const ok = await new SqlSourceConnector({ connection: fx.connection, platform: 'cargowise' }).check();
    expect(ok).toMatchObject({ ok: true, details: { readOnly: true } });
    const secret = 'N0t-The-Passw0rd';
    const url = dialect === 'postgres' ? `postgres://postgres:${secret}@127.0.0.1:1/test` : `mysql://root:${secret}@127.0.0.1:1/test`;
    const bad = await new SqlSourceConnector({ connection: { dialect, url, connectTimeoutMs: 2000 } }).check();
    expect(bad.ok).toBe(false);
    expect(bad.message).not.toContain(secret);
  });

  it('given an aborted signal, then the read stops with SqlAbortedError', async () => {
    const c = new SqlSourceConnector({ connection: fx.connection, platform: 'cargowise' });
    const ac = new AbortController();
    const run = async (): Promise<number> => {
      let n = 0;
      for await (const b of c.read(entity, { batchSize: 10, signal: ac.signal })) {
        n += b.records.length;
        ac.abort();
      }
      return n;
    };
    await expect(run()).rejects.toBeInstanceOf(SqlAbortedError);
  });

  it('given typed columns, then values come out as naive ISO timestamps, decimal strings, booleans and lowercase uuids', async () => {
    const c = new SqlSourceConnector({ connection: fx.connection, platform: 'cargowise' });
    const [b] = await collectBatches(c.read('Invoice', { batchSize: 5 }), 1);
    const f = b!.records[0]!.fields;
    expect(f.AH_SystemLastEditTimeUtc).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/);
    expect(f.AH_InvoiceDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(f.AH_ExchangeRate).toMatch(/^\d+\.\d{9}$/);
    expect(typeof f.AH_IsCancelled).toBe('boolean');
    expect(f.AH_PK).toBe(String(f.AH_PK).toLowerCase());
    expect(f.ShipmentPK).toMatch(/^[0-9a-f-]{36}$/);
  });
});
