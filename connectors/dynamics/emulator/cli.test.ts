import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';

const BIN = new URL('../../../bin/nexus-migrate.mjs', import.meta.url).pathname;

describe('nexus-migrate emulate dynamics', () => {
  it('given the registry entry, then the CLI prints a ready line whose Entra ID credentials read the accounts', async () => {
    const child = spawn(process.execPath, [BIN, 'emulate', 'dynamics', '--port', '0', '--records', '7', '--seed', '4'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const lines = createInterface({ input: child.stdout! });
      const [line] = (await once(lines, 'line')) as [string];
      const ready = JSON.parse(line) as { ready: boolean; vendor: string; url: string; tokenUrl: string; credentials: Record<string, string> };
      expect(ready).toMatchObject({ ready: true, vendor: 'dynamics' });
      expect(ready.tokenUrl).toBe(`${ready.url}/${ready.credentials['tenant_id']}/oauth2/v2.0/token`);
      expect(Object.keys(ready.credentials).sort()).toEqual(['client_id', 'client_secret', 'environment_url', 'scope', 'tenant_id']);
      const tokenRes = await fetch(ready.tokenUrl, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: ready.credentials['client_id']!, client_secret: ready.credentials['client_secret']!, scope: `${ready.url}/.default` }),
      });
      const { access_token } = (await tokenRes.json()) as { access_token: string };
      const res = await fetch(`${ready.url}/api/data/v9.2/accounts?$select=name`, { headers: { authorization: `Bearer ${access_token}` } });
      expect(((await res.json()) as { value: unknown[] }).value).toHaveLength(7);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        const force = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(force);
      }
    }
  });
});
