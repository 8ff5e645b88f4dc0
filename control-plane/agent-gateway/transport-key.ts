/**
 * The control plane's X25519 transport key (agents wrap each job's data key for it).
 * Loaded from NEXUS_TRANSPORT_KEY (JSON {publicKey, privateKey}) or from a key file
 * (NEXUS_TRANSPORT_KEY_FILE, created 0600 on first use when `create` is set; `nexus-migrate serve`
 * defaults it to transportKeyFile(): transport-key.json in the control plane data folder).
 * The private half is registered with the redactor the moment it is read.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { generateTransportKeyPair, importPrivateKey, importPublicKey, type EncodedKeyPair } from '../../shared/crypto/index.ts';
import { registerSecret } from '../../shared/log/redact.ts';

const KeyFile = z.object({ publicKey: z.string().min(1), privateKey: z.string().min(1) });

export class TransportKeyError extends Error {
  override readonly name = 'TransportKeyError';
}

function validated(raw: unknown, where: string): EncodedKeyPair {
  const parsed = KeyFile.safeParse(raw);
  if (!parsed.success) throw new TransportKeyError(`transport key in ${where} must be JSON {publicKey, privateKey}`);
  registerSecret(parsed.data.privateKey);
  importPublicKey(parsed.data.publicKey, 'x25519');
  importPrivateKey(parsed.data.privateKey, 'x25519');
  return parsed.data;
}

/** NEXUS_TRANSPORT_KEY_FILE, else transport-key.json in $NEXUS_DATA_DIR (default ~/.nexus-migrate). */
export function transportKeyFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.NEXUS_TRANSPORT_KEY_FILE ?? path.join(env.NEXUS_DATA_DIR ?? path.join(os.homedir(), '.nexus-migrate'), 'transport-key.json');
}

export function loadTransportKey(opts: { env?: NodeJS.ProcessEnv; file?: string; create?: boolean } = {}): EncodedKeyPair {
  const env = opts.env ?? process.env;
  if (env.NEXUS_TRANSPORT_KEY) {
    let raw: unknown;
    try {
      raw = JSON.parse(env.NEXUS_TRANSPORT_KEY);
    } catch {
      throw new TransportKeyError('NEXUS_TRANSPORT_KEY is not valid JSON');
    }
    return validated(raw, 'NEXUS_TRANSPORT_KEY');
  }
  const file = opts.file ?? env.NEXUS_TRANSPORT_KEY_FILE;
  if (!file) throw new TransportKeyError('no transport key: set NEXUS_TRANSPORT_KEY or NEXUS_TRANSPORT_KEY_FILE');
  if (existsSync(file)) return validated(JSON.parse(readFileSync(file, 'utf8')) as unknown, file);
  if (!opts.create) throw new TransportKeyError(`transport key file ${file} does not exist`);
  const pair = generateTransportKeyPair();
  writeFileSync(file, JSON.stringify(pair), { mode: 0o600, flag: 'wx' });
  registerSecret(pair.privateKey);
  return pair;
}
