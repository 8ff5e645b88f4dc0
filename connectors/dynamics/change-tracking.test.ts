import { describe, expect, it } from 'vitest';
import { parseRecordBatch, type RecordBatch } from '../../shared/record-batch.ts';
import { RateLimiterRegistry } from '../sdk/index.ts';
import { parseDeltaCheckpoint, readDeltaPage } from './change-tracking.ts';
import { startEmulator, type DynamicsEmulatorHandle, type DynamicsEmulatorOptions } from './emulator/index.ts';
import { createConnector } from './index.ts';

async function collect(it: AsyncIterable<RecordBatch>): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of it) out.push(parseRecordBatch(JSON.parse(JSON.stringify(b))));
  return out;
}

const ops = (batches: RecordBatch[]): string[] => batches.flatMap((b) => b.records.map((r) => `${r.op}:${r.sourceId}`));

async function withConnector<T>(opts: DynamicsEmulatorOptions, fn: (emu: DynamicsEmulatorHandle, c: ReturnType<typeof createConnector>) => Promise<T>): Promise<T> {
  const emu = await startEmulator(opts);
  const c = createConnector({ credentials: emu.credentials, baseUrl: emu.url, tokenUrl: emu.tokenUrl, pageSize: 4, rateLimiters: new RateLimiterRegistry() });
  try {
    return await fn(emu, c);
  } finally {
    await c.close();
    await emu.close();
  }
}

describe('Dataverse delta responses', () => {
  it('given a delta page with a changed record and a $deletedEntity entry, then they become an upsert and a delete keyed by the record id', () => {
    const page = readDeltaPage({
      '@odata.context': 'https://org.crm.dynamics.com/api/data/v9.2/$metadata#accounts(name)/$delta',
      '@odata.deltaLink': 'https://org.crm.dynamics.com/api/data/v9.2/accounts?$select=name&$deltatoken=919042%2108%2f22%2f2017%2008%3a10%3a44',
      value: [
        { '@odata.etag': 'W/"915244"', name: 'Monte Orton', accountid: '60C4E274-0D87-E711-80E5-00155DB19E6D' },
        { '@odata.context': 'https://org.crm.dynamics.com/api/data/v9.2/$metadata#accounts/$deletedEntity', id: '821174D9-0A87-E711-80E5-00155DB19E6D', reason: 'deleted' },
      ],
    }, 'account', 'accountid');
    expect(page.records).toEqual([
      { sourceId: '60c4e274-0d87-e711-80e5-00155db19e6d', op: 'upsert', fields: { name: 'Monte Orton', accountid: '60C4E274-0D87-E711-80E5-00155DB19E6D' } },
      { sourceId: '821174d9-0a87-e711-80e5-00155db19e6d', op: 'delete', fields: { accountid: '821174d9-0a87-e711-80e5-00155db19e6d', reason: 'deleted' } },
    ]);
    expect(page.deltaLink).toMatch(/\$deltatoken=919042/);
    expect(page.nextLink).toBeUndefined();
  });

  it.each([
    ['a finished full pass with a delta link', { cursor: '2026-01-01T00:00:00.000Z', deltaLink: 'https://x/accounts?$deltatoken=1' }, true],
    ['a position inside a delta pass', { deltaPage: 'https://x/accounts?$deltatoken=1', skip: 2 }, true],
    ['a position inside a full pass', { page: { url: 'https://x/accounts?$skiptoken=a' }, skip: 3, cursor: '2026-01-01T00:00:00.000Z' }, false],
    ['a cursor-only checkpoint (no change tracking)', { cursor: '2026-01-01T00:00:00.000Z', ids: ['a'] }, false],
  ])('given %s, then the delta path is taken: %s', (_what, cp, delta) => {
    expect(parseDeltaCheckpoint(cp) !== undefined).toBe(delta);
  });
});

describe('Dynamics connector change tracking against the emulator', () => {
  it('given edits and deletions after a full pass, then the next pass emits exactly those as upserts and deletes and ends on a new delta link', async () => {
    await withConnector({ records: 12, seed: 41 }, async (emu, c) => {
      const full = await collect(c.read('task', { batchSize: 5 }));
      expect(full.flatMap((b) => b.records)).toHaveLength(12);
      const done = full[full.length - 1]!.checkpoint;
      expect(done['deltaLink']).toEqual(expect.stringContaining('$deltatoken='));
      const edited = emu.control.modify('task', 2, { subject: 'Edited after the full pass' });
      const gone = [emu.control.remove('task', 7), emu.control.remove('task', 0)];
      const inc = await collect(c.read('task', { batchSize: 5, checkpoint: done }));
      expect(ops(inc)).toEqual([`upsert:${edited}`, `delete:${gone[0]}`, `delete:${gone[1]}`]);
      expect(inc[0]!.records[0]!.fields['subject']).toBe('Edited after the full pass');
      const end = inc[inc.length - 1]!.checkpoint;
      expect(end['deltaLink']).not.toBe(done['deltaLink']);
      expect(String(end['cursor']) > String(done['cursor'])).toBe(true);
      expect(ops(await collect(c.read('task', { batchSize: 5, checkpoint: end })))).toEqual([]);
    });
  });

  it.each([[0], [1], [2]])('given a delta pass stopped after batch %i, then resuming from its checkpoint yields exactly the remaining changes', async (k) => {
    await withConnector({ records: 12, seed: 42 }, async (emu, c) => {
      const full = await collect(c.read('task', { batchSize: 50 }));
      const done = full[full.length - 1]!.checkpoint;
      for (const i of [1, 3, 5, 7, 9]) emu.control.modify('task', i, { subject: `edit ${i}` });
      for (const i of [2, 4]) emu.control.remove('task', i);
      const inc = await collect(c.read('task', { batchSize: 2, checkpoint: done }));
      expect(ops(inc)).toHaveLength(7);
      const rest = await collect(c.read('task', { batchSize: 2, checkpoint: inc[k]!.checkpoint }));
      expect([...ops(inc.slice(0, k + 1)), ...ops(rest)]).toEqual(ops(inc));
    });
  });

  it('given a table without change tracking, then discovery says so, its checkpoint carries no delta link and the next pass uses the modifiedon cursor (edits found, deletions not)', async () => {
    await withConnector({ records: 12, seed: 43, untrackedTables: ['task'] }, async (emu, c) => {
      const full = await collect(c.read('task', { batchSize: 50 }));
      const done = full[full.length - 1]!.checkpoint;
      expect(done['deltaLink']).toBeUndefined();
      expect(done['cursor']).toEqual(expect.any(String));
      const edited = emu.control.modify('task', 1, { subject: 'Edited' });
      emu.control.remove('task', 3);
      const inc = ops(await collect(c.read('task', { batchSize: 50, checkpoint: done })));
      expect(inc).toContain(`upsert:${edited}`);
      expect(inc.filter((x) => x.startsWith('delete:'))).toEqual([]);
      // Discovery reports it from EntityMetadata.ChangeTrackingEnabled.
      const streams = (await c.discover()).streams;
      expect(streams.find((s) => s.entity === 'task')!.supportsDeletes).toBe(false);
      expect(streams.find((s) => s.entity === 'account')!.supportsDeletes).toBe(true);
    });
  });
});
