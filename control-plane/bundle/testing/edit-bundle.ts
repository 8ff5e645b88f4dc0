/**
 * Test support: rewrite a bundle's manifest as someone holding its data key could (the control
 * plane's transport private key unwraps it), keeping the agent's signature unless `resign` is given.
 */
import { writeFile } from 'node:fs/promises';
import { BUNDLE_MAGIC, MANIFEST_FRAME, bundleJobId, encodeFrameHeader } from '../../../agent/bundle/format.ts';
import { sealBatch, signBundleManifest, type EncodedKeyPair } from '../../../shared/crypto/index.ts';
import { bundleKey, readBundleHeader, readFrames } from '../frames.ts';

export async function rewriteManifest(file: string, out: string, tenantId: string, key: EncodedKeyPair,
  edit: (m: Record<string, unknown>, fields: Record<string, string>) => void, resign?: string): Promise<string> {
  const header = await readBundleHeader(file);
  const dataKey = bundleKey(file, header, tenantId, key);
  const jobId = bundleJobId(header.bundleId, header.tenantId);
  const h = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(h.length);
  const parts: Buffer[] = [BUNDLE_MAGIC, len, h];
  for await (const f of readFrames(file, header, dataKey)) {
    let fields = { ...(f.fields as Record<string, string>) };
    if (f.name === MANIFEST_FRAME) {
      const m = JSON.parse(fields['manifest']!) as Record<string, unknown>;
      edit(m, fields);
      const text = JSON.stringify(m);
      fields = { ...fields, manifest: text, ...(resign ? { signature: signBundleManifest(resign, text) } : {}) };
    }
    const sealed = sealBatch({ v: 1, sourceSystem: 'bundle', entity: f.name, seq: f.seq, records: [{ sourceId: String(f.seq), op: 'upsert', fields }], checkpoint: {}, final: false }, dataKey, jobId);
    parts.push(encodeFrameHeader(f.name, f.seq, sealed.length), sealed);
  }
  await writeFile(out, Buffer.concat(parts));
  return out;
}
