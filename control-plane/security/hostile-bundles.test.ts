/**
 * Issue 11 security suite, part 3: hostile offline bundles into the real importer on real PostgreSQL
 * (agents read from the control schema). Truncated at every interesting offset, single bytes edited
 * across the file, signed by the wrong, an unknown or a revoked agent, sealed for another control plane
 * or another tenant, and implausible sizes (header and frame lengths up to 4 GiB, a highly compressible
 * frame). Each is refused as a BundleRejectedError naming why, before a single row loads; the good
 * bundle itself holds neither the agent's private key nor the transport private key.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_MAGIC, bundleJobId, encodeFrameHeader } from '../../agent/bundle/format.ts';
import { writeBundle } from '../../agent/bundle/writer.ts';
import { generateTransportKeyPair, sealBatch } from '../../shared/crypto/index.ts';
import { uuidv5 } from '../../shared/ids.ts';
import { createTestSchema, type TestSchema } from '../../test/support/pg.ts';
import { syntheticSource } from '../bench/synthetic-source.ts';
import { bundleKey, readBundleHeader } from '../bundle/frames.ts';
import { BundleRejectedError, importBundle } from '../bundle/importer.ts';
import { enrollTestAgent, testAgent, type TestAgent } from '../bundle/testing/test-agent.ts';
import { migrate } from '../db/migrate.ts';

const TENANT = uuidv5('sec-bundles-tenant');
const OTHER_TENANT = uuidv5('sec-bundles-other');
const FRANCHISE = uuidv5('sec-bundles-franchise');
const key = generateTransportKeyPair();
let t: TestSchema;
let c: TestSchema;
let dir: string;
let mappingYaml: string;
let agent: TestAgent;
let revoked: TestAgent;
let good: Buffer;
let goodFile: string;

async function exportWith(name: string, o: { signer?: TestAgent; tenantId?: string; recipient?: string; records?: number } = {}): Promise<string> {
  const out = path.join(dir, name);
  await writeBundle({
    source: syntheticSource({ records: o.records ?? 30, seed: 7 }), tenantId: o.tenantId ?? TENANT, recipientPublicKey: o.recipient ?? key.publicKey,
    out, batchSize: 10, signer: (o.signer ?? agent).signer,
  });
  return out;
}

beforeAll(async () => {
  t = await createTestSchema('secb_t');
  c = await createTestSchema('secb_c');
  await migrate(t.pool, 'target', t.schema);
  await migrate(c.pool, 'control', c.schema);
  await t.pool.query('INSERT INTO tenants (id, name, slug) VALUES ($1, $2, $3)', [TENANT, 'Bundles', 'sec-bundles']);
  await t.pool.query('INSERT INTO franchises (id, tenant_id, name) VALUES ($1, $2, $3)', [FRANCHISE, TENANT, 'HQ']);
  dir = await mkdtemp(path.join(os.tmpdir(), 'sec-bundles-'));
  mappingYaml = await readFile(new URL('../bench/mapping.yaml', import.meta.url), 'utf8');
  agent = await enrollTestAgent(c.pool, c.schema, TENANT, 'sec-agent');
  revoked = await enrollTestAgent(c.pool, c.schema, TENANT, 'sec-revoked');
  await c.pool.query(`UPDATE agents SET status = 'revoked', revoked_at = now() WHERE id = $1`, [revoked.agent.id]);
  goodFile = await exportWith('good.nxb');
  good = await readFile(goodFile);
});
afterAll(async () => {
  await t?.drop();
  await c?.drop();
  await rm(dir, { recursive: true, force: true });
});

const headerEnd = (b: Buffer): number => BUNDLE_MAGIC.length + 4 + b.readUInt32BE(BUNDLE_MAGIC.length);
const flip = (b: Buffer, at: number): Buffer => { const x = Buffer.from(b); x[at] = x[at]! ^ 0x5a; return x; };

/** Each hostile bundle: a name and how to make its bytes (or file) from the good one. */
const CASES: [string, () => Promise<Buffer | string>][] = [
  ['an empty file', async () => Buffer.alloc(0)],
  ['the magic only', async () => BUNDLE_MAGIC],
  ['1 MiB of random bytes', async () => randomBytes(1024 * 1024)],
  ['random bytes after the magic', async () => Buffer.concat([BUNDLE_MAGIC, randomBytes(4096)])],
  ...[4, 8, 12, 40].map((n): [string, () => Promise<Buffer>] => [`truncated to ${n} bytes`, async () => good.subarray(0, n)]),
  ['truncated inside the header', async () => good.subarray(0, headerEnd(good) - 5)],
  ['truncated right after the header', async () => good.subarray(0, headerEnd(good))],
  ['truncated to half', async () => good.subarray(0, Math.floor(good.length / 2))],
  ['truncated by one byte', async () => good.subarray(0, good.length - 1)],
  ['truncated by 17 bytes (a GCM tag and more)', async () => good.subarray(0, good.length - 17)],
  ['the header length byte edited', async () => flip(good, BUNDLE_MAGIC.length + 3)],
  ['a header byte edited', async () => flip(good, BUNDLE_MAGIC.length + 20)],
  ...[0.3, 0.5, 0.7, 0.9].map((f): [string, () => Promise<Buffer>] => [`a byte edited at ${f * 100}%`, async () => flip(good, Math.floor(good.length * f))]),
  ['the last byte edited', async () => flip(good, good.length - 1)],
  ['a garbage frame appended', async () => Buffer.concat([good, encodeFrameHeader('csv:accounts', 999, 16), randomBytes(16)])],
  ['a header length of 4 GiB', async () => { const x = Buffer.from(good); x.writeUInt32BE(0xffffffff, BUNDLE_MAGIC.length); return x; }],
  ['a first frame claiming 4 GiB', async () => Buffer.concat([good.subarray(0, headerEnd(good)), encodeFrameHeader('csv:accounts', 0, 0xffffffff), randomBytes(64)])],
  ['a first frame claiming 500 MiB', async () => Buffer.concat([good.subarray(0, headerEnd(good)), encodeFrameHeader('csv:accounts', 0, 500 * 1024 * 1024), randomBytes(64)])],
  ['a frame name of 65 535 bytes', async () => { const h = Buffer.alloc(10); h.writeUInt16BE(0xffff, 0); return Buffer.concat([good.subarray(0, headerEnd(good)), h]); }],
  ['a highly compressible 8 MiB frame spliced in', async () => {
    const header = await readBundleHeader(goodFile);
    const dataKey = bundleKey(goodFile, header, TENANT, key);
    const sealed = sealBatch({ v: 1, sourceSystem: 'bundle', entity: 'csv:accounts', seq: 0, records: [{ sourceId: '0', op: 'upsert', fields: { csv: '0'.repeat(8 * 1024 * 1024) } }], checkpoint: {}, final: false }, dataKey, bundleJobId(header.bundleId, header.tenantId));
    return Buffer.concat([good.subarray(0, headerEnd(good)), encodeFrameHeader('csv:accounts', 0, sealed.length), sealed]);
  }],
  ['signed by an agent that is not enrolled', async () => exportWith('stranger.nxb', { signer: testAgent(TENANT, 'stranger') })],
  ['signed by a revoked agent', async () => exportWith('revoked.nxb', { signer: revoked })],
  ["signed with another key under the enrolled agent's id", async () => exportWith('forged.nxb', { signer: { ...testAgent(TENANT), signer: { agentId: agent.agent.id, privateKey: testAgent(TENANT).signer.privateKey } } })],
  ['sealed for another control plane', async () => exportWith('other-cp.nxb', { recipient: generateTransportKeyPair().publicKey })],
  ['exported for another tenant', async () => exportWith('other-tenant.nxb', { tenantId: OTHER_TENANT })],
];

async function fileOf(name: string, made: Buffer | string): Promise<string> {
  if (typeof made === 'string') return made;
  const f = path.join(dir, `${name.replace(/[^a-z0-9]+/gi, '-')}.nxb`);
  await writeFile(f, made);
  return f;
}

describe('hostile bundles into the importer', () => {
  it.each(CASES)('given a bundle with %s, then the import is refused with a reason before any row loads', async (name, make) => {
    const file = await fileOf(name, await make());
    const err = await importBundle({ file, tenantId: TENANT, key, pool: t.pool, mappingYaml, vars: { FRANCHISE_ID: FRANCHISE }, targetSchema: t.schema, controlSchema: c.schema, actor: 'test:sec' })
      .catch((e: unknown) => e);
    expect(err, name).toBeInstanceOf(BundleRejectedError);
    expect((err as BundleRejectedError).reason).toMatch(/^[a-z-]+$/);
    expect((err as Error).message).not.toMatch(/\n\s+at /);
    expect((await t.pool.query('SELECT count(*)::int AS n FROM accounts')).rows[0].n).toBe(0);
    expect((await c.pool.query(`SELECT count(*)::int AS n FROM bundle_imports WHERE status = 'imported'`)).rows[0].n).toBe(0);
  });

  it('given the good bundle, then it holds no private key, and it imports (so the refusals above are the edits\')', async () => {
    for (const secret of [agent.signer.privateKey, key.privateKey]) expect(good.includes(Buffer.from(secret))).toBe(false);
    const r = await importBundle({ file: goodFile, tenantId: TENANT, key, pool: t.pool, mappingYaml, vars: { FRANCHISE_ID: FRANCHISE }, targetSchema: t.schema, controlSchema: c.schema, actor: 'test:sec' });
    expect(r.report.bundle?.agentId).toBe(agent.agent.id);
    expect((await t.pool.query('SELECT count(*)::int AS n FROM accounts')).rows[0].n).toBeGreaterThan(0);
  });
});
