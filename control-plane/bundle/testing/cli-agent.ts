/**
 * Test support: an agent enrolled the way a customer enrolls one — `nexus-migrate agent enroll`
 * (real CLI process, identity key in a private real gnome-keyring) against a real agent gateway
 * on loopback — so `bundle export --data-dir` signs with a genuinely enrolled identity.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type pg from 'pg';
import { startControlPlane, type TestControlPlane } from '../../../agent/core/testing/harness.ts';
import { assertKeyringTools, startKeyringSession } from '../../../agent/secrets/testing/keyring-session.ts';
import type { EncodedKeyPair } from '../../../shared/crypto/index.ts';

const BIN = path.resolve(import.meta.dirname, '../../../bin/nexus-migrate.mjs');

export interface CliAgent {
  agentId: string;
  dataDir: string;
  /** Environment for CLI processes that act as this agent (keychain session + NEXUS_AGENT_DATA_DIR). */
  env: Record<string, string>;
  cp: TestControlPlane;
  stop(): Promise<void>;
}

export function runCli(args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => proc.once('close', (code) => resolve({ code, stdout, stderr })));
}

export async function enrollCliAgent(o: { work: string; pool: pg.Pool; controlSchema: string; transportKey: EncodedKeyPair; tenantId: string; name?: string }): Promise<CliAgent> {
  assertKeyringTools();
  const keyring = await startKeyringSession(path.join(o.work, `home-${o.name ?? 'agent'}`));
  const cp = await startControlPlane({ pool: o.pool, controlSchema: o.controlSchema, transportKey: o.transportKey, heartbeatMs: 1000 });
  const dataDir = path.join(o.work, `agent-${o.name ?? 'agent'}`);
  const env = { ...keyring.env, NEXUS_AGENT_DATA_DIR: dataDir, NEXUS_LOG_LEVEL: 'warn' };
  try {
    const { token } = await cp.gateway.issueEnrollmentToken(o.tenantId);
    const r = await runCli(['agent', 'enroll', '--url', cp.url, '--token', token, '--name', o.name ?? 'site-agent'], env);
    if (r.code !== 0) throw new Error(`agent enroll failed (${r.code}): ${r.stderr}`);
    const { agentId } = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { agentId: string };
    return { agentId, dataDir, env, cp, async stop() { await cp.close(); await keyring.stop(); } };
  } catch (err) {
    await cp.close();
    await keyring.stop();
    throw err;
  }
}
