import { describe, expect, it } from 'vitest';
import { startEmulateCli } from '../../../test/support/emulate-cli.ts';

describe('nexus-migrate emulate zoho', () => {
  it('given the registry entry, then the CLI prints a ready line whose OAuth credentials refresh at the token URL and read the accounts', async () => {
    const cli = await startEmulateCli('zoho', ['--records', '6', '--seed', '4', '--rate-limits']);
    try {
      const { ready } = cli;
      expect(ready).toMatchObject({ ready: true, vendor: 'zoho', tokenUrl: `${ready.url}/oauth/v2/token` });
      expect(Object.keys(ready.credentials).sort()).toEqual(['clientId', 'clientSecret', 'refreshToken']);
      const form = new URLSearchParams({ grant_type: 'refresh_token', client_id: ready.credentials['clientId']!, client_secret: ready.credentials['clientSecret']!, refresh_token: ready.credentials['refreshToken']! });
      const tok = (await (await fetch(ready.tokenUrl, { method: 'POST', body: form })).json()) as { access_token: string; api_domain: string; expires_in: number };
      expect([tok.api_domain, tok.expires_in]).toEqual([ready.url, 3600]);
      const res = await fetch(`${tok.api_domain}/crm/v7/Accounts?fields=Account_Name&sort_by=id&sort_order=asc`, { headers: { authorization: `Zoho-oauthtoken ${tok.access_token}` } });
      expect(((await res.json()) as { data: unknown[] }).data).toHaveLength(6);
      const wrong = (await (await fetch(ready.tokenUrl, { method: 'POST', body: new URLSearchParams({ ...Object.fromEntries(form), client_secret: 'wrong' }) })).json()) as unknown;
      expect(wrong).toEqual({ error: 'invalid_client' });
    } finally {
      await cli.stop();
    }
  });
});
