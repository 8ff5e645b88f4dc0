/**
 * The offline bundle file (agent → control plane without a network link). Layout:
 *
 *   "NXBUNDL1"                       8 bytes magic
 *   u32 BE length + header JSON      { v, bundleId, tenantId, createdAt, sourceSystem, wrappedKey }
 *   frames, each:                    u16 BE name length, name (utf8), u32 BE seq, u32 BE length, sealed bytes
 *
 * Every frame is a RecordBatch sealed with shared/crypto (AES-256-GCM under one data key wrapped for
 * the control plane's X25519 key), bound to (job, frame name, seq). The job binds bundle id AND
 * tenant, so editing the plaintext header breaks every frame. Frames `csv:<entity>` carry CSV text
 * chunks in order; the last frame, `manifest`, carries counts, sha256 checksums, the discovered
 * schema and source cursors. A file that ends before the manifest is truncated; seq must run 0..n
 * without gaps, so a dropped or reordered frame is detected.
 *
 * The manifest names the enrolled agent that made the bundle (`agentId`) and carries `prefixSha256`,
 * the sha256 of every byte of the file before the manifest frame (magic, header with the wrapped key,
 * every sealed frame). The manifest frame holds the manifest's exact JSON text and the agent's Ed25519
 * signature of it (shared/crypto signBundleManifest), so every manifest field and, through the
 * digest, every frame is authenticated by the agent's identity — not merely by the public transport key.
 */
import { z } from 'zod';
import { CheckpointSchema } from '../../shared/record-batch.ts';
import { WrappedKeySchema } from '../../shared/crypto/index.ts';

export const BUNDLE_MAGIC = Buffer.from('NXBUNDL1', 'latin1');
export const MANIFEST_FRAME = 'manifest';
export const CSV_FRAME_PREFIX = 'csv:';
/** Plaintext CSV per frame (before compression). */
export const CHUNK_BYTES = 1024 * 1024;
export const MAX_HEADER_BYTES = 64 * 1024;

export const BundleHeaderSchema = z.object({
  v: z.literal(1),
  bundleId: z.string().uuid(),
  tenantId: z.string().min(1).max(128),
  createdAt: z.string(),
  sourceSystem: z.string().min(1).max(64),
  wrappedKey: WrappedKeySchema,
});
export type BundleHeader = z.infer<typeof BundleHeaderSchema>;

export const BundleEntitySchema = z.object({
  file: z.string(),
  idColumn: z.string(),
  opColumn: z.string(),
  extraColumn: z.string(),
  encoding: z.literal('json'),
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().length(64),
  frames: z.number().int().nonnegative(),
  /** The source's checkpoint after the last record exported (resume point of an incremental export). */
  cursor: CheckpointSchema.nullable(),
});

export const BundleManifestSchema = z.object({
  v: z.literal(1),
  bundleId: z.string().uuid(),
  tenantId: z.string(),
  createdAt: z.string(),
  sourceSystem: z.string(),
  /** In the CSV connector's manifest shape, so the decrypted folder reads as a CSV source. */
  entities: z.record(BundleEntitySchema),
  /** discover() of the source at export time (null when the source could not describe itself). */
  schema: z.unknown().nullable(),
  frames: z.number().int().nonnegative(),
  totalRows: z.number().int().nonnegative(),
  /** The enrolled agent whose identity key signed this manifest. */
  agentId: z.string().uuid(),
  /** sha256 (hex) of the file's bytes before the manifest frame. */
  prefixSha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type BundleManifest = z.infer<typeof BundleManifestSchema>;

/** The enrolled agent's identity, with which a bundle is signed (private key from the agent's keychain). */
export interface BundleSigner {
  agentId: string;
  /** base64 DER PKCS#8 Ed25519 private key */
  privateKey: string;
}

/** The crypto job id: binds bundle id and tenant into every frame and the key wrap. */
export function bundleJobId(bundleId: string, tenantId: string): string {
  return `bundle/${bundleId}/${tenantId}`;
}

export function encodeFrameHeader(name: string, seq: number, length: number): Buffer {
  const n = Buffer.from(name, 'utf8');
  const b = Buffer.alloc(2 + n.length + 8);
  b.writeUInt16BE(n.length, 0);
  n.copy(b, 2);
  b.writeUInt32BE(seq, 2 + n.length);
  b.writeUInt32BE(length, 6 + n.length);
  return b;
}
