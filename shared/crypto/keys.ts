/**
 * Key formats. Public keys travel as base64 DER SPKI, private keys as base64 DER PKCS#8, so they
 * fit in JSON, sqlite text columns and keychain entries. Two key kinds exist:
 * - the control plane's X25519 transport key, for which per-job data keys are wrapped;
 * - each agent's Ed25519 identity key, with which it signs the server's challenge.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { InvalidKeyError } from './errors.ts';

export interface EncodedKeyPair {
  /** base64 DER SPKI */
  publicKey: string;
  /** base64 DER PKCS#8 */
  privateKey: string;
}

function encodePair(pair: { publicKey: KeyObject; privateKey: KeyObject }): EncodedKeyPair {
  return {
    publicKey: pair.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
  };
}

/** A fresh X25519 key pair for the control plane (recipient of wrapped data keys). */
export function generateTransportKeyPair(): EncodedKeyPair {
  return encodePair(generateKeyPairSync('x25519'));
}

/** A fresh Ed25519 key pair for an agent identity. */
export function generateIdentityKeyPair(): EncodedKeyPair {
  return encodePair(generateKeyPairSync('ed25519'));
}

export function importPublicKey(b64: string, expected: 'x25519' | 'ed25519'): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(b64, 'base64'), format: 'der', type: 'spki' });
  } catch (err) {
    throw new InvalidKeyError(`not a DER SPKI public key: ${(err as Error).message}`);
  }
  if (key.asymmetricKeyType !== expected) {
    throw new InvalidKeyError(`expected an ${expected} public key, got ${key.asymmetricKeyType ?? 'unknown'}`);
  }
  return key;
}

export function importPrivateKey(b64: string, expected: 'x25519' | 'ed25519'): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: Buffer.from(b64, 'base64'), format: 'der', type: 'pkcs8' });
  } catch {
    // Never echo the parser's message: it could quote key bytes.
    throw new InvalidKeyError('not a DER PKCS#8 private key');
  }
  if (key.asymmetricKeyType !== expected) {
    throw new InvalidKeyError(`expected an ${expected} private key, got ${key.asymmetricKeyType ?? 'unknown'}`);
  }
  return key;
}

/** Short stable id of a public key (first 16 hex of SHA-256 over the SPKI bytes). */
export function keyId(publicKeyB64: string): string {
  return createHash('sha256').update(Buffer.from(publicKeyB64, 'base64')).digest('hex').slice(0, 16);
}
