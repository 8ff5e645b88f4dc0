/** Agent transport policy: plain ws:// only to loopback, through the shipped CLI and the pure check. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertKeyringTools, startKeyringSession } from '../secrets/testing/keyring-session.ts';
import { REPO_ROOT } from './testing/processes.ts';
import { assertSecureTransport } from './transport-policy.ts';

let keyring: Awaited<ReturnType<typeof startKeyringSession>>;
let work: string;

function cli(args: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const proc = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/nexus-migrate.mjs'), ...args, '--data-dir', path.join(work, 'data')], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NEXUS_LOG_LEVEL: 'info', ...keyring.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => proc.once('close', (code) => resolve({ code, stdout, stderr })));
}

beforeAll(async () => {
  assertKeyringTools();
  work = mkdtempSync(path.join(tmpdir(), 'nexus-transport-'));
  keyring = await startKeyringSession(path.join(work, 'home'));
});

afterAll(async () => {
  await keyring?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('agent transport policy', () => {
  it('given `agent enroll` to a plain ws:// URL on a non-loopback host, then it refuses at once with an error naming the URL', async () => {
    const res = await cli(['agent', 'enroll', '--url', 'ws://10.203.0.7:8080/agent/ws', '--token', 'tok-not-sent']);
    expect(res.code).not.toBe(0);
    expect(res.stdout + res.stderr).toContain('refusing plain ws:// to ws://10.203.0.7:8080/agent/ws');
  });

  it.each([
    ['ws://127.0.0.1:8080/agent/ws', true],
    ['ws://localhost:8080/agent/ws', true],
    ['ws://[::1]:8080/agent/ws', true],
    ['wss://cp.logicnexus.ai/agent/ws', true],
    ['ws://cp.logicnexus.ai/agent/ws', false],
    ['ws://192.168.1.5/agent/ws', false],
    ['ws://localhost.evil.example/agent/ws', false],
    ['http://cp.logicnexus.ai/agent/ws', false],
    ['not a url', false],
  ])('given %s, then allowed is %s', (url, allowed) => {
    if (allowed) expect(() => assertSecureTransport(url)).not.toThrow();
    else expect(() => assertSecureTransport(url)).toThrow(url);
  });
});
