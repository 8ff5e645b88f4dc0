/**
 * Write an offline bundle: every entity of a SourceConnector as a CSV (JSON-encoded cells, so values
 * keep their types), chunked, each chunk sealed with shared/crypto under a fresh data key wrapped for
 * the control plane, then a sealed manifest. Streams: one chunk in memory at a time.
 */
import { createHash, randomUUID } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { stringify } from 'csv-stringify/sync';
import type { DiscoveredSchema, SourceConnector } from '../../shared/connector.ts';
import type { Checkpoint, FieldValue, RecordBatch } from '../../shared/record-batch.ts';
import { createDataKey, sealBatch, signBundleManifest, wrapDataKey } from '../../shared/crypto/index.ts';
import { silentLogger, type Logger } from '../../shared/log/logger.ts';
import {
  BUNDLE_MAGIC, CHUNK_BYTES, CSV_FRAME_PREFIX, MANIFEST_FRAME, bundleJobId, encodeFrameHeader,
  type BundleHeader, type BundleManifest, type BundleSigner,
} from './format.ts';

export interface WriteBundleOptions {
  source: SourceConnector;
  /** Entities to export (default: all the source lists). */
  entities?: string[];
  tenantId: string;
  /** The control plane's X25519 transport public key (base64 DER SPKI). */
  recipientPublicKey: string;
  out: string;
  /** The enrolled agent that signs the bundle (the importer refuses unsigned, unknown and revoked agents). */
  signer: BundleSigner;
  batchSize?: number;
  signal?: AbortSignal;
  logger?: Logger;
}

export interface WriteBundleResult {
  bundleId: string;
  file: string;
  bytes: number;
  manifest: BundleManifest;
}

const ID = '__sourceId';
const OP = '__op';
const EXTRA = '__extra';

/** JSON text for a cell; undefined (field absent) becomes an empty unquoted cell. */
const cell = (v: FieldValue | undefined): string | null => (v === undefined ? null : JSON.stringify(v));

export async function writeBundle(opts: WriteBundleOptions): Promise<WriteBundleResult> {
  const log = opts.logger ?? silentLogger;
  const bundleId = randomUUID();
  const createdAt = new Date().toISOString();
  const jobId = bundleJobId(bundleId, opts.tenantId);
  const key = createDataKey();
  const entities = opts.entities ?? (await opts.source.entities());
  let schema: DiscoveredSchema | null = null;
  try {
    schema = await opts.source.discover();
  } catch (err) {
    log.warn('bundle: source could not describe its schema; exporting without it', { error: (err as Error).message });
  }
  const header: BundleHeader = {
    v: 1, bundleId, tenantId: opts.tenantId, createdAt, sourceSystem: opts.source.sourceSystem,
    wrappedKey: wrapDataKey(key, opts.recipientPublicKey, jobId),
  };
  const tmp = `${opts.out}.partial-${bundleId.slice(0, 8)}`;
  const fh = await open(tmp, 'wx', 0o600);
  let seq = 0;
  let bytes = 0;
  const prefix = createHash('sha256');
  let prefixDone = false;
  const write = async (b: Buffer): Promise<void> => {
    await fh.write(b);
    if (!prefixDone) prefix.update(b);
    bytes += b.length;
  };
  const frame = async (name: string, fields: Record<string, FieldValue>): Promise<void> => {
    const batch: RecordBatch = { v: 1, sourceSystem: 'bundle', entity: name, seq, records: [{ sourceId: String(seq), op: 'upsert', fields }], checkpoint: {}, final: false };
    const sealed = sealBatch(batch, key, jobId);
    await write(encodeFrameHeader(name, seq, sealed.length));
    await write(sealed);
    seq++;
  };
  const manifest: BundleManifest = {
    v: 1, bundleId, tenantId: opts.tenantId, createdAt, sourceSystem: opts.source.sourceSystem, entities: {}, schema, frames: 0, totalRows: 0,
    agentId: opts.signer.agentId, prefixSha256: '',
  };
  try {
    const h = Buffer.from(JSON.stringify(header), 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(h.length);
    await write(Buffer.concat([BUNDLE_MAGIC, len, h]));

    for (const [index, entity] of entities.entries()) {
      const name = `${CSV_FRAME_PREFIX}${entity}`;
      const file = `${String(index).padStart(3, '0')}-${entity.replace(/[^A-Za-z0-9_.-]/g, '_')}.csv`;
      const sha = createHash('sha256');
      let rows = 0;
      let size = 0;
      let frames = 0;
      let cursor: Checkpoint | null = null;
      let columns: string[] | null = null;
      let pending: string[] = [];
      let pendingBytes = 0;
      const flush = async (): Promise<void> => {
        if (pending.length === 0) return;
        const text = pending.join('');
        pending = [];
        pendingBytes = 0;
        await frame(name, { data: text });
        frames++;
      };
      const emit = async (text: string): Promise<void> => {
        sha.update(text, 'utf8');
        size += Buffer.byteLength(text, 'utf8');
        pending.push(text);
        pendingBytes += text.length;
        if (pendingBytes >= CHUNK_BYTES) await flush();
      };
      for await (const batch of opts.source.read(entity, { batchSize: opts.batchSize ?? 1000, signal: opts.signal })) {
        if (!columns) {
          // Header: the discovered fields, else the first batch's; later unknown fields go to __extra.
          const discovered = schema?.streams.find((s) => s.entity === entity)?.fields.map((f) => f.name) ?? [];
          const seen = new Set<string>(discovered);
          for (const r of batch.records) for (const k of Object.keys(r.fields)) seen.add(k);
          columns = [...seen].filter((c) => c !== ID && c !== OP && c !== EXTRA);
          await emit(stringify([[ID, OP, ...columns, EXTRA]]));
        }
        const known = new Set(columns);
        const lines = batch.records.map((r) => {
          const extra: Record<string, FieldValue> = {};
          let hasExtra = false;
          for (const [k, v] of Object.entries(r.fields)) {
            if (!known.has(k)) {
              extra[k] = v;
              hasExtra = true;
            }
          }
          return [JSON.stringify(r.sourceId), JSON.stringify(r.op ?? 'upsert'), ...columns!.map((c) => cell(r.fields[c])), hasExtra ? JSON.stringify(extra) : null];
        });
        if (lines.length) await emit(stringify(lines));
        rows += lines.length;
        cursor = batch.checkpoint;
      }
      if (!columns) await emit(stringify([[ID, OP, EXTRA]]));
      await flush();
      manifest.entities[entity] = { file, idColumn: ID, opColumn: OP, extraColumn: EXTRA, encoding: 'json', rows, bytes: size, sha256: sha.digest('hex'), frames, cursor };
      manifest.totalRows += rows;
      log.info('bundle: entity exported', { entity, rows, frames });
    }
    manifest.frames = seq + 1;
    manifest.prefixSha256 = prefix.digest('hex');
    prefixDone = true;
    const text = JSON.stringify(manifest);
    await frame(MANIFEST_FRAME, { manifest: text, signature: signBundleManifest(opts.signer.privateKey, text) });
    await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  await rename(tmp, opts.out);
  return { bundleId, file: opts.out, bytes, manifest };
}
