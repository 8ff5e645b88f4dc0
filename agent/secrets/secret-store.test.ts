import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSecretStore } from './open-secret-store.ts';
import { createSecretStore, InvalidSecretInputError, SecretStoreError, SecretStoreUnavailableError, type KeychainBackend } from './secret-store.ts';
import { assertKeyringTools, lastJsonLine, runInKeyringSession } from './testing/keyring-session.ts';
import { redactText } from '../../shared/log/redact.ts';

const CHILD = 'agent/secrets/testing/roundtrip-child.ts';

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

describe('keytar secret store against a real gnome-keyring Secret Service', () => {
  let root: string;
  beforeAll(() => {
    assertKeyringTools();
    root = mkdtempSync(join(tmpdir(), 'nexus-secrets-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('given an unlocked keyring, then a secret round-trips, is listed, is deleted and is never written in plaintext', async () => {
    const secret = `pw-${randomBytes(12).toString('hex')}`;
    const home = join(root, 'home-ok');
    const dataDir = join(root, 'agent-data-ok');
    const run = await runInKeyringSession(CHILD, { home, stdin: secret, env: { NEXUS_AGENT_DATA_DIR: dataDir } });
    expect(run.stderr).not.toContain(secret);
    expect(run.stdout).not.toContain(secret);
    const result = lastJsonLine(run.stdout);
    expect(result.error, JSON.stringify(result.error)).toBeUndefined();
    expect(result).toMatchObject({
      roundTrip: true,
      listed: ['source:default'],
      deleted: true,
      afterDelete: null,
      deletedAgain: false,
      listedAfter: [],
    });

    const dataFiles = filesUnder(dataDir);
    expect(dataFiles.map((f) => f.slice(dataDir.length))).toEqual(expect.arrayContaining(['/logs/agent.log', '/settings.json']));
    for (const f of dataFiles) expect(readFileSync(f).includes(secret), f).toBe(false);
    expect(readFileSync(join(dataDir, 'logs', 'agent.log'), 'utf8')).toContain('[REDACTED]');

    // The keyring itself lives on disk encrypted with the unlock password.
    const keyringFiles = filesUnder(join(home, 'data', 'keyrings'));
    expect(keyringFiles.length).toBeGreaterThan(0);
    for (const f of keyringFiles) expect(readFileSync(f).includes(secret), f).toBe(false);
  });

  it('given no Secret Service on the bus, then the store fails with a named error and writes no secret', async () => {
    const secret = `pw-${randomBytes(12).toString('hex')}`;
    const dataDir = join(root, 'agent-data-nobus');
    const run = await runInKeyringSession(CHILD, {
      home: join(root, 'home-nobus'),
      keyring: false,
      stdin: secret,
      env: { NEXUS_AGENT_DATA_DIR: dataDir, DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(root, 'no-such-bus')}` },
    });
    const result = lastJsonLine(run.stdout);
    expect(result.error).toMatchObject({ name: 'SecretStoreError' });
    expect((result.error as { message: string }).message).toMatch(/set failed for account "source:default".*Secret Service/s);
    expect(result.roundTrip).toBeUndefined();
    for (const f of filesUnder(dataDir)) expect(readFileSync(f).includes(secret), f).toBe(false);
  });
});

describe('secret store wrapper', () => {
  const memoryBackend = (): KeychainBackend & { map: Map<string, string> } => {
    const map = new Map<string, string>();
    return {
      map,
      name: 'in-memory test backend',
      getPassword: async (s, a) => map.get(`${s}/${a}`) ?? null,
      setPassword: async (s, a, v) => void map.set(`${s}/${a}`, v),
      deletePassword: async (s, a) => map.delete(`${s}/${a}`),
      findAccounts: async (s) => [...map.keys()].filter((k) => k.startsWith(`${s}/`)).map((k) => k.slice(s.length + 1)),
    };
  };

  it('given keytar cannot load, then the factory throws naming libsecret and does not fall back', async () => {
    const failing = async (): Promise<KeychainBackend> => {
      throw new Error('libsecret-1.so.0: cannot open shared object file: No such file or directory');
    };
    const err = await openSecretStore({ load: failing }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretStoreUnavailableError);
    expect((err as Error).message).toMatch(/keytar/);
    expect((err as Error).message).toMatch(/libsecret/);
    expect((err as Error).message).toMatch(/plaintext/);
  });

  it('given a secret read from the backend, then it is registered with the redactor', async () => {
    const backend = memoryBackend();
    const secret = `stored-${randomBytes(8).toString('hex')}`;
    backend.map.set('svc/acct', secret);
    const store = createSecretStore(backend, 'svc');
    expect(redactText(`x ${secret} y`)).toBe(`x ${secret} y`);
    expect(await store.get('acct')).toBe(secret);
    expect(redactText(`x ${secret} y`)).toBe('x [REDACTED] y');
  });

  it('given a backend failure carrying the secret, then the SecretStoreError names the operation and hides the secret', async () => {
    const secret = `leaky-${randomBytes(8).toString('hex')}`;
    const backend = { ...memoryBackend(), setPassword: async () => { throw new Error(`dbus refused value ${secret}`); } };
    const err = await createSecretStore(backend, 'svc').set('source:a', secret).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretStoreError);
    expect((err as Error).message).toContain('set failed for account "source:a" of service "svc"');
    expect((err as Error).message).not.toContain(secret);
  });

  it.each([
    ['an empty account', '', 'x'],
    ['a control character in the account', 'a\nb', 'x'],
    ['an empty secret', 'acct', ''],
  ])('given %s, then set is refused before reaching the keychain', async (_label, account, secret) => {
    const backend = memoryBackend();
    await expect(createSecretStore(backend, 'svc').set(account, secret)).rejects.toBeInstanceOf(InvalidSecretInputError);
    expect(backend.map.size).toBe(0);
  });
});
