/**
 * End to end without Electron: the shell's core launcher (agent/electron/core-process.ts) starts the
 * real `nexus-migrate agent start` inside a real gnome-keyring session; the test signs in through
 * the announced link, saves a source password and checks it reached the keychain, not the disk.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentCore } from '../electron/core-process.ts';
import { assertKeyringTools, REPO_ROOT, startKeyringSession } from '../secrets/testing/keyring-session.ts';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('Electron shell launcher with the real agent core', () => {
  let root: string;
  let keyring: Awaited<ReturnType<typeof startKeyringSession>> | undefined;
  const saved: Record<string, string | undefined> = {};
  beforeAll(async () => {
    assertKeyringTools();
    root = mkdtempSync(join(tmpdir(), 'nexus-shell-real-'));
    // The core inherits this process's environment, as it inherits the desktop session's.
    keyring = await startKeyringSession(join(root, 'home'));
    const env = { ...keyring.env, NEXUS_AGENT_DATA_DIR: join(root, 'data') };
    for (const [k, v] of Object.entries(env)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await keyring?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('given `agent start`, then the shell opens a working UI whose password goes to the keychain only', async () => {
    const password = 'real-core-pw-8d2f';
    const core = startAgentCore({ appRoot: REPO_ROOT, packaged: false, onLog: () => undefined });
    try {
      const ready = await core.ready;
      const signIn = await fetch(ready.loginUrl, { redirect: 'manual' });
      expect(signIn.status).toBe(303);
      const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
      const status = await (await fetch(`${ready.url}/api/status`, { headers: { cookie } })).json();
      expect(status).toMatchObject({ enrolled: false, connected: false, agentId: null });
      const put = await fetch(`${ready.url}/api/source`, {
        method: 'PUT',
        headers: { cookie, origin: ready.url, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'postgres', host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres', password }),
      });
      const body = await put.text();
      expect(put.status, body).toBe(200);
      expect(JSON.parse(body)).toMatchObject({ configured: true, passwordSet: true });
      const again = await (await fetch(`${ready.url}/api/source`, { headers: { cookie } })).text();
      expect(JSON.parse(again)).toMatchObject({ host: '127.0.0.1', passwordSet: true });
      expect(body + again).not.toContain(password);
    } finally {
      await core.stop();
    }
    const dataFiles = filesUnder(join(root, 'data'));
    expect(dataFiles.length).toBeGreaterThan(0);
    for (const f of dataFiles) expect(readFileSync(f).includes(password), f).toBe(false);
  });
});
