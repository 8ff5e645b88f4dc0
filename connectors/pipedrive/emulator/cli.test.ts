import { describe, expect, it } from 'vitest';
import { startEmulateCli } from '../../../test/support/emulate-cli.ts';

describe('nexus-migrate emulate pipedrive', () => {
  it('given the registry entry, then the CLI prints a ready line whose API token reads the organizations, with rate headers when limits are on', async () => {
    const cli = await startEmulateCli('pipedrive', ['--records', '7', '--seed', '4', '--rate-limits']);
    try {
      const ready = cli.ready;
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
      await cli.stop();
    }
  });
});
