/**
 * Master keys for envelope encryption. A KeyProvider wraps and unwraps data keys; the
 * environment provider holds NEXUS_MASTER_KEY (32 bytes, base64 or hex) and, during a rotation,
 * the old keys in NEXUS_MASTER_KEY_PREVIOUS (comma separated). A KMS plugin implements the same
 * three members against its service (wrap = Encrypt, unwrap = Decrypt).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export interface KeyProvider {
  /** Id of the key new data keys are wrapped with. */
  readonly currentKeyId: string;
  wrap(dataKey: Buffer): Promise<{ kekId: string; wrapped: Buffer }>;
  unwrap(kekId: string, wrapped: Buffer): Promise<Buffer>;
}

export class MasterKeyError extends Error {
  override readonly name = 'MasterKeyError';
}

export function parseMasterKey(text: string, what = 'NEXUS_MASTER_KEY'): Buffer {
  const t = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32) throw new MasterKeyError(`${what} must be 32 bytes, base64 or hex encoded (got ${key.length} bytes)`);
  return key;
}

function keyId(key: Buffer): string {
  return `local:${createHash('sha256').update('nexus-kek-id').update(key).digest('hex').slice(0, 16)}`;
}

/** AES-256-GCM key wrapping with local master keys: wrapped = iv(12) | tag(16) | ciphertext(32). */
export class LocalKeyProvider implements KeyProvider {
  readonly currentKeyId: string;
  private readonly keys = new Map<string, Buffer>();

  constructor(current: Buffer, previous: Buffer[] = []) {
    this.currentKeyId = keyId(current);
    this.keys.set(this.currentKeyId, current);
    for (const k of previous) this.keys.set(keyId(k), k);
  }

  async wrap(dataKey: Buffer): Promise<{ kekId: string; wrapped: Buffer }> {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.keys.get(this.currentKeyId)!, iv);
    c.setAAD(Buffer.from(this.currentKeyId));
    const ct = Buffer.concat([c.update(dataKey), c.final()]);
    return { kekId: this.currentKeyId, wrapped: Buffer.concat([iv, c.getAuthTag(), ct]) };
  }

  async unwrap(kekId: string, wrapped: Buffer): Promise<Buffer> {
    const key = this.keys.get(kekId);
    if (!key) throw new MasterKeyError(`master key ${kekId} is not configured (set it in NEXUS_MASTER_KEY_PREVIOUS to rotate)`);
    const d = createDecipheriv('aes-256-gcm', key, wrapped.subarray(0, 12));
    d.setAAD(Buffer.from(kekId));
    d.setAuthTag(wrapped.subarray(12, 28));
    return Buffer.concat([d.update(wrapped.subarray(28)), d.final()]);
  }
}

/** The provider configured by the environment. */
export function keyProviderFromEnv(env: NodeJS.ProcessEnv = process.env): LocalKeyProvider {
  const current = env.NEXUS_MASTER_KEY;
  if (!current) throw new MasterKeyError('NEXUS_MASTER_KEY is not set: stored credentials cannot be encrypted');
  const previous = (env.NEXUS_MASTER_KEY_PREVIOUS ?? '')
    .split(',')
    .filter((s) => s.trim())
    .map((s, i) => parseMasterKey(s, `NEXUS_MASTER_KEY_PREVIOUS[${i}]`));
  return new LocalKeyProvider(parseMasterKey(current), previous);
}
