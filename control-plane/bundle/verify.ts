/**
 * Check all of an offline bundle before anything is loaded: signature, header, tenant, key unwrap,
 * every frame's authentication and order, the manifest, and each entity's size, frame count and
 * sha256. Nothing decrypted is kept (unless `outDir` asks for the CSVs, for inspection). Any
 * failure throws a BundleRejectedError that says which check failed.
 */
import { createHash } from 'node:crypto';
import { parse, type Parser } from 'csv-parse';
import { mkdir, open, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { verifyBundleManifest } from '../../shared/crypto/index.ts';
import { BundleManifestSchema, CSV_FRAME_PREFIX, MANIFEST_FRAME, type BundleHeader, type BundleManifest } from '../../agent/bundle/format.ts';
import { BundleRejectedError, bundleKey, readBundleHeader, readFrames, type TransportKeyPair } from './frames.ts';

export { BundleRejectedError, readBundleHeader, type RejectReason, type TransportKeyPair } from './frames.ts';

/** An enrolled agent as the control DB knows it (control-plane/bundle/agents.ts reads it). */
export interface BundleAgent {
  id: string;
  name: string;
  tenantId: string;
  publicKey: string;
  status: 'active' | 'revoked';
}

/** Look up the agent a manifest names, in this tenant (null: no such agent). */
export type BundleAgentLookup = (agentId: string, tenantId: string) => Promise<BundleAgent | null>;

export interface VerifiedBundle {
  file: string;
  /** The enrolled agent whose identity signed the bundle. */
  agent: Pick<BundleAgent, 'id' | 'name'>;
  header: BundleHeader;
  manifest: BundleManifest;
  /** The unwrapped data key (kept in memory only, to stream the verified frames). */
  dataKey: Buffer;
  /** With `outDir`: the folder holding the decrypted CSVs and manifest.json (a CsvConnector folder). */
  dir?: string;
}

export async function verifyBundle(file: string, opts: { tenantId: string; key: TransportKeyPair; agents: BundleAgentLookup; outDir?: string }): Promise<VerifiedBundle> {
  const header = await readBundleHeader(file);
  const dataKey = bundleKey(file, header, opts.tenantId, opts.key);
  const seen = new Map<string, { hash: ReturnType<typeof createHash>; bytes: number; frames: number; index: number; rows: CsvRowCounter }>();
  const outputs = new Map<string, FileHandle>();
  const part = (i: number): string => path.join(opts.outDir!, `${String(i).padStart(3, '0')}.part`);
  let manifest: BundleManifest | null = null;
  let agent: BundleAgent | null = null;
  let frames = 0;
  let ok = false;
  if (opts.outDir) await mkdir(opts.outDir, { recursive: true, mode: 0o700 });
  try {
    for await (const f of readFrames(file, header, dataKey)) {
      frames++;
      if (manifest) throw new BundleRejectedError('tampered', file, `unexpected frame ${f.seq} (${f.name}) after the manifest`);
      if (f.name === MANIFEST_FRAME) {
        const text = typeof f.fields['manifest'] === 'string' ? f.fields['manifest'] : '';
        let raw: unknown;
        try {
          raw = JSON.parse(text);
        } catch {
          raw = null;
        }
        const parsed = BundleManifestSchema.safeParse(raw);
        if (!parsed.success) {
          const unsigned = raw !== null && typeof raw === 'object' && !('agentId' in raw);
          throw new BundleRejectedError(unsigned ? 'unsigned' : 'tampered', file, unsigned ? 'the manifest names no enrolled agent (bundles must be signed by an enrolled agent)' : 'manifest is not valid');
        }
        agent = await signedBy(file, parsed.data, text, f.fields['signature'], opts);
        if (parsed.data.prefixSha256 !== f.prefixSha256) throw new BundleRejectedError('tampered', file, 'the frames differ from the ones the agent signed');
        manifest = parsed.data;
        continue;
      }
      if (!f.name.startsWith(CSV_FRAME_PREFIX)) throw new BundleRejectedError('tampered', file, `unknown frame ${f.name}`);
      const entity = f.name.slice(CSV_FRAME_PREFIX.length);
      const text = String(f.fields['data'] ?? '');
      let s = seen.get(entity);
      if (!s) {
        s = { hash: createHash('sha256'), bytes: 0, frames: 0, index: seen.size, rows: new CsvRowCounter() };
        seen.set(entity, s);
        if (opts.outDir) outputs.set(entity, await open(part(s.index), 'w', 0o600));
      }
      s.hash.update(text, 'utf8');
      s.bytes += Buffer.byteLength(text, 'utf8');
      s.frames++;
      await s.rows.write(text);
      await outputs.get(entity)?.write(text);
    }
    for (const o of outputs.values()) await o.close();
    outputs.clear();
    if (!manifest) throw new BundleRejectedError('truncated', file, `file ends after ${frames} frame(s) without the manifest`);
    if (manifest.tenantId !== header.tenantId || manifest.bundleId !== header.bundleId || manifest.sourceSystem !== header.sourceSystem || manifest.createdAt !== header.createdAt) {
      throw new BundleRejectedError('tampered', file, 'manifest does not match the header');
    }
    if (manifest.frames !== frames) throw new BundleRejectedError('truncated', file, `manifest lists ${manifest.frames} frames, found ${frames}`);
    for (const e of seen.keys()) if (!manifest.entities[e]) throw new BundleRejectedError('mismatch', file, `entity ${e} is not in the manifest`);
    // The counts are checked against the frames' content, not taken from the manifest.
    const sum = Object.values(manifest.entities).reduce((n, m) => n + m.rows, 0);
    if (sum !== manifest.totalRows) throw new BundleRejectedError('mismatch', file, `manifest totalRows ${manifest.totalRows} differs from its entities' rows (${sum})`);
    for (const [entity, m] of Object.entries(manifest.entities)) {
      const counted = await (seen.get(entity)?.rows.end() ?? Promise.resolve(0)).catch(() => {
        throw new BundleRejectedError('tampered', file, `${entity}: the frames are not valid CSV`);
      });
      if (counted !== m.rows) throw new BundleRejectedError('mismatch', file, `${entity}: manifest says ${m.rows} rows, the frames hold ${counted}`);
    }
    for (const [entity, m] of Object.entries(manifest.entities)) {
      const s = seen.get(entity);
      const digest = s ? s.hash.digest('hex') : createHash('sha256').digest('hex');
      if (digest !== m.sha256 || (s?.bytes ?? 0) !== m.bytes || (s?.frames ?? 0) !== m.frames) {
        throw new BundleRejectedError('mismatch', file, `${entity}: checksum, size or frame count differs from the manifest`);
      }
      if (path.basename(m.file) !== m.file || m.file.startsWith('.')) throw new BundleRejectedError('tampered', file, `${entity}: bad file name ${m.file}`);
    }
    if (opts.outDir) {
      for (const [entity, m] of Object.entries(manifest.entities)) {
        const s = seen.get(entity);
        if (s) await rename(part(s.index), path.join(opts.outDir, m.file));
        else await writeFile(path.join(opts.outDir, m.file), '', { mode: 0o600 });
      }
      await writeFile(path.join(opts.outDir, 'manifest.json'), JSON.stringify({ sourceSystem: manifest.sourceSystem, entities: manifest.entities }), { mode: 0o600 });
    }
    ok = true;
    return { file, agent: { id: agent!.id, name: agent!.name }, header, manifest, dataKey, ...(opts.outDir ? { dir: opts.outDir } : {}) };
  } finally {
    for (const o of outputs.values()) await o.close();
    // A rejected bundle leaves no decrypted bytes behind.
    if (!ok && opts.outDir) await rm(opts.outDir, { recursive: true, force: true });
  }
}

/** The manifest's signature checked against the enrolled (active) agent's public key in the control DB. */
async function signedBy(file: string, m: BundleManifest, text: string, signature: unknown, opts: { tenantId: string; agents: BundleAgentLookup }): Promise<BundleAgent> {
  if (typeof signature !== 'string' || signature.length === 0) throw new BundleRejectedError('unsigned', file, 'the manifest carries no agent signature');
  const agent = await opts.agents(m.agentId, opts.tenantId);
  if (!agent || agent.tenantId !== opts.tenantId) throw new BundleRejectedError('unknown-agent', file, `agent ${m.agentId} is not enrolled in this tenant`);
  if (!verifyBundleManifest(agent.publicKey, text, signature)) {
    throw new BundleRejectedError('bad-signature', file, `the manifest signature is not agent ${agent.name} (${agent.id})'s: forged or edited`);
  }
  if (agent.status !== 'active') throw new BundleRejectedError('revoked-agent', file, `agent ${agent.name} (${agent.id}) has been revoked; its bundles are refused`);
  return agent;
}

/** Counts the CSV records of one entity's frames as they stream past (the first record is the header). */
class CsvRowCounter {
  private readonly parser: Parser = parse({ relax_column_count: true });
  private records = 0;
  private readonly done: Promise<void>;

  constructor() {
    this.parser.on('readable', () => {
      while (this.parser.read() !== null) this.records++;
    });
    this.done = new Promise((resolve, reject) => {
      this.parser.on('end', resolve);
      this.parser.on('error', reject);
    });
    this.done.catch(() => undefined); // observed by end(); a parse error must not go unhandled before then
  }

  async write(text: string): Promise<void> {
    if (!this.parser.write(text)) await Promise.race([new Promise((r) => this.parser.once('drain', r)), this.done]);
  }

  /** Data rows (records after the header); a frame that is not CSV is tampering. */
  async end(): Promise<number> {
    this.parser.end();
    await this.done;
    return Math.max(0, this.records - 1);
  }
}
