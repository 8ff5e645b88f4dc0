import { afterEach, describe, expect, it } from 'vitest';
import { createAuthenticator } from './auth.ts';
import { defineConnector, type AuthDefinition } from './definition.ts';
import { ConnectorConfigError, RetriesExhaustedError, TokenRefreshError } from './errors.ts';
import { HttpClient } from './http-client.ts';
import { CredentialRateLimiter } from './rate-limiter.ts';
import { fastClock, startScriptedServer, type ScriptedRequest, type ScriptedResponse, type ScriptedServer } from './testing.ts';

const SECRET = 'sk-live-very-secret-refresh-token-123';
let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function clientFor(handler: (req: ScriptedRequest, n: number) => ScriptedResponse, auth: AuthDefinition | undefined = undefined, creds: Record<string, string> = {}) {
  server = await startScriptedServer(handler);
  const def = defineConnector({
    sourceSystem: 'acme', label: 'Acme', baseUrl: `${server.url}/api`,
    auth: auth ?? { type: 'bearer', tokenField: 'token' },
    streams: [{ name: 'things', path: '/things', recordSelector: 'items' }],
    retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 },
    rateLimits: { buckets: [{ name: 'burst', requests: 100, perSeconds: 10 }], headers: { remaining: 'X-Remaining', intervalMs: 'X-Interval' } },
  });
  const clock = fastClock();
  const a = createAuthenticator(def.auth, { vendor: 'acme', credentials: { token: 'static-token-abc', ...creds }, clock, tokenUrl: `${server.url}/oauth/token` });
  const limiter = new CredentialRateLimiter(def.rateLimits, clock);
  const http = new HttpClient({ definition: def, auth: a, limiter, clock, random: () => 0.5 });
  return { http, clock, server, limiter };
}

const oauth: AuthDefinition = {
  type: 'oauth2-refresh', tokenUrl: 'unused', clientIdField: 'clientId', clientSecretField: 'clientSecret', refreshTokenField: 'refreshToken',
  refreshBeforeExpirySeconds: 300, defaultExpiresInSeconds: 1800,
};

describe('HttpClient', () => {
  it('given a 429 with Retry-After, then it waits that long and retries', async () => {
    const { http, clock } = await clientFor((_r, n) => (n === 1 ? { status: 429, headers: { 'retry-after': '7' }, body: { message: 'slow down' } } : { body: { ok: 1 } }));
    const res = await http.request({ path: '/things' });
    expect(res.body).toEqual({ ok: 1 });
    expect(clock.sleeps).toContain(7000);
    expect(http.stats).toMatchObject({ requests: 2, rateLimited: 1 });
  });

  it('given 503 twice, then it retries with growing backoff and succeeds', async () => {
    const { http, clock } = await clientFor((_r, n) => (n <= 2 ? { status: 503, body: 'unavailable' } : { body: { ok: 2 } }));
    expect((await http.request({ path: '/things' })).body).toEqual({ ok: 2 });
    // equal jitter with random=0.5: attempt 1 → 75 ms, attempt 2 → 150 ms
    expect(clock.sleeps).toEqual([75, 150]);
  });

  it('given 5xx on every attempt, then RetriesExhaustedError names vendor, stream and status', async () => {
    const { http } = await clientFor(() => ({ status: 502, body: { message: 'bad gateway' } }));
    const err = await http.request({ path: '/things', stream: 'things' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetriesExhaustedError);
    expect((err as Error).message).toMatch(/gave up after 4 attempts \(vendor=acme stream=things GET \/api\/things status=502\)/);
  });

  it('given a 403 with a vendor category, then it fails with a config error carrying the vendor detail', async () => {
    const { http } = await clientFor(() => ({ status: 403, body: { status: 'error', message: 'missing scopes', category: 'MISSING_SCOPES', correlationId: 'c-1' } }));
    const err = await http.request({ path: '/things' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorConfigError);
    expect((err as Error).message).toMatch(/re-authorize.*status=403.*MISSING_SCOPES \| missing scopes \| c-1/);
  });

  it('given OAuth and a 401, then it refreshes the token once and retries with the new token', async () => {
    let issued = 0;
    const { http, server } = await clientFor((req) => {
      if (req.path === '/oauth/token') return { body: { access_token: `access-${++issued}`, expires_in: 1800, refresh_token: SECRET } };
      return req.headers['authorization'] === 'Bearer access-2' ? { body: { ok: 3 } } : { status: 401, body: { message: 'expired' } };
    }, oauth, { clientId: 'cid', clientSecret: 'csecret-xyz', refreshToken: SECRET });
    expect((await http.request({ path: '/things' })).body).toEqual({ ok: 3 });
    const tokenCalls = server.requests.filter((r) => r.path === '/oauth/token');
    expect(tokenCalls).toHaveLength(2);
    expect(new URLSearchParams(tokenCalls[0]!.body).get('grant_type')).toBe('refresh_token');
    expect(http.stats.refreshes).toBe(1);
  });

  it('given a token that expires within the refresh margin, then it refreshes before the request', async () => {
    let issued = 0;
    const { http, server } = await clientFor((req) => {
      if (req.path === '/oauth/token') return { body: { access_token: `t${++issued}`, expires_in: 200 } };
      return { body: { auth: req.headers['authorization'] } };
    }, oauth, { clientId: 'cid', clientSecret: 'csecret-xyz', refreshToken: SECRET });
    await http.request({ path: '/things' });
    const second = await http.request({ path: '/things' });
    // expires_in 200 s < 300 s margin: every request needs a fresh token
    expect(second.body).toEqual({ auth: 'Bearer t2' });
    expect(server.requests.filter((r) => r.path === '/oauth/token')).toHaveLength(2);
  });

  it('given a refused refresh, then TokenRefreshError says re-authorize and never contains the secret', async () => {
    const { http } = await clientFor((req) => (req.path === '/oauth/token' ? { status: 400, body: { error: 'invalid_grant', error_description: `bad token ${SECRET}` } } : { body: {} }), oauth, {
      clientId: 'cid', clientSecret: 'csecret-xyz', refreshToken: SECRET,
    });
    const err = await http.request({ path: '/things' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenRefreshError);
    expect((err as Error).message).toMatch(/re-authorize.*status=400.*invalid_grant/);
    expect((err as Error).message).not.toContain(SECRET);
  });

  it('given a static bearer token and a 401, then it fails with re-authorize', async () => {
    const { http } = await clientFor(() => ({ status: 401, body: { message: 'bad token' } }));
    await expect(http.request({ path: '/things' })).rejects.toThrow(/re-authorize/);
  });

  it('given remaining=0 in the budget header, then the limiter pauses for the interval', async () => {
    const { http, clock } = await clientFor(() => ({ headers: { 'X-Remaining': '0', 'X-Interval': '10000' }, body: {} }));
    await http.request({ path: '/things' });
    await http.request({ path: '/things' });
    expect(clock.sleeps.some((ms) => ms > 9000 && ms <= 10000)).toBe(true);
  });

  it('given a relative next-page URL that repeats the base path, then it is not doubled', async () => {
    const { http, server } = await clientFor(() => ({ body: {} }));
    await http.request({ path: '/api/things?page=2' });
    expect(server.requests[0]!.path).toBe('/api/things');
  });
});
