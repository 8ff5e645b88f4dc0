/**
 * Low-level reading of an offline bundle file (layout in agent/bundle/format.ts): the header, the
 * data key, and the authenticated frames in order. Positioned reads: one frame in memory at a time.
 */
import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { openBatch, unwrapDataKey } from '../../shared/crypto/index.ts';
import { BUNDLE_MAGIC, BundleHeaderSchema, MANIFEST_FRAME, MAX_HEADER_BYTES, bundleJobId, type BundleHeader } from '../../agent/bundle/format.ts';

export type RejectReason =
  | 'not-a-bundle' | 'truncated' | 'tampered' | 'wrong-tenant' | 'wrong-key' | 'mismatch' | 'replay' | 'older'
  | 'unsigned' | 'bad-signature' | 'unknown-agent' | 'revoked-agent';

export class BundleRejectedError extends Error {
  override readonly name = 'BundleRejectedError';
  constructor(readonly reason: RejectReason, readonly file: string, detail: string) {
    super(`bundle ${path.basename(file)} rejected (${reason}), nothing was loaded: ${detail}`);
  }
}

export interface TransportKeyPair {
  publicKey: string;
  privateKey: string;
}

const MAX_FRAME_BYTES = 512 * 1024 * 1024;

class Reader {
  pos = 0;
  /** sha256 of every byte read so far (sequential reads only). */
  readonly hash: Hash = createHash('sha256');
  constructor(private readonly fh: FileHandle, readonly size: number, private readonly file: string) {}
  async bytes(n: number, what: string): Promise<Buffer> {
    if (this.pos + n > this.size) throw new BundleRejectedError('truncated', this.file, `file ends inside ${what} (offset ${this.pos}, needs ${n} bytes, ${this.size - this.pos} left)`);
    const b = Buffer.alloc(n);
    const { bytesRead } = await this.fh.read(b, 0, n, this.pos);
    if (bytesRead !== n) throw new BundleRejectedError('truncated', this.file, `short read in ${what}`);
    this.hash.update(b);
    this.pos += n;
    return b;
  }
}

async function header(r: Reader, file: string): Promise<BundleHeader> {
  if (r.size < BUNDLE_MAGIC.length || !(await r.bytes(BUNDLE_MAGIC.length, 'magic')).equals(BUNDLE_MAGIC)) {
    throw new BundleRejectedError('not-a-bundle', file, 'missing NXBUNDL1 signature');
  }
  const hlen = (await r.bytes(4, 'header length')).readUInt32BE(0);
  if (hlen > MAX_HEADER_BYTES) throw new BundleRejectedError('tampered', file, `header length ${hlen} is implausible`);
  const text = (await r.bytes(hlen, 'header')).toString('utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new BundleRejectedError('tampered', file, 'header is not valid JSON');
  }
  const parsed = BundleHeaderSchema.safeParse(raw);
  if (!parsed.success) throw new BundleRejectedError('tampered', file, 'header is not valid');
  return parsed.data;
}

/** Read only the plaintext header (to pick a mapping before verifying). Not a verification. */
export async function readBundleHeader(file: string): Promise<BundleHeader> {
  const fh = await open(file, 'r');
  try {
    return await header(new Reader(fh, (await fh.stat()).size, file), file);
  } finally {
    await fh.close();
  }
}

/** Check the tenant and unwrap the bundle's data key with the control plane's transport key. */
export function bundleKey(file: string, h: BundleHeader, tenantId: string, key: TransportKeyPair): Buffer {
  if (h.tenantId !== tenantId) {
    throw new BundleRejectedError('wrong-tenant', file, `bundle was exported for tenant ${h.tenantId}, not ${tenantId}`);
  }
  try {
    return unwrapDataKey(h.wrappedKey, key, bundleJobId(h.bundleId, h.tenantId));
  } catch (err) {
    const wrongKey = /wrapped for key/.test((err as Error).message);
    throw new BundleRejectedError(wrongKey ? 'wrong-key' : 'tampered', file, (err as Error).message);
  }
}

export interface Frame {
  name: string;
  seq: number;
  fields: Record<string, unknown>;
  /** On the manifest frame: sha256 (hex) of every file byte before it (what the signed manifest's prefixSha256 must equal). */
  prefixSha256?: string;
}

/**
 * Every frame in file order (or only those named `only`, plus the manifest), each authenticated
 * (GCM, bound to bundle, tenant, name and seq) before it is yielded. Seq must run 0, 1, 2…; a gap,
 * a reorder or a short file is an error.
 */
export async function* readFrames(file: string, h: BundleHeader, dataKey: Buffer, only?: string): AsyncGenerator<Frame> {
  const fh = await open(file, 'r');
  try {
    const r = new Reader(fh, (await fh.stat()).size, file);
    const again = await header(r, file);
    if (again.bundleId !== h.bundleId || again.tenantId !== h.tenantId) throw new BundleRejectedError('tampered', file, 'header changed while reading');
    const jobId = bundleJobId(h.bundleId, h.tenantId);
    for (let seq = 0; r.pos < r.size; seq++) {
      const before = only === undefined ? r.hash.copy() : null;
      const nlen = (await r.bytes(2, `frame ${seq} name length`)).readUInt16BE(0);
      const name = (await r.bytes(nlen, `frame ${seq} name`)).toString('utf8');
      const meta = await r.bytes(8, `frame ${seq} header`);
      const fseq = meta.readUInt32BE(0);
      const flen = meta.readUInt32BE(4);
      if (fseq !== seq) throw new BundleRejectedError('tampered', file, `frame ${seq} is labelled #${fseq} (frames dropped or reordered)`);
      if (flen > MAX_FRAME_BYTES) throw new BundleRejectedError('tampered', file, `frame ${seq} length ${flen} is implausible`);
      if (only !== undefined && name !== only && name !== MANIFEST_FRAME) {
        r.pos += flen; // not wanted: skipped unread (the whole file was verified before)
        if (r.pos > r.size) throw new BundleRejectedError('truncated', file, `file ends inside frame ${seq} (${name})`);
        continue;
      }
      const sealed = await r.bytes(flen, `frame ${seq} (${name})`);
      let fields: Record<string, unknown>;
      try {
        fields = openBatch(sealed, dataKey, { jobId, entity: name, seq }).records[0]?.fields ?? {};
      } catch (err) {
        throw new BundleRejectedError('tampered', file, `frame ${seq} (${name}): ${(err as Error).message}`);
      }
      yield { name, seq, fields, ...(name === MANIFEST_FRAME && before ? { prefixSha256: before.digest('hex') } : {}) };
      if (name === MANIFEST_FRAME && r.pos < r.size) {
        throw new BundleRejectedError('tampered', file, `${r.size - r.pos} unexpected byte(s) after the manifest at offset ${r.pos}`);
      }
    }
  } finally {
    await fh.close();
  }
}
