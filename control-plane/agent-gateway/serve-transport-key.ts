/** The transport key `serve` uses (its own file so the CLI loads it, and zod, only when serving). */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../shared/log/logger.ts';
import type { EncodedKeyPair } from '../../shared/crypto/index.ts';
import { loadTransportKey, transportKeyFile } from './transport-key.ts';

/**
 * The transport key pair for this control plane: NEXUS_TRANSPORT_KEY, else the key file
 * (created 0600 on first start, read on every later one). Logs the file path, never the key.
 */
export function serveTransportKey(log: Logger, env: NodeJS.ProcessEnv = process.env): EncodedKeyPair {
  if (env.NEXUS_TRANSPORT_KEY) return loadTransportKey({ env });
  const file = transportKeyFile(env);
  if (existsSync(file)) {
    if ((statSync(file).mode & 0o077) !== 0) log.warn('the transport key file is readable by other users; chmod 600 it', { file });
    return loadTransportKey({ env, file });
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const pair = loadTransportKey({ env, file, create: true });
  log.warn('NEXUS_TRANSPORT_KEY is not set: created the transport key file; back it up, agents\' data cannot be decrypted without it', { file });
  return pair;
}
