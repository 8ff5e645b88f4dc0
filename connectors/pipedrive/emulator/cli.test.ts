import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';

const BIN = new URL('../../../bin/nexus-migrate.mjs', import.meta.url).pathname;

describe('nexus-migrate emulate pipedrive', () => {
  it('given the registry entry, then the CLI prints a ready line whose API token reads the organizations, with rate headers when limits are on', async () => {
    const child = spawn(process.execPath, [BIN, 'emulate', 'pipedrive', '--port', '0', '--records', '7', '--seed', '4', '--rate-limits'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const lines = createInterface({ input: child.stdout! });
      const [line] = (await once(lines, 'line')) as [string];
      const ready = JSON.parse(line) as { ready: boolean; vendor: string; url: string; credentials: Record<string, string> };
      expect(ready).toMatchObject({ ready: true, vendor: 'pipedrive' });
      expect(Object.keys(ready.credentials)).toEqual(['apiToken']);
      expect(ready.credentials['apiToken']).toMatch(/^[0-9a-f]{40}$/);
      const res = await fetch(`${ready.url}/api/v2/organizations?limit=500`, { headers: { 'x-api-token': ready.credentials['apiToken']! } });
      expect(((await res.json()) as { data: unknown[] }).data).toHaveLength(7);
      expect(res.headers.get('x-ratelimit-limit')).toBe('20');
      expect(res.headers.get('x-ratelimit-remaining')).toBe('19');
      const denied = await fetch(`${ready.url}/api/v2/organizations`, { headers: { 'x-api-token': '0'.repeat(40) } });
      expect(denied.status).toBe(401);
      expect(await denied.json()).toMatchObject({ success: false, errorCode: 401 });
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
