import { mkdtemp, open, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTransportKeyPair } from '../../shared/crypto/index.ts';
import { CsvConnector } from '../../connectors/csv/index.ts';
import type { SourceConnector } from '../../shared/connector.ts';
import type { SourceRecord } from '../../shared/record-batch.ts';
import { writeBundle } from '../../agent/bundle/writer.ts';
import { syntheticSource } from '../bench/synthetic-source.ts';
import { BundleRejectedError, verifyBundle } from './verify.ts';
import { memoryAgents, testAgent } from './testing/test-agent.ts';
import { bundleSource } from './bundle-source.ts';

const TENANT = '0f0e0d0c-0b0a-4908-8706-050403020100';
const key = generateTransportKeyPair();
const signer = testAgent(TENANT);
const agents = memoryAgents(signer);

/** A small source with typed values, nested JSON, a delete, and a field that appears late. */
function typedSource(): SourceConnector {
  const batches: Record<string, SourceRecord[][]> = {
    Deal: [
      [
        { sourceId: 'd1', op: 'upsert', fields: { name: 'Alpha, "quoted"', amount: 12.5, won: true, tags: ['a', 'b'], props: { x: { y: null } }, note: null } },
        { sourceId: 'd2', op: 'delete', fields: { name: 'Gone' } },
      ],
      [{ sourceId: 'd3', op: 'upsert', fields: { name: 'multi\nline', amount: 0, lateField: 'appears in batch 2', empty: '' } }],
    ],
    Empty: [[]],
  };
  return {
    sourceSystem: 'typed',
    check: async () => ({ ok: true, message: 'ok' }),
    discover: async () => ({ sourceSystem: 'typed', streams: [], warnings: [] }),
    entities: async () => Object.keys(batches),
    async *read(entity) {
      for (const [seq, records] of batches[entity]!.entries()) {
        yield { v: 1, sourceSystem: 'typed', entity, seq, records, checkpoint: { page: seq + 1 }, final: seq === batches[entity]!.length - 1 };
      }
    },
    close: async () => {},
  };
}

async function records(src: SourceConnector, entity: string): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const b of src.read(entity, { batchSize: 1000 })) out.push(...b.records.map((r) => ({ ...r, op: r.op ?? 'upsert' })));
  return out;
}

describe('offline bundle', () => {
  let dir: string;
  let bundle: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bundle-test-'));
    bundle = path.join(dir, 'typed.nxb');
    await writeBundle({ source: typedSource(), tenantId: TENANT, recipientPublicKey: key.publicKey, out: bundle, signer: signer.signer });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('given an exported bundle, then verifying it yields the same records, types, deletes and cursors as the source', async () => {
    const v = await verifyBundle(bundle, { tenantId: TENANT, key, agents, outDir: path.join(dir, 'out-ok') });
    expect(v.manifest.sourceSystem).toBe('typed');
    expect(v.manifest.entities['Deal']!.rows).toBe(3);
    expect(v.manifest.entities['Deal']!.cursor).toEqual({ page: 2 });
    expect(v.manifest.entities['Empty']!.rows).toBe(0);
    const csv = await new CsvConnector({ dir: v.dir! }).open();
    expect(csv.sourceSystem).toBe('typed');
    expect(await records(csv, 'Deal')).toEqual(await records(typedSource(), 'Deal'));
    expect(await records(csv, 'Empty')).toEqual([]);
    // Nothing readable in the file itself.
    expect((await readFile(bundle)).includes(Buffer.from('Alpha'))).toBe(false);
  });

  it('given a verified bundle without an output folder, then its source streams the same records straight from the frames', async () => {
    const v = await verifyBundle(bundle, { tenantId: TENANT, key, agents });
    expect(v.dir).toBeUndefined();
    const src = await bundleSource(v);
    expect(src.sourceSystem).toBe('typed');
    expect((await src.entities()).sort()).toEqual(['Deal', 'Empty']);
    expect(await records(src, 'Deal')).toEqual(await records(typedSource(), 'Deal'));
    expect(await records(src, 'Empty')).toEqual([]);
  });

  it('given a 1,500-record source, then the bundle round-trips every record of every entity', async () => {
    const src = syntheticSource({ records: 1500, seed: 5 });
    const file = path.join(dir, 'synthetic.nxb');
    const res = await writeBundle({ source: src, tenantId: TENANT, recipientPublicKey: key.publicKey, out: file, batchSize: 200, signer: signer.signer });
    expect(res.manifest.totalRows).toBe(1500);
    const v = await verifyBundle(file, { tenantId: TENANT, key, agents, outDir: path.join(dir, 'out-syn') });
    const csv = await new CsvConnector({ dir: v.dir! }).open();
    for (const e of await src.entities()) expect(await records(csv, e), e).toEqual(await records(src, e));
  });

  const corruptions: { name: string; reason: string; damage: (file: string, size: number) => Promise<string | void>; message: RegExp }[] = [
    { name: 'a flipped byte in a data frame', reason: 'tampered', message: /frame 0 \(csv:Deal\).*authentication failed/, damage: async (f, size) => flip(f, Math.floor(size / 3)) },
    { name: 'a flipped byte in the manifest frame', reason: 'tampered', message: /\(manifest\).*authentication failed/, damage: async (f, size) => flip(f, size - 5) },
    { name: 'the tenant edited in the plaintext header', reason: 'tampered', message: /could not be unwrapped/, damage: editHeaderTenant },
    { name: 'the manifest cut off', reason: 'truncated', message: /file ends inside frame/, damage: async (f, size) => truncate(f, size - 40) },
    { name: 'everything after the first frame cut off', reason: 'truncated', message: /without the manifest/, damage: cutAfterFirstFrame },
    { name: 'trailing bytes appended', reason: 'tampered', message: /after the manifest/, damage: async (f) => writeFile(f, Buffer.from('extra'), { flag: 'a' }) },
    { name: 'not a bundle at all', reason: 'not-a-bundle', message: /signature/, damage: async (f) => writeFile(f, 'Id,Name\n1,a\n') },
  ];
  for (const c of corruptions) {
    it(`given ${c.name}, then the whole bundle is rejected as ${c.reason} and no CSV is produced`, async () => {
      const copy = path.join(dir, `bad-${c.reason}-${Math.random().toString(36).slice(2)}.nxb`);
      await writeFile(copy, await readFile(bundle));
      // A damage step may return the tenant the attacker then claims on import.
      const claimed = (await c.damage(copy, (await stat(copy)).size)) ?? TENANT;
      const out = path.join(dir, `out-${path.basename(copy)}`);
      const err = await verifyBundle(copy, { tenantId: claimed, key, agents, outDir: out }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BundleRejectedError);
      expect((err as BundleRejectedError).reason).toBe(c.reason);
      expect((err as Error).message).toMatch(c.message);
      expect((err as Error).message).toMatch(/nothing was loaded/);
      await expect(stat(out)).rejects.toThrow(); // no decrypted bytes left behind
    });
  }

  it('given another tenant, then the bundle is rejected naming both tenants', async () => {
    const err = await verifyBundle(bundle, { tenantId: 'someone-else', key, agents, outDir: path.join(dir, 'out-tenant') }).catch((e: unknown) => e);
    expect((err as BundleRejectedError).reason).toBe('wrong-tenant');
    expect((err as Error).message).toContain(`exported for tenant ${TENANT}, not someone-else`);
  });

  it('given a different control-plane key, then the bundle is rejected as wrong-key', async () => {
    const err = await verifyBundle(bundle, { tenantId: TENANT, key: generateTransportKeyPair(), agents, outDir: path.join(dir, 'out-key') }).catch((e: unknown) => e);
    expect((err as BundleRejectedError).reason).toBe('wrong-key');
  });
});

async function flip(file: string, at: number): Promise<void> {
  const fh = await open(file, 'r+');
  try {
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, at);
    b[0] = b[0]! ^ 0xff;
    await fh.write(b, 0, 1, at);
  } finally {
    await fh.close();
  }
}

async function editHeaderTenant(file: string): Promise<string> {
  const buf = await readFile(file);
  const hlen = buf.readUInt32BE(8);
  const header = JSON.parse(buf.subarray(12, 12 + hlen).toString('utf8')) as { tenantId: string };
  const other = { ...header, tenantId: TENANT.replace('0f', 'ff') };
  const h = Buffer.from(JSON.stringify(other), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(h.length);
  await writeFile(file, Buffer.concat([buf.subarray(0, 8), len, h, buf.subarray(12 + hlen)]));
  return other.tenantId;
}

async function cutAfterFirstFrame(file: string): Promise<void> {
  const buf = await readFile(file);
  const hlen = buf.readUInt32BE(8);
  let p = 12 + hlen;
  const nlen = buf.readUInt16BE(p);
  p += 2 + nlen;
  const flen = buf.readUInt32BE(p + 4);
  await truncate(file, p + 8 + flen);
}
