/**
 * Issue 11, defect 4: bundle ids and source snapshots are recorded; a replay is refused, an older
 * snapshot over a newer one is refused unless forceOlder (audited), and every manifest field is
 * checked: counts against the frames' content, createdAt against the header. Real PostgreSQL + engine.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_MAGIC, MANIFEST_FRAME, bundleJobId, encodeFrameHeader } from '../../agent/bundle/format.ts';
import { writeBundle } from '../../agent/bundle/writer.ts';
import { generateTransportKeyPair, sealBatch, signBundleManifest } from '../../shared/crypto/index.ts';
import { uuidv5 } from '../../shared/ids.ts';
import { createTestSchema, type TestSchema } from '../../test/support/pg.ts';
import { migrate } from '../db/migrate.ts';
import { syntheticSource } from '../bench/synthetic-source.ts';
import { bundleKey, readBundleHeader, readFrames } from './frames.ts';
import { BundleRejectedError, importBundle } from './importer.ts';
import { memoryAgents, testAgent } from './testing/test-agent.ts';

const TENANT = uuidv5('bundle-ledger-tenant');
const FRANCHISE = uuidv5('bundle-ledger-franchise');
const key = generateTransportKeyPair();
const signer = testAgent(TENANT, 'ledger-agent');
const agents = memoryAgents(signer);
let t: TestSchema;
let c: TestSchema;
let dir: string;
let mappingYaml: string;

beforeAll(async () => {
  t = await createTestSchema('bl_t');
  c = await createTestSchema('bl_c');
  await migrate(t.pool, 'target', t.schema);
  await migrate(c.pool, 'control', c.schema);
  await t.pool.query('INSERT INTO tenants (id, name, slug) VALUES ($1, $2, $3)', [TENANT, 'Ledger', 'ledger']);
  await t.pool.query('INSERT INTO franchises (id, tenant_id, name) VALUES ($1, $2, $3)', [FRANCHISE, TENANT, 'HQ']);
  dir = await mkdtemp(path.join(os.tmpdir(), 'bundle-ledger-'));
  mappingYaml = await readFile(new URL('../bench/mapping.yaml', import.meta.url), 'utf8');
});
afterAll(async () => {
  await t?.drop();
  await c?.drop();
  await rm(dir, { recursive: true, force: true });
});

async function exportBundle(name: string, records: number, seed: number): Promise<string> {
  const out = path.join(dir, name);
  await writeBundle({ source: syntheticSource({ records, seed }), tenantId: TENANT, recipientPublicKey: key.publicKey, out, batchSize: 100, signer: signer.signer });
  return out;
}

const load = (file: string, extra: { forceOlder?: boolean } = {}) => importBundle({
  file, tenantId: TENANT, key, pool: t.pool, mappingYaml, vars: { FRANCHISE_ID: FRANCHISE }, targetSchema: t.schema, controlSchema: c.schema, actor: 'test:ledger', agents, ...extra,
});

const rejection = async (p: Promise<unknown>): Promise<BundleRejectedError> => {
  const err = await p.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(BundleRejectedError);
  return err as BundleRejectedError;
};

/**
 * Re-seal a bundle with an edited manifest, as anyone holding the bundle's data key could; the agent's
 * signature is kept (so the edit must be detected by it), or, with `resign`, the edited text is signed
 * again with that key (an agent that signs wrong counts: the counts are still checked against the frames).
 */
async function withEditedManifest(file: string, name: string, edit: (m: Record<string, unknown>) => void, resign?: string): Promise<string> {
  const header = await readBundleHeader(file);
  const dataKey = bundleKey(file, header, TENANT, key);
  const jobId = bundleJobId(header.bundleId, header.tenantId);
  const h = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(h.length);
  const parts: Buffer[] = [BUNDLE_MAGIC, len, h];
  for await (const f of readFrames(file, header, dataKey)) {
    let fields = f.fields as Record<string, string>;
    if (f.name === MANIFEST_FRAME) {
      const m = JSON.parse(fields['manifest']!) as Record<string, unknown>;
      edit(m);
      if (resign) m.prefixSha256 = createHash('sha256').update(Buffer.concat(parts)).digest('hex');
      const text = JSON.stringify(m);
      fields = { manifest: text, signature: resign ? signBundleManifest(resign, text) : fields['signature']! };
    }
    const sealed = sealBatch({ v: 1, sourceSystem: 'bundle', entity: f.name, seq: f.seq, records: [{ sourceId: String(f.seq), op: 'upsert', fields }], checkpoint: {}, final: false }, dataKey, jobId);
    parts.push(encodeFrameHeader(f.name, f.seq, sealed.length), sealed);
  }
  const out = path.join(dir, name);
  await writeFile(out, Buffer.concat(parts));
  return out;
}

describe('bundle ledger and manifest checks', () => {
  it('given any manifest field edited after the agent signed it, then the import is refused as a bad signature before anything loads', async () => {
    const file = await exportBundle('sig-src.nxb', 50, 3);
    const edits: [string, (m: Record<string, unknown>) => void][] = [
      ['rows', (m) => { const e = Object.values(m.entities as Record<string, { rows: number }>)[0]!; e.rows += 5; m.totalRows = (m.totalRows as number) + 5; }],
      ['total', (m) => { m.totalRows = (m.totalRows as number) + 1; }],
      ['created', (m) => { m.createdAt = '2099-01-01T00:00:00.000Z'; }],
      ['agent', (m) => { m.agentId = signer.agent.id.replace(/.$/, (c) => (c === '0' ? '1' : '0')); }],
      ['digest', (m) => { m.prefixSha256 = '0'.repeat(64); }],
    ];
    for (const [name, edit] of edits) {
      const err = await rejection(load(await withEditedManifest(file, `sig-${name}.nxb`, edit)));
      expect(['bad-signature', 'unknown-agent']).toContain(err.reason);
    }
    const { rows } = await t.pool.query('SELECT count(*)::int AS n FROM accounts');
    expect(rows[0].n).toBe(0);
  });

  it('given manifest rows, totalRows or createdAt wrong but signed by the agent, then the counts are checked against the frames and the import is refused', async () => {
    const file = await exportBundle('edit-src.nxb', 50, 3);
    const edits: [string, (m: Record<string, unknown>) => void, string][] = [
      ['rows', (m) => { const e = Object.values(m.entities as Record<string, { rows: number }>)[0]!; e.rows += 5; m.totalRows = (m.totalRows as number) + 5; }, 'rows'],
      ['total', (m) => { m.totalRows = (m.totalRows as number) + 1; }, 'totalRows'],
      ['created', (m) => { m.createdAt = '2099-01-01T00:00:00.000Z'; }, 'header'],
    ];
    for (const [name, edit, says] of edits) {
      const err = await rejection(load(await withEditedManifest(file, `signed-wrong-${name}.nxb`, edit, signer.signer.privateKey)));
      expect(['mismatch', 'tampered']).toContain(err.reason);
      expect(err.message).toContain(says);
    }
    const { rows } = await t.pool.query('SELECT count(*)::int AS n FROM accounts');
    expect(rows[0].n).toBe(0);
  });

  it('given a bundle imported, then the same bundle again is a replay, and an older snapshot over a newer one is refused unless forced, which is audited', async () => {
    const older = await exportBundle('older.nxb', 40, 5);
    await new Promise((r) => setTimeout(r, 5));
    const newer = await exportBundle('newer.nxb', 40, 6);
    expect((await load(newer)).report.status).toBe('completed');
    expect((await rejection(load(newer))).reason).toBe('replay');

    const refused = await rejection(load(older));
    expect(refused.reason).toBe('older');
    expect(refused.message).toContain('--force-older');

    const forced = await load(older, { forceOlder: true });
    expect(forced.report.status).toBe('completed');
    const ledger = await c.pool.query('SELECT bundle_id, status, forced_older, imported_by FROM bundle_imports ORDER BY started_at');
    expect(ledger.rows.map((r) => [r.status, r.forced_older, r.imported_by])).toEqual([['imported', false, 'test:ledger'], ['imported', true, 'test:ledger']]);
    const audit = await c.pool.query(`SELECT tenant_id, actor, target, details, hash FROM audit_log WHERE action = 'bundle.import_older'`);
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]).toMatchObject({ tenant_id: TENANT, actor: 'test:ledger', target: (await readBundleHeader(older)).bundleId });
    expect(audit.rows[0].details.newerBundle).toBe((await readBundleHeader(newer)).bundleId);
    expect(audit.rows[0].hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
