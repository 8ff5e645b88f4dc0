import { afterEach, describe, expect, it } from 'vitest';
import type { RecordBatch } from '../../shared/record-batch.ts';
import { RecordBatchSchema } from '../../shared/record-batch.ts';
import { DeclarativeSourceConnector } from './declarative-connector.ts';
import { defineConnector } from './definition.ts';
import { RateLimiterRegistry } from './rate-limiter.ts';
import { fastClock, startScriptedServer, type ScriptedServer } from './testing.ts';

interface Row { id: string; updatedAt: string; name: string; archived?: boolean }
let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A list API paged by an `after` index, 5 per page; timestamps tie in pairs. */
async function connectorOver(rows: Row[], lookbackSeconds = 0) {
  server = await startScriptedServer((req) => {
    const after = Number(req.query.get('after') ?? '0');
    const page = rows.slice(after, after + 5);
    return { body: { data: page, next: after + 5 < rows.length ? String(after + 5) : null } };
  });
  const def = defineConnector({
    sourceSystem: 'acme', label: 'Acme', baseUrl: server.url, auth: { type: 'api-key', keyField: 'key', name: 'X-Api-Key' },
    paginator: { type: 'cursor-in-body', cursorPath: 'next', param: 'after' },
    streams: [{ name: 'things', path: '/things', recordSelector: 'data', incremental: { cursorField: 'updatedAt', lookbackSeconds }, deletedWhen: { path: 'archived', equals: true } }],
  });
  return new DeclarativeSourceConnector(def, { credentials: { key: 'k-123456' }, clock: fastClock(), rateLimiters: new RateLimiterRegistry() });
}

const ts = (i: number): string => new Date(Date.UTC(2025, 0, 1, 0, 0, Math.floor(i / 2))).toISOString();
const makeRows = (n: number): Row[] => Array.from({ length: n }, (_, i) => ({ id: `r${String(i).padStart(3, '0')}`, updatedAt: ts(i), name: `row ${i}` }));

async function readAll(c: DeclarativeSourceConnector, checkpoint?: RecordBatch['checkpoint'], batchSize = 4): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of c.read('things', { batchSize, checkpoint })) out.push(b);
  return out;
}
const ids = (batches: RecordBatch[]): string[] => batches.flatMap((b) => b.records.map((r) => r.sourceId));

describe('DeclarativeSourceConnector', () => {
  it('given 23 records in pages of 5, then batches of 4 carry them all once, seq increases, and only the last is final', async () => {
    const rows = makeRows(23);
    const c = await connectorOver(rows);
    const batches = await readAll(c);
    expect(ids(batches)).toEqual(rows.map((r) => r.id));
    expect(batches.map((b) => b.seq)).toEqual(batches.map((_, i) => i));
    expect(batches.map((b) => b.final)).toEqual(batches.map((_, i) => i === batches.length - 1));
    for (const b of batches) expect(() => RecordBatchSchema.parse(b)).not.toThrow();
    expect(batches.at(-1)!.checkpoint).toEqual({ cursor: ts(22), ids: ['r022'] });
  });

  it('given any batch checkpoint, then resuming yields exactly the records after that batch', async () => {
    const rows = makeRows(23);
    const c = await connectorOver(rows);
    const batches = await readAll(c);
    const all = ids(batches);
    let seen = 0;
    for (const b of batches.slice(0, -1)) {
      seen += b.records.length;
      expect(ids(await readAll(c, b.checkpoint, 3))).toEqual(all.slice(seen));
    }
  });

  it('given records in no cursor order, then resuming mid-pass still yields every remaining record', async () => {
    const rows = makeRows(17).reverse(); // newest first: a cursor filter on resume would drop them all
    const c = await connectorOver(rows);
    const batches = await readAll(c);
    const all = ids(batches);
    expect(ids(await readAll(c, batches[1]!.checkpoint))).toEqual(all.slice(8));
  });

  it('given a finished pass and new writes that tie the cursor timestamp, then the next pass reads only the new and tied records', async () => {
    const rows = makeRows(10); // r008 and r009 share ts(9)
    const c = await connectorOver(rows);
    const first = await readAll(c);
    const cp = first.at(-1)!.checkpoint;
    expect(cp).toEqual({ cursor: ts(9), ids: ['r008', 'r009'] });
    rows.push({ id: 'r100', updatedAt: ts(9), name: 'tie, written after the pass' });
    rows.push({ id: 'r101', updatedAt: ts(40), name: 'newer' });
    rows[2] = { ...rows[2]!, updatedAt: ts(50), name: 'modified' };
    const second = await readAll(c, cp);
    expect(ids(second).sort()).toEqual(['r002', 'r100', 'r101']);
    expect(second.at(-1)!.checkpoint).toEqual({ cursor: ts(50), ids: ['r002'] });
  });

  it('given a lookback, then the next pass re-reads the overlap window with >= semantics', async () => {
    const rows = makeRows(10);
    const c = await connectorOver(rows, 2);
    const cp = (await readAll(c)).at(-1)!.checkpoint;
    // cursor ts(9) = 00:00:04, minus 2 s = 00:00:02 → rows with ts >= 2 s: r004..r009
    expect(ids(await readAll(c, cp))).toEqual(['r004', 'r005', 'r006', 'r007', 'r008', 'r009']);
  });

  it('given an archived record, then it is emitted as a delete', async () => {
    const rows = makeRows(3);
    rows[1]!.archived = true;
    const c = await connectorOver(rows);
    const recs = (await readAll(c)).flatMap((b) => b.records);
    expect(recs.map((r) => r.op)).toEqual(['upsert', 'delete', 'upsert']);
  });

  it('given an empty source, then one final empty batch is emitted', async () => {
    const c = await connectorOver([]);
    const batches = await readAll(c);
    expect(batches).toHaveLength(1);
    expect(batches[0]).toMatchObject({ seq: 0, records: [], final: true });
  });

  it('given an unknown entity, then the error lists the known streams', async () => {
    const c = await connectorOver([]);
    expect(() => c.read('nope', { batchSize: 1 })).toThrow(/unknown stream "nope" for acme; known: things/);
  });

  it('given check() against a server that answers, then it reports ok; and sample() returns at most the limit', async () => {
    const c = await connectorOver(makeRows(8));
    expect((await c.check()).ok).toBe(true);
    expect((await c.sample('things', 3)).records).toHaveLength(3);
  });
});
