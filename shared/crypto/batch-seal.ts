/**
 * Sealing a RecordBatch for transport or storage:
 *   msgpack (msgpackr) → raw deflate (level 1) → AES-256-GCM under the job's data key,
 * with (job id, entity, seq) bound as associated data. Layout of a sealed batch:
 *   [1 byte format version = 1][12 bytes IV][16 bytes GCM tag][ciphertext]
 * The header (job id, entity, seq) is carried beside the sealed bytes (wire message, bundle
 * record, spool row) and must be supplied again to open it: a batch moved to another
 * job/entity/seq, or altered in any byte, fails authentication.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync, constants as zc } from 'node:zlib';
import { Packr } from 'msgpackr';
import { BatchIntegrityError } from './errors.ts';
import type { ParsedRecordBatch, RecordBatch } from '../record-batch.ts';
import { toRecordBatch } from './batch-shape.ts';

export const SEAL_VERSION = 1;
const HEADER = 1 + 12 + 16;
/** Upper bound of one decompressed batch; protects the opener from decompression bombs. */
export const MAX_BATCH_BYTES = 256 * 1024 * 1024;

// Plain maps for records (no structure records/extensions), so any msgpack reader can decode it.
const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });

export interface BatchBinding {
  jobId: string;
  entity: string;
  seq: number;
}

/** Length-prefixed associated data so ("a\0b", "c") and ("a", "b\0c") never collide. */
export function batchAad(b: BatchBinding): Buffer {
  const parts = ['nexus-migrate/batch/v1', b.jobId, b.entity, String(b.seq)];
  return Buffer.from(parts.map((p) => `${Buffer.byteLength(p, 'utf8')}:${p}`).join('|'), 'utf8');
}

export function sealBatch(batch: RecordBatch, key: Buffer, jobId: string): Buffer {
  const binding = { jobId, entity: batch.entity, seq: batch.seq };
  const packed = packr.pack(batch);
  const compressed = deflateRawSync(packed, { level: zc.Z_BEST_SPEED });
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(batchAad(binding));
  const ct = Buffer.concat([cipher.update(compressed), cipher.final()]);
  return Buffer.concat([Buffer.from([SEAL_VERSION]), iv, cipher.getAuthTag(), ct]);
}

/**
 * Check the GCM tag only (no decompression or parsing): what the control plane does on receipt
 * before staging a batch. Throws BatchIntegrityError when the batch is not authentic.
 */
export function authenticateBatch(sealed: Uint8Array, key: Buffer, binding: BatchBinding): void {
  const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const fail = (reason: string): never => {
    throw new BatchIntegrityError(binding.jobId, binding.entity, binding.seq, reason);
  };
  if (buf.length < HEADER + 1) fail(`sealed batch too short (${buf.length} bytes)`);
  if (buf[0] !== SEAL_VERSION) fail(`unknown seal format version ${buf[0]}`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, buf.subarray(1, 13));
    decipher.setAAD(batchAad(binding));
    decipher.setAuthTag(buf.subarray(13, HEADER));
    decipher.update(buf.subarray(HEADER));
    decipher.final();
  } catch {
    fail('authentication failed (tampered, wrong key, or bound to another job/entity/seq)');
  }
}

/** Authenticate, decrypt, decompress and validate. Throws BatchIntegrityError on any mismatch. */
export function openBatch(sealed: Uint8Array, key: Buffer, binding: BatchBinding): ParsedRecordBatch {
  const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const fail = (reason: string): never => {
    throw new BatchIntegrityError(binding.jobId, binding.entity, binding.seq, reason);
  };
  if (buf.length < HEADER + 1) fail(`sealed batch too short (${buf.length} bytes)`);
  if (buf[0] !== SEAL_VERSION) fail(`unknown seal format version ${buf[0]}`);
  let compressed: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, buf.subarray(1, 13));
    decipher.setAAD(batchAad(binding));
    decipher.setAuthTag(buf.subarray(13, HEADER));
    compressed = Buffer.concat([decipher.update(buf.subarray(HEADER)), decipher.final()]);
  } catch {
    return fail('authentication failed (tampered, wrong key, or bound to another job/entity/seq)');
  }
  let decoded: unknown;
  try {
    decoded = packr.unpack(inflateRawSync(compressed, { maxOutputLength: MAX_BATCH_BYTES }));
  } catch (err) {
    return fail(`payload could not be decoded: ${(err as Error).message}`);
  }
  let batch: ParsedRecordBatch;
  try {
    batch = toRecordBatch(decoded);
  } catch (err) {
    return fail(`payload is not a valid RecordBatch: ${(err as Error).message.slice(0, 200)}`);
  }
  if (batch.entity !== binding.entity || batch.seq !== binding.seq) {
    fail(`payload says ${batch.entity}#${batch.seq}`);
  }
  return batch;
}
