import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startUiServer, UiBindError, SOURCE_PASSWORD_ACCOUNT, type UiServer } from './ui-server.ts';
import { FakeAgentApi } from './testing/fake-agent-api.ts';
import { MemorySecretStore } from './testing/memory-secret-store.ts';

const ENROLL_TOKEN = 'enr_good_token_123';

interface Res { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** Raw HTTP so tests control every header, including Host. */
function call(ui: UiServer, method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<Res> {
  const url = new URL(path, ui.url);
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: url.port, path: url.pathname + url.search, method, headers: { host: url.host, ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('agent UI server', () => {
  let ui: UiServer;
  let agent: FakeAgentApi;
  let secrets: MemorySecretStore;
  let bearer: Record<string, string>;

  beforeEach(async () => {
    agent = new FakeAgentApi(ENROLL_TOKEN);
    secrets = new MemorySecretStore();
    ui = await startUiServer({ agent, secrets });
    bearer = { authorization: `Bearer ${ui.token}` };
  });
  afterEach(async () => ui.close());

  it.each(['0.0.0.0', '::', '192.168.1.10', 'localhost', '::1'])('given host %s, then the server refuses to start', async (host) => {
    await expect(startUiServer({ agent, secrets, host })).rejects.toBeInstanceOf(UiBindError);
  });

  it('given default options, then it listens on 127.0.0.1 only with a random token', async () => {
    expect(ui.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(ui.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const other = await startUiServer({ agent, secrets });
    try {
      expect(other.token).not.toBe(ui.token);
    } finally {
      await other.close();
    }
  });

  it.each([
    ['no credentials', {}, 401],
    ['a wrong bearer token', { authorization: 'Bearer nope' }, 401],
    ['a wrong cookie', { cookie: 'nm_session=nope' }, 401],
  ])('given %s, then the API answers %i', async (_label, headers, status) => {
    const res = await call(ui, 'GET', '/api/status', headers);
    expect(res.status).toBe(status);
  });

  it('given the bearer token but a foreign Host header, then the request is refused (DNS rebinding)', async () => {
    const res = await call(ui, 'GET', '/api/status', { ...bearer, host: `evil.example:${new URL(ui.url).port}` });
    expect(res.status).toBe(421);
    expect((await call(ui, 'GET', '/api/status', bearer)).status).toBe(200);
  });

  it('given a sign-in link, then it sets an HttpOnly SameSite cookie once and refuses reuse', async () => {
    const link = new URL(ui.loginUrl);
    const first = await call(ui, 'GET', link.pathname + link.search);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toMatch(/^nm_session=[^;]+; HttpOnly; SameSite=Strict; Path=\//);
    const ok = await call(ui, 'GET', '/api/status', { cookie: cookie.split(';')[0]! });
    expect(ok.status).toBe(200);
    const again = await call(ui, 'GET', link.pathname + link.search);
    expect(again.status).toBe(401);
    expect(again.headers['set-cookie']).toBeUndefined();
  });

  it.each([
    ['cookie with a foreign Origin', 'cookie', { origin: 'http://evil.example' }, 403],
    ['cookie with no Origin', 'cookie', {}, 403],
    ['cookie from a cross-site fetch', 'cookie', { origin: 'SELF', 'sec-fetch-site': 'cross-site' }, 403],
    ['cookie with the same Origin', 'cookie', { origin: 'SELF' }, 200],
    ['bearer token with no Origin', 'bearer', {}, 200],
    ['bearer token sending text/plain', 'bearer', { 'content-type': 'text/plain' }, 415],
  ])('given a state-changing request by %s, then it answers %i', async (_label, via, extra, status) => {
    const creds = via === 'cookie' ? { cookie: `nm_session=${ui.token}` } : bearer;
    const headers: Record<string, string> = { 'content-type': 'application/json', ...creds };
    for (const [k, v] of Object.entries(extra)) headers[k] = v === 'SELF' ? ui.url : v;
    const res = await call(ui, 'POST', '/api/export-bundle', headers, {});
    expect(res.status, res.body).toBe(status);
    expect(agent.calls.filter((c) => c.method === 'exportOfflineBundle')).toHaveLength(status === 200 ? 1 : 0);
  });

  it('given source settings with a password, then the password goes to the secret store only and is never echoed', async () => {
    const password = 'S3cr3t-Passw0rd!';
    const json = { ...bearer, 'content-type': 'application/json' };
    const put = await call(ui, 'PUT', '/api/source', json, { type: 'sqlserver', host: 'sql01.corp', port: 1433, database: 'CargoWise', user: 'cw_reader', password });
    expect(put.status, put.body).toBe(200);
    expect(JSON.parse(put.body)).toEqual({ configured: true, type: 'sqlserver', host: 'sql01.corp', port: 1433, database: 'CargoWise', user: 'cw_reader', passwordSet: true });
    expect(await secrets.get(SOURCE_PASSWORD_ACCOUNT)).toBe(password);
    expect(JSON.stringify(agent.calls)).not.toContain(password);
    expect(agent.saved).toEqual({ type: 'sqlserver', host: 'sql01.corp', port: 1433, database: 'CargoWise', user: 'cw_reader', passwordAccount: SOURCE_PASSWORD_ACCOUNT });

    const keep = await call(ui, 'PUT', '/api/source', json, { type: 'sqlserver', host: 'sql02.corp', port: 1433, database: 'CargoWise', user: 'cw_reader' });
    expect(JSON.parse(keep.body)).toMatchObject({ host: 'sql02.corp', passwordSet: true });
    expect(await secrets.get(SOURCE_PASSWORD_ACCOUNT)).toBe(password);

    const bodies = [put.body, keep.body];
    for (const path of ['/api/source', '/api/status', '/api/progress', '/api/spool', '/']) bodies.push((await call(ui, 'GET', path, bearer)).body);
    for (const b of bodies) expect(b).not.toContain(password);
  });

  it.each([
    ['an unknown source type', { type: 'oracle', host: 'h', port: 1, database: 'd', user: 'u' }, 'type'],
    ['a port out of range', { type: 'postgres', host: 'h', port: 70000, database: 'd', user: 'u' }, 'port'],
    ['an unexpected field', { type: 'postgres', host: 'h', port: 5432, database: 'd', user: 'u', passwd: 'x' }, 'passwd'],
  ])('given %s, then saving source settings answers 400 naming it', async (_label, body, field) => {
    const res = await call(ui, 'PUT', '/api/source', { ...bearer, 'content-type': 'application/json' }, body);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error).toContain(field);
    expect(agent.saved).toBeNull();
  });

  it('given a rejected enrollment token, then the UI shows the reason without the token; a good token enrolls', async () => {
    const json = { ...bearer, 'content-type': 'application/json' };
    const bad = await call(ui, 'POST', '/api/enroll', json, { controlPlaneUrl: 'https://cp.example', token: 'enr_wrong_token_9' });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('rejected the enrollment token');
    expect(bad.body).not.toContain('enr_wrong_token_9');
    const good = await call(ui, 'POST', '/api/enroll', json, { controlPlaneUrl: 'https://cp.example', token: ENROLL_TOKEN });
    expect(good.status).toBe(200);
    expect(JSON.parse(good.body)).toMatchObject({ enrolled: true, connected: true, agentId: 'agt_7f3a9c' });
    expect(good.body).not.toContain(ENROLL_TOKEN);
  });

  it('given the core fails with a message carrying a stored secret, then the 500 response is redacted', async () => {
    await call(ui, 'PUT', '/api/source', { ...bearer, 'content-type': 'application/json' }, { type: 'postgres', host: 'db', port: 5432, database: 'x', user: 'u', password: 'pg-pass-4711' });
    agent.spoolLevel = async () => {
      throw new Error('spool unreadable while connecting with pg-pass-4711');
    };
    const res = await call(ui, 'GET', '/api/spool', bearer);
    expect(res.status).toBe(500);
    expect(res.body).toContain('[REDACTED]');
    expect(res.body).not.toContain('pg-pass-4711');
  });

  it('given any page response, then it carries a strict CSP and no-referrer', async () => {
    const res = await call(ui, 'GET', '/');
    expect(res.status).toBe(200);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.body).toContain('<script src="/app.js"');
  });
});
