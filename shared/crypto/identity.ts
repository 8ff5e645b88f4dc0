/**
 * Agent identity: Ed25519 signatures over a server challenge. The signed message binds the
 * challenge to its purpose and to the agent id, so a signature cannot be replayed elsewhere.
 */
import { sign, verify } from 'node:crypto';
import { importPrivateKey, importPublicKey } from './keys.ts';

function challengeMessage(agentId: string, nonce: string): Buffer {
  return Buffer.from(`nexus-migrate/agent-auth/v1\n${agentId}\n${nonce}`, 'utf8');
}

/** Sign the server's nonce; returns base64. */
export function signChallenge(privateKeyB64: string, agentId: string, nonce: string): string {
  return sign(null, challengeMessage(agentId, nonce), importPrivateKey(privateKeyB64, 'ed25519')).toString('base64');
}

/** True when `signatureB64` is the agent's signature of this nonce. Malformed input yields false. */
export function verifyChallenge(publicKeyB64: string, agentId: string, nonce: string, signatureB64: string): boolean {
  try {
    return verify(null, challengeMessage(agentId, nonce), importPublicKey(publicKeyB64, 'ed25519'), Buffer.from(signatureB64, 'base64'));
  } catch {
    return false;
  }
}

function bundleMessage(manifestText: string): Buffer {
  return Buffer.from(`nexus-migrate/bundle-manifest/v1\n${manifestText}`, 'utf8');
}

/** Sign an offline bundle's manifest (its exact JSON text) with the agent's identity key; returns base64. */
export function signBundleManifest(privateKeyB64: string, manifestText: string): string {
  return sign(null, bundleMessage(manifestText), importPrivateKey(privateKeyB64, 'ed25519')).toString('base64');
}

/** True when `signatureB64` is this agent key's signature of the manifest text. Malformed input yields false. */
export function verifyBundleManifest(publicKeyB64: string, manifestText: string, signatureB64: string): boolean {
  try {
    return verify(null, bundleMessage(manifestText), importPublicKey(publicKeyB64, 'ed25519'), Buffer.from(signatureB64, 'base64'));
  } catch {
    return false;
  }
}
