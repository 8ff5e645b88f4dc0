/** wss: certificate verification with a private CA, a pinned fingerprint, and refusal otherwise. */
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../control-plane/db/migrate.ts';
import { generateTransportKeyPair } from '../../shared/crypto/index.ts';
import { createTestSchema, type TestSchema } from '../../test/support/pg.ts';
import { Agent } from './agent.ts';
import type { AgentConfigInput } from './config.ts';
import { startControlPlane, TENANT, type TestControlPlane } from './testing/harness.ts';
import { testSecretStore } from '../../test/support/keyring.ts';

let db: TestSchema;
let cp: TestControlPlane;
let work: string;
let certFile: string;
let fingerprint: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'nexus-tls-'));
  certFile = path.join(work, 'cert.pem');
  const keyFile = path.join(work, 'key.pem');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  fingerprint = new X509Certificate(readFileSync(certFile)).fingerprint256;
  db = await createTestSchema('agenttls');
  await migrate(db.pool, 'control', db.schema);
  cp = await startControlPlane({ pool: db.pool, controlSchema: db.schema, transportKey: generateTransportKeyPair(), tls: { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') } });
});

afterAll(async () => {
  await cp?.close();
  await db?.drop();
  rmSync(work, { recursive: true, force: true });
});

async function tryEnroll(tls: AgentConfigInput['tls']): Promise<boolean> {
  const agent = new Agent({ dataDir: mkdtempSync(path.join(work, 'agent-')), secrets: await testSecretStore(), config: { tls, backoff: { baseMs: 20, maxMs: 100 } } });
  try {
    const { token } = await cp.gateway.issueEnrollmentToken(TENANT);
    await agent.enroll(cp.url, token, 1500);
    return agent.connected;
  } catch {
    return false;
  } finally {
    await agent.stop();
  }
}

describe('wss link', () => {
  it('given the private CA that signed the server certificate, then the agent connects', async () => {
    expect(await tryEnroll({ caFile: certFile })).toBe(true);
  });

  it('given the pinned fingerprint of the server certificate, then the agent connects', async () => {
    expect(await tryEnroll({ fingerprint256: fingerprint })).toBe(true);
  });

  it.each([
    ['no CA and no pin (untrusted self-signed certificate)', (): AgentConfigInput['tls'] => ({})],
    ['a pin of another certificate', (): AgentConfigInput['tls'] => ({ fingerprint256: fingerprint.replace(/^../, fingerprint.startsWith('00') ? '11' : '00') })],
  ])('given %s, then the agent refuses to talk to the server', async (_name, tls) => {
    expect(await tryEnroll(tls())).toBe(false);
  });
});
