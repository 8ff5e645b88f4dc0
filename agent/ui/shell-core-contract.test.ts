/**
 * The contract between the Electron shell (agent/electron/core-process.ts, which has no Electron
 * import and so runs here) and the process hosting the UI: spawn, ready line, sign-in, stop.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentCoreStartError, parseReadyLine, startAgentCore } from '../electron/core-process.ts';
import { REPO_ROOT } from '../secrets/testing/keyring-session.ts';
import { formatUiReadyLine } from './agent-api.ts';

describe('Electron shell <-> agent core', () => {
  let appRoot: string;
  beforeAll(() => {
    appRoot = mkdtempSync(join(tmpdir(), 'nexus-shell-contract-'));
    mkdirSync(join(appRoot, 'bin'));
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(appRoot, 'node_modules'));
    const stub = pathToFileURL(join(REPO_ROOT, 'agent/ui/testing/core-stub.ts')).href;
    writeFileSync(join(appRoot, 'package.json'), '{"type":"module"}');
    writeFileSync(
      join(appRoot, 'bin', 'nexus-migrate.mjs'),
      `import { register } from 'tsx/esm/api';\nregister();\nawait import(${JSON.stringify(stub)});\n`,
    );
  });
  afterAll(() => rmSync(appRoot, { recursive: true, force: true }));

  it('given a core that serves the UI, then the shell gets a loopback sign-in link that works, and stop() ends the core', async () => {
    const logs: string[] = [];
    const exits: unknown[] = [];
    const core = startAgentCore({ appRoot, packaged: false, onLog: (l) => logs.push(l), onUnexpectedExit: (c) => exits.push(c) });
    try {
      const ready = await core.ready;
      expect(ready.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const signIn = await fetch(ready.loginUrl, { redirect: 'manual' });
      expect(signIn.status).toBe(303);
      const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
      const status = await fetch(`${ready.url}/api/status`, { headers: { cookie } });
      expect(await status.json()).toMatchObject({ enrolled: false, version: '0.1.0-test' });
      expect(logs.join('\n')).toContain('argv=["agent","start"] ELECTRON_RUN_AS_NODE=1');
    } finally {
      await core.stop();
    }
    const ready = await core.ready;
    await expect(fetch(`${ready.url}/`)).rejects.toThrow();
    expect(exits).toEqual([]);
  });

  it('given a core that crashes after start, then the shell is told so it can restart it', async () => {
    process.env.CORE_STUB_CRASH_AFTER_READY = '1';
    try {
      let resolveExit!: (code: number | null) => void;
      const exited = new Promise<number | null>((r) => (resolveExit = r));
      const core = startAgentCore({ appRoot, packaged: false, onLog: () => undefined, onUnexpectedExit: (c) => resolveExit(c) });
      await core.ready;
      expect(await exited).toBe(5);
      await core.stop();
    } finally {
      delete process.env.CORE_STUB_CRASH_AFTER_READY;
    }
  });

  it('given a core that exits before announcing its UI, then ready rejects with AgentCoreStartError', async () => {
    process.env.CORE_STUB_FAIL = '1';
    try {
      const core = startAgentCore({ appRoot, packaged: false, onLog: () => undefined });
      const err = await core.ready.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AgentCoreStartError);
      expect((err as Error).message).toContain('exited before its UI was ready (code 3');
      await core.stop();
    } finally {
      delete process.env.CORE_STUB_FAIL;
    }
  });

  it.each([
    ['the UI ready line', formatUiReadyLine({ url: 'http://127.0.0.1:4711', loginUrl: 'http://127.0.0.1:4711/?token=abc' }), true],
    ['a non-loopback URL', formatUiReadyLine({ url: 'http://10.0.0.5:4711', loginUrl: 'http://10.0.0.5:4711/?token=abc' }), false],
    ['a sign-in link on another origin', formatUiReadyLine({ url: 'http://127.0.0.1:4711', loginUrl: 'http://127.0.0.1:9999/?token=abc' }), false],
    ['https on loopback', formatUiReadyLine({ url: 'https://127.0.0.1:4711', loginUrl: 'https://127.0.0.1:4711/?token=abc' }), false],
    ['an ordinary log line', '{"ts":"2026-11-25T00:00:00Z","level":"info","msg":"hello"}', false],
    ['broken JSON', '{"uiReady":true,', false],
  ])('given %s, then the shell accepts it: %s', (_label, line, accepted) => {
    expect(parseReadyLine(line) !== null).toBe(accepted);
  });
});
