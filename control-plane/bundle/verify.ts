/**
 * Open an offline bundle and check all of it before anything is loaded: magic, header, tenant,
 * key unwrap, every frame's authentication and order, the manifest, and each entity's row count
 * and sha256. Verified CSVs are written to a private (0700) folder as a CSV source; the caller
 * deletes it. Any failure throws a BundleRejectedError that says which check failed.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, rename, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { openBatch, unwrapDataKey } from '../../shared/crypto/index.ts';
import {
  BUNDLE_MAGIC, BundleHeaderSchema, BundleManifestSchema, CSV_FRAME_PREFIX, MANIFEST_FRAME, MAX_HEADER_BYTES, bundleJobId,
  type BundleHeader, type BundleManifest,
} from '../../agent/bundle/format.ts';

export type RejectReason = 'not-a-bundle' | 'truncated' | 'tampered' | 'wrong-tenant' | 'wrong-key' | 'mismatch';

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

export interface VerifiedBundle {
  header: BundleHeader;
  manifest: BundleManifest;
  /** Folder holding the decrypted entity CSVs and manifest.json (a CsvConnector folder). */
  dir: string;
}

const MAX_FRAME_BYTES = 512 * 1024 * 1024;

class Reader {
  pos = 0;
  constructor(private readonly fh: FileHandle, readonly size: number, private readonly file: string) {}
  async bytes(n: number, what: string): Promise<Buffer> {
    if (this.pos + n > this.size) throw new BundleRejectedError('truncated', this.file, `file ends inside ${what} (offset ${this.pos}, needs ${n} bytes, ${this.size - this.pos} left)`);
    const b = Buffer.alloc(n);
    const { bytesRead } = await this.fh.read(b, 0, n, this.pos);
    if (bytesRead !== n) throw new BundleRejectedError('truncated', this.file, `short read in ${what}`);
    this.pos += n;
    return b;
  }
}

/** Verify the whole bundle and decrypt its CSVs into `outDir`. */
export async function verifyBundle(file: string, opts: { tenantId: string; key: TransportKeyPair; outDir: string }): Promise<VerifiedBundle> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const r = new Reader(fh, size, file);
    if (size < BUNDLE_MAGIC.length || !(await r.bytes(BUNDLE_MAGIC.length, 'magic')).equals(BUNDLE_MAGIC)) {
      throw new BundleRejectedError('not-a-bundle', file, 'missing NXBUNDL1 signature');
    }
    const hlen = (await r.bytes(4, 'header length')).readUInt32BE(0);
    if (hlen > MAX_HEADER_BYTES) throw new BundleRejectedError('tampered', file, `header length ${hlen} is implausible`);
    let header: BundleHeader;
    try {
      header = BundleHeaderSchema.parse(JSON.parse((await r.bytes(hlen, 'header')).toString('utf8')));
    } catch (err) {
      if (err instanceof BundleRejectedError) throw err;
      throw new BundleRejectedError('tampered', file, 'header is not valid');
    }
    if (header.tenantId !== opts.tenantId) {
      throw new BundleRejectedError('wrong-tenant', file, `bundle was exported for tenant ${header.tenantId}, not ${opts.tenantId}`);
    }
    const jobId = bundleJobId(header.bundleId, header.tenantId);
    let key: Buffer;
    try {
      key = unwrapDataKey(header.wrappedKey, opts.key, jobId);
    } catch (err) {
      const wrongKey = /wrapped for key/.test((err as Error).message);
      throw new BundleRejectedError(wrongKey ? 'wrong-key' : 'tampered', file, (err as Error).message);
    }

    await mkdir(opts.outDir, { recursive: true, mode: 0o700 });
    const hashes = new Map<string, ReturnType<typeof createHash>>();
    const sizes = new Map<string, number>();
    const frameCounts = new Map<string, number>();
    const outputs = new Map<string, FileHandle>();
    let manifest: BundleManifest | null = null;
    let seq = 0;
    try {
      while (r.pos < size) {
        if (manifest) throw new BundleRejectedError('tampered', file, `unexpected data after the manifest at offset ${r.pos}`);
        const nlen = (await r.bytes(2, `frame ${seq} name length`)).readUInt16BE(0);
        const name = (await r.bytes(nlen, `frame ${seq} name`)).toString('utf8');
        const meta = await r.bytes(8, `frame ${seq} header`);
        const fseq = meta.readUInt32BE(0);
        const flen = meta.readUInt32BE(4);
        if (fseq !== seq) throw new BundleRejectedError('tampered', file, `frame ${seq} is labelled #${fseq} (frames dropped or reordered)`);
        if (flen > MAX_FRAME_BYTES) throw new BundleRejectedError('tampered', file, `frame ${seq} length ${flen} is implausible`);
        const sealed = await r.bytes(flen, `frame ${seq} (${name})`);
        let fields: Record<string, unknown>;
        try {
          fields = openBatch(sealed, key, { jobId, entity: name, seq }).records[0]?.fields ?? {};
        } catch (err) {
          throw new BundleRejectedError('tampered', file, `frame ${seq} (${name}): ${(err as Error).message}`);
        }
        seq++;
        if (name === MANIFEST_FRAME) {
          const parsed = BundleManifestSchema.safeParse(JSON.parse(String(fields['manifest'])));
          if (!parsed.success) throw new BundleRejectedError('tampered', file, 'manifest is not valid');
          manifest = parsed.data;
          continue;
        }
        if (!name.startsWith(CSV_FRAME_PREFIX)) throw new BundleRejectedError('tampered', file, `unknown frame ${name}`);
        const entity = name.slice(CSV_FRAME_PREFIX.length);
        const text = String(fields['data'] ?? '');
        if (!hashes.has(entity)) {
          hashes.set(entity, createHash('sha256'));
          sizes.set(entity, 0);
          frameCounts.set(entity, 0);
          outputs.set(entity, await open(path.join(opts.outDir, `${String(outputs.size).padStart(3, '0')}.part`), 'w', 0o600));
        }
        hashes.get(entity)!.update(text, 'utf8');
        sizes.set(entity, sizes.get(entity)! + Buffer.byteLength(text, 'utf8'));
        frameCounts.set(entity, frameCounts.get(entity)! + 1);
        await outputs.get(entity)!.write(text);
      }
    } finally {
      for (const o of outputs.values()) await o.close();
    }
    if (!manifest) throw new BundleRejectedError('truncated', file, `file ends after ${seq} frame(s) without the manifest`);
    if (manifest.tenantId !== header.tenantId || manifest.bundleId !== header.bundleId) {
      throw new BundleRejectedError('tampered', file, 'manifest does not match the header');
    }
    if (manifest.frames !== seq) throw new BundleRejectedError('truncated', file, `manifest lists ${manifest.frames} frames, found ${seq}`);
    const partNames = [...outputs.keys()];
    for (const [entity, m] of Object.entries(manifest.entities)) {
      const digest = hashes.get(entity)?.digest('hex') ?? createHash('sha256').digest('hex');
      if (digest !== m.sha256 || (sizes.get(entity) ?? 0) !== m.bytes || (frameCounts.get(entity) ?? 0) !== m.frames) {
        throw new BundleRejectedError('mismatch', file, `${entity}: checksum or size differs from the manifest`);
      }
      if (path.basename(m.file) !== m.file) throw new BundleRejectedError('tampered', file, `${entity}: bad file name ${m.file}`);
      const idx = partNames.indexOf(entity);
      if (idx >= 0) await rename(path.join(opts.outDir, `${String(idx).padStart(3, '0')}.part`), path.join(opts.outDir, m.file));
      else await writeFile(path.join(opts.outDir, m.file), '', { mode: 0o600 });
    }
    for (const e of partNames) if (!manifest.entities[e]) throw new BundleRejectedError('mismatch', file, `entity ${e} is not in the manifest`);
    await writeFile(path.join(opts.outDir, 'manifest.json'), JSON.stringify({ sourceSystem: manifest.sourceSystem, entities: manifest.entities }), { mode: 0o600 });
    return { header, manifest, dir: opts.outDir };
  } finally {
    await fh.close();
  }
}

/** Read only the plaintext header (to pick a mapping before verifying). Not a verification. */
export async function readBundleHeader(file: string): Promise<BundleHeader> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const r = new Reader(fh, size, file);
    if (size < BUNDLE_MAGIC.length || !(await r.bytes(BUNDLE_MAGIC.length, 'magic')).equals(BUNDLE_MAGIC)) {
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
  } finally {
    await fh.close();
  }
}
