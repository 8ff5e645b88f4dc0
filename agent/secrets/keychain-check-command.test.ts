import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertKeyringTools, lastJsonLine, runInKeyringSession } from './testing/keyring-session.ts';

const SCRIPT = 'agent/secrets/testing/run-keychain-check.ts';

describe('nexus-migrate keychain check', () => {
  let root: string;
  beforeAll(() => {
    assertKeyringTools();
    root = mkdtempSync(join(tmpdir(), 'nexus-keychain-check-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('given an unlocked Secret Service, then it reports ok and exits 0', async () => {
    const run = await runInKeyringSession(SCRIPT, { home: join(root, 'ok') });
    expect(lastJsonLine(run.stdout), run.stderr).toEqual({ ok: true, readBack: true, deleted: true });
    expect(run.code).toBe(0);
  });

  it('given no Secret Service, then it reports the keychain error and exits 1', async () => {
    const run = await runInKeyringSession(SCRIPT, {
      home: join(root, 'nobus'),
      keyring: false,
      env: { DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(root, 'no-bus')}` },
    });
    const out = lastJsonLine(run.stdout);
    expect(out).toMatchObject({ ok: false, error: { name: 'SecretStoreError' } });
    expect((out.error as { message: string }).message).toContain('Secret Service');
    expect(run.code).toBe(1);
  });
});
