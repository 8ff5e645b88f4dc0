/**
 * Anchors: the chain heads, signed with an Ed25519 key that lives outside the database and appended
 * to a file outside it. A superuser who rewrites the whole chain, or cuts its tail, cannot make the
 * anchored (seq, hash) pairs match again without the key.
 *   NEXUS_AUDIT_ANCHOR_FILE      default <data dir>/audit-anchors.jsonl
 *   NEXUS_AUDIT_ANCHOR_KEY_FILE  default <data dir>/audit-anchor-key.pem (created on first use, 0600)
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { readChainHeads } from './chain-sql.ts';

export interface Anchor {
  schema: string;
  tenant: string;
  seq: number;
  hash: string;
  at: string;
  sig: string;
}

function dataDir(env: NodeJS.ProcessEnv): string {
  return env.NEXUS_DATA_DIR ?? path.join(os.homedir(), '.nexus-migrate');
}

export function anchorFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return env.NEXUS_AUDIT_ANCHOR_FILE ?? path.join(dataDir(env), 'audit-anchors.jsonl');
}

function keyFilePath(env: NodeJS.ProcessEnv): string {
  return env.NEXUS_AUDIT_ANCHOR_KEY_FILE ?? path.join(dataDir(env), 'audit-anchor-key.pem');
}

async function anchorKey(env: NodeJS.ProcessEnv, create: boolean): Promise<KeyObject | null> {
  const file = keyFilePath(env);
  if (existsSync(file)) return createPrivateKey(await readFile(file, 'utf8'));
  if (!create) return null;
  const { privateKey } = generateKeyPairSync('ed25519');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600, flag: 'wx' });
  return privateKey;
}

function signedText(a: Omit<Anchor, 'sig'>): Buffer {
  return Buffer.from(JSON.stringify([a.schema, a.tenant, a.seq, a.hash, a.at]), 'utf8');
}

/** Sign and append the current head of every chain in `schema`. Returns the anchors written. */
export async function anchorHeads(db: pg.Pool, schema: string, env: NodeJS.ProcessEnv = process.env): Promise<Anchor[]> {
  const key = (await anchorKey(env, true))!;
  const at = new Date().toISOString();
  const anchors = (await readChainHeads(db, schema)).map((h) => {
    const body = { schema, tenant: h.tenant, seq: h.seq, hash: h.hash, at };
    return { ...body, sig: sign(null, signedText(body), key).toString('base64') };
  });
  if (anchors.length === 0) return [];
  const file = anchorFilePath(env);
  await mkdir(path.dirname(file), { recursive: true });
  await appendFile(file, anchors.map((a) => JSON.stringify(a)).join('\n') + '\n', { mode: 0o600 });
  return anchors;
}

export interface AnchorRead {
  anchors: Anchor[];
  /** Lines that are not valid signed anchors: the file itself was edited. */
  invalid: { line: number; reason: string }[];
  keyMissing: boolean;
}

/** Read and check the signatures of the anchors of `schema` (all tenants). */
export async function readAnchors(schema: string, env: NodeJS.ProcessEnv = process.env): Promise<AnchorRead> {
  const file = anchorFilePath(env);
  const key = await anchorKey(env, false);
  const out: AnchorRead = { anchors: [], invalid: [], keyMissing: key === null };
  if (!existsSync(file)) return out;
  if (!key) return out;
  const pub = createPublicKey(key);
  const lines = (await readFile(file, 'utf8')).split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let a: Anchor;
    try {
      a = JSON.parse(line) as Anchor;
    } catch {
      out.invalid.push({ line: i + 1, reason: 'not JSON' });
      return;
    }
    const ok = typeof a.sig === 'string' && verify(null, signedText(a), pub, Buffer.from(a.sig, 'base64'));
    if (!ok) out.invalid.push({ line: i + 1, reason: 'signature does not verify' });
    else if (a.schema === schema) out.anchors.push(a);
  });
  return out;
}
