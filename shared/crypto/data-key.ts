/**
 * Per-job data keys: 32 random bytes used with AES-256-GCM for every batch of a job, wrapped
 * for the control plane's X25519 transport key (ephemeral-static ECDH, HKDF-SHA256, AES-256-GCM).
 * The job id is bound into the wrap as associated data, so a wrapped key cannot be moved to
 * another job.
 */
import { createCipheriv, createDecipheriv, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { KeyUnwrapError } from './errors.ts';
import { importPrivateKey, importPublicKey, keyId } from './keys.ts';

export const WRAP_ALG = 'X25519-HKDF-SHA256-A256GCM';
const HKDF_INFO = Buffer.from('nexus-migrate/data-key/v1', 'utf8');

export const WrappedKeySchema = z.object({
  alg: z.literal(WRAP_ALG),
  /** keyId() of the recipient public key. */
  kid: z.string().min(1).max(64),
  /** Ephemeral X25519 public key, base64 DER SPKI. */
  epk: z.string().min(1).max(200),
  iv: z.string().length(16),
  ct: z.string().min(1).max(100),
  tag: z.string().length(24),
});
export type WrappedKey = z.infer<typeof WrappedKeySchema>;

/** A fresh 256-bit data key. */
export function createDataKey(): Buffer {
  return randomBytes(32);
}

function kek(shared: Buffer, epk: string, recipient: string): Buffer {
  const salt = Buffer.concat([Buffer.from(epk, 'base64'), Buffer.from(recipient, 'base64')]);
  return Buffer.from(hkdfSync('sha256', shared, salt, HKDF_INFO, 32));
}

export function wrapDataKey(dataKey: Buffer, recipientPublicKeyB64: string, jobId: string): WrappedKey {
  const recipient = importPublicKey(recipientPublicKeyB64, 'x25519');
  const eph = generateKeyPairSync('x25519');
  const epk = eph.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const shared = diffieHellman({ privateKey: eph.privateKey, publicKey: recipient });
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek(shared, epk, recipientPublicKeyB64), iv);
  cipher.setAAD(Buffer.from(`wrap\n${jobId}`, 'utf8'));
  const ct = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return {
    alg: WRAP_ALG,
    kid: keyId(recipientPublicKeyB64),
    epk,
    iv: iv.toString('base64'),
    ct: ct.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
  };
}

export function unwrapDataKey(wrapped: unknown, recipient: { publicKey: string; privateKey: string }, jobId: string): Buffer {
  const parsed = WrappedKeySchema.safeParse(wrapped);
  if (!parsed.success) throw new KeyUnwrapError(jobId, `malformed wrapped key (${parsed.error.issues[0]?.path.join('.') ?? '?'})`);
  const w = parsed.data;
  if (w.kid !== keyId(recipient.publicKey)) throw new KeyUnwrapError(jobId, `wrapped for key ${w.kid}, not ${keyId(recipient.publicKey)}`);
  try {
    const shared = diffieHellman({ privateKey: importPrivateKey(recipient.privateKey, 'x25519'), publicKey: importPublicKey(w.epk, 'x25519') });
    const decipher = createDecipheriv('aes-256-gcm', kek(shared, w.epk, recipient.publicKey), Buffer.from(w.iv, 'base64'));
    decipher.setAAD(Buffer.from(`wrap\n${jobId}`, 'utf8'));
    decipher.setAuthTag(Buffer.from(w.tag, 'base64'));
    const key = Buffer.concat([decipher.update(Buffer.from(w.ct, 'base64')), decipher.final()]);
    if (key.length !== 32) throw new Error('unwrapped key is not 32 bytes');
    return key;
  } catch (err) {
    throw new KeyUnwrapError(jobId, err instanceof Error && /auth/i.test(err.message) ? 'authentication failed' : 'invalid wrap');
  }
}
