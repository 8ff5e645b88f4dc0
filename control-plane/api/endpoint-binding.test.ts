/**
 * Issue 11, defect 1: stored credentials reach only the endpoints they were entered for. Real
 * control plane (Fastify + PostgreSQL), the HubSpot emulator as the vendor, and an "attacker"
 * HTTP server on 127.0.0.1 that records every request it gets.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEmulator } from '../../connectors/registry.ts';
import type { EmulatorHandle } from '../../connectors/sdk/emulator-types.ts';
import { bearer, seedTenant, startApi, type ApiFixture, type TestTenant } from './test-support.ts';

let f: ApiFixture;
let t: TestTenant;
let emulator: EmulatorHandle;
let evil: http.Server;
let evilUrl: string;
const stolen: { url: string; authorization?: string; body: string }[] = [];

beforeAll(async () => {
  f = await startApi();
  t = await seedTenant(f, 'bind');
  emulator = await (await loadEmulator('hubspot'))({ records: 5, seed: 3 });
  evil = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      stolen.push({ url: req.url ?? '', authorization: req.headers.authorization, body });
      res.setHeader('content-type', 'application/json');
      res.end('{"results":[]}');
    });
  });
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
  evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
  // The emulator is reached through the admin's endpoint override, as every emulator test and demo must.
  const ov = await call('POST', '/endpoint-overrides', t.keys.admin, { vendor: 'hubspot', url: emulator.url });
  expect(ov.statusCode, ov.body).toBe(201);
});
afterAll(async () => {
  await f?.server.close();
  await emulator?.close();
  await new Promise((r) => evil?.close(r));
  await f?.schema.drop();
});

const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, key: string, payload?: object) =>
  f.server.app.inject({ method, url: `/api/v1${url}`, headers: bearer(key), payload });

const token = (): string => emulator.credentials.accessToken!;
const leaked = (): boolean => stolen.some((s) => JSON.stringify(s).includes(token()));

async function createMigration(): Promise<string> {
  const res = await call('POST', '/migrations', t.keys.engineer, {
    name: `hs-${Math.random()}`, sourceSystem: 'hubspot', credentials: { accessToken: token() }, config: { baseUrl: emulator.url },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

describe('credentials bound to their endpoints', () => {
  it('given an engineer PATCHes config.baseUrl or tokenUrl to their own server, then the PATCH is refused and connection-test sends nothing there', async () => {
    const id = await createMigration();
    expect((await call('POST', `/migrations/${id}/connection-test`, t.keys.engineer)).json()).toMatchObject({ ok: true });

    for (const config of [{ baseUrl: `${evilUrl}/steal` }, { tokenUrl: `${evilUrl}/oauth/v1/token` }, { baseUrl: 'https://api.hubapi.com.evil.example' }]) {
      const res = await call('PATCH', `/migrations/${id}`, t.keys.engineer, { config });
      expect(res.statusCode, res.body).toBe(400);
      expect(Object.keys(res.json().fields)[0]).toMatch(/^body\.config\.(baseUrl|tokenUrl)$/);
    }
    const created = await call('POST', '/migrations', t.keys.engineer, { name: 'direct', sourceSystem: 'hubspot', credentials: { accessToken: token() }, config: { baseUrl: evilUrl } });
    expect(created.statusCode).toBe(400);

    expect((await call('POST', `/migrations/${id}/connection-test`, t.keys.engineer)).json()).toMatchObject({ ok: true });
    expect((await call('GET', `/migrations/${id}/discover`, t.keys.engineer)).statusCode).toBe(200);
    expect(stolen).toHaveLength(0);
    // Every request the server sent went through its one dispatcher, to the emulator only.
    const sent = f.server.ctx.outbound.sent().filter((s) => s.policy === 'vendor');
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((s) => new URL(s.url).origin === emulator.url)).toBe(true);
  });

  it('given an admin allows a second endpoint and the migration moves there, then the stored credentials are dropped and never sent to it', async () => {
    const id = await createMigration();
    expect((await call('POST', '/endpoint-overrides', t.keys.admin, { vendor: 'hubspot', url: evilUrl })).statusCode).toBe(201);
    try {
      const moved = await call('PATCH', `/migrations/${id}`, t.keys.engineer, { config: { baseUrl: evilUrl } });
      expect(moved.statusCode, moved.body).toBe(200);
      expect(moved.json().credentialNames).toEqual([]);
      const test = await call('POST', `/migrations/${id}/connection-test`, t.keys.engineer);
      expect(test.json().ok === true || test.statusCode === 422).toBe(true);
      expect(leaked()).toBe(false);
      const audit = await f.schema.pool.query(`SELECT details FROM audit_log WHERE action = 'migration.update' AND target = $1`, [id]);
      expect(audit.rows.at(-1)!.details).toMatchObject({ endpointsChanged: true, droppedNames: ['accessToken'] });

      // Moving back needs the credentials entered again too: the old ones are gone, not re-bound.
      const back = await call('PATCH', `/migrations/${id}`, t.keys.engineer, { config: { baseUrl: emulator.url }, credentials: { accessToken: token() } });
      expect(back.json().credentialNames).toEqual(['accessToken']);
      expect((await call('POST', `/migrations/${id}/connection-test`, t.keys.engineer)).json()).toMatchObject({ ok: true });
    } finally {
      await call('DELETE', `/endpoint-overrides?vendor=hubspot&url=${encodeURIComponent(evilUrl)}`, t.keys.admin);
    }
    expect(leaked()).toBe(false);
  });

  it('given the endpoint is changed behind the API, then opening the source is refused and the credentials go nowhere', async () => {
    const id = await createMigration();
    await f.schema.pool.query(`UPDATE migrations SET config = jsonb_set(config, '{baseUrl}', to_jsonb($2::text)) WHERE id = $1`, [id, evilUrl]);
    for (const [method, path] of [['POST', 'connection-test'], ['GET', 'discover']] as const) {
      const res = await call(method, `/migrations/${id}/${path}`, t.keys.engineer);
      expect(res.statusCode).toBe(422);
      expect(res.json().message).toContain('entered for another endpoint');
    }
    const preview = await call('POST', `/migrations/${id}/preview`, t.keys.engineer, { entity: 'companies', limit: 2 });
    expect(preview.statusCode).toBe(422);
    expect(stolen).toHaveLength(0);
  });

  it('given stored credentials on a row with no binding, then the dispatcher still keeps them at the vendor host or an override', async () => {
    const id = await createMigration();
    await f.schema.pool.query(`UPDATE migrations SET credential_endpoints = NULL, config = jsonb_set(config, '{baseUrl}', to_jsonb($2::text)) WHERE id = $1`, [id, evilUrl]);
    const refusedBefore = f.server.ctx.outbound.refused();
    const res = await call('POST', `/migrations/${id}/connection-test`, t.keys.engineer);
    expect(res.json().ok === false || res.statusCode === 422).toBe(true);
    expect(f.server.ctx.outbound.refused()).toBeGreaterThan(refusedBefore);
    expect(stolen).toHaveLength(0);
  });

  it('given an engineer, then endpoint overrides are admin-only, and every change is in the hash-chained audit log', async () => {
    expect((await call('POST', '/endpoint-overrides', t.keys.engineer, { vendor: 'hubspot', url: evilUrl })).statusCode).toBe(403);
    expect((await call('GET', '/endpoint-overrides', t.keys.engineer)).statusCode).toBe(403);
    expect((await call('POST', '/endpoint-overrides', t.keys.admin, { vendor: 'hubspot', url: 'http://user:pw@127.0.0.1:1' })).statusCode).toBe(400);
    const list = (await call('GET', '/endpoint-overrides', t.keys.admin)).json().items as { origin: string }[];
    expect(list.map((o) => o.origin)).toEqual([emulator.url]);
    const { rows } = await f.schema.pool.query(
      `SELECT action, details, hash FROM audit_log WHERE action LIKE 'endpoint_override.%' ORDER BY seq`);
    expect(rows.map((r) => [r.action, r.details.origin])).toEqual([
      ['endpoint_override.add', emulator.url], ['endpoint_override.add', evilUrl], ['endpoint_override.remove', evilUrl],
    ]);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.hash))).toBe(true);
  });

  it('given Salesforce credentials, then an endpoint-bearing credential must be a documented host and changing it drops the rest', async () => {
    const secret = 'sf-refresh-token-0123456789';
    const created = await call('POST', '/migrations', t.keys.engineer, {
      name: 'sf', sourceSystem: 'salesforce', credentials: { client_id: 'cid', client_secret: 'csecret', refresh_token: secret, login_url: 'https://login.salesforce.com' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    const bad = await call('PATCH', `/migrations/${id}`, t.keys.engineer, { credentials: { login_url: evilUrl } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().fields).toHaveProperty(['body.credentials.login_url']);
    // A documented sandbox host is allowed, but the other credentials were entered for production: dropped.
    const sandbox = await call('PATCH', `/migrations/${id}`, t.keys.engineer, { credentials: { login_url: 'https://test.salesforce.com' } });
    expect(sandbox.statusCode, sandbox.body).toBe(200);
    expect(sandbox.json().credentialNames).toEqual(['login_url']);
    const my = await call('PATCH', `/migrations/${id}`, t.keys.engineer, { config: { baseUrl: 'https://acme--uat.sandbox.my.salesforce.com' } });
    expect(my.statusCode, my.body).toBe(200);
  });
});
