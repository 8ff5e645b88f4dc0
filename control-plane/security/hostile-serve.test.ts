/**
 * Issue 11 security suite, part 2: hostile input against the real `serve` process on real PostgreSQL.
 * Hundreds of malformed or hostile HTTP requests, generated from serve's own OpenAPI document
 * (bodies, ids, injection strings, traversal, header abuse), and hostile agent WebSocket frames
 * (garbage, oversized, replayed, wrong-key, wrong-agent). Every refusal is a clear 4xx (or a
 * WebSocket refusal code), never a 5xx or a stack. Afterwards serve's whole log output and a pg_dump
 * of the control schema hold none of the seeded secrets, and the attacker's server received nothing.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pack } from 'msgpackr';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateIdentityKeyPair, signChallenge } from '../../shared/crypto/index.ts';
import { decodeServerFrame, encodeFrame } from '../../shared/protocol/codec.ts';
import { createTestSchema, TEST_DATABASE_URL, type TestSchema } from '../../test/support/pg.ts';
import { migrate } from '../db/migrate.ts';
import { jobsSchema } from '../jobs/boss.ts';
import { startCli, type Proc } from '../jobs/testing/processes.ts';
import { badBodyCases, badIdCases, routesOf, SQL_STRINGS, type HostileCase } from './testing/hostile.ts';
import { startSink, type Sink } from './testing/sink.ts';
import { seedTenantWorld, tenantDigest, type Call, type Reply, type SeededTenant } from './testing/world.ts';

let ctl: TestSchema;
let work: string;
let serve: Proc;
let vendor: Sink;
let attacker: Sink;
let a: SeededTenant;
let b: SeededTenant;
let base = '';
const replies: string[] = [];

const call: Call = async (method, url, key, body, headers = {}) => {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined && !headers['content-type'] ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body),
  });
  const text = await res.text();
  replies.push(text);
  let json: unknown = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: text, json } satisfies Reply;
};

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'sec-hostile-'));
  ctl = await createTestSchema('sec_hostile');
  await migrate(ctl.pool, 'control', ctl.schema);
  vendor = await startSink();
  attacker = await startSink();
  serve = await startCli(['serve', '--port', '0'], {
    controlSchema: ctl.schema, targetSchema: `${ctl.schema}_target`, masterKey: randomBytes(32).toString('base64'), dataDir: path.join(work, 'data'),
    extra: { NEXUS_LOG_LEVEL: 'debug' },
  });
  base = String(serve.ready.url);
  const world = { pool: ctl.pool, schema: ctl.schema, call, vendorOrigin: vendor.origin };
  a = await seedTenantWorld(world, `hostile-a-${Date.now()}`);
  b = await seedTenantWorld(world, `hostile-b-${Date.now()}`);
}, 180_000);

afterAll(async () => {
  await serve?.stop();
  await vendor?.close();
  await attacker?.close();
  for (const s of [`${ctl?.schema}_target`, ctl ? jobsSchema(ctl.schema) : '']) if (s) await ctl?.pool.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`).catch(() => undefined);
  await ctl?.drop();
  rmSync(work, { recursive: true, force: true });
}, 120_000);

const STACK = /\bat [^\s]+ \(?[^\s]*:\d+:\d+\)?|node_modules|\/work\//;

function idsOf(t: SeededTenant) {
  return (p: string): Record<string, string> => ({
    id: p.includes('/webhooks/') ? t.ids.webhook : p.includes('/mapping-templates/') ? t.ids.template : p.includes('/api-keys/') ? t.ids.apiKey : t.ids.migration,
    runId: t.ids.run, agentId: t.ids.agent,
  });
}

/** Hostile values aimed at chosen fields: injection, traversal, scheme abuse, header abuse. */
function targetedCases(): HostileCase[] {
  const m = `/api/v1/migrations/${a.ids.migration}`;
  const j = (v: unknown) => JSON.stringify(v);
  const ct = { 'content-type': 'application/json' };
  const cases: HostileCase[] = [];
  for (const s of SQL_STRINGS) {
    const q = encodeURIComponent(s);
    cases.push(
      { name: `migration name ${s}`, method: 'POST', url: '/api/v1/migrations', body: j({ name: s, sourceSystem: 'csv' }), headers: ct, expect: 'safe' },
      { name: `sourceSystem ${s}`, method: 'POST', url: '/api/v1/migrations', body: j({ name: 'x', sourceSystem: s }), headers: ct, expect: 'refuse' },
      { name: `logs level ${s}`, method: 'GET', url: `${m}/logs?level=${q}`, expect: 'refuse' },
      { name: `logs limit ${s}`, method: 'GET', url: `${m}/logs?limit=${q}`, expect: 'refuse' },
      { name: `audit limit ${s}`, method: 'GET', url: `/api/v1/audit?limit=${q}`, expect: 'refuse' },
      { name: `report mode ${s}`, method: 'GET', url: `${m}/report?mode=${q}`, expect: 'refuse' },
      { name: `preview entity ${s}`, method: 'POST', url: `${m}/preview`, body: j({ entity: s }), headers: ct, expect: 'safe' },
      { name: `quarantine entity ${s}`, method: 'GET', url: `${m}/runs/${a.ids.run}/quarantine?entity=${q}`, expect: 'safe' },
      { name: `login email ${s}`, method: 'POST', url: '/api/v1/auth/login', body: j({ email: s, password: 'x' }), headers: ct, expect: 'refuse' },
      { name: `login password ${s}`, method: 'POST', url: '/api/v1/auth/login', body: j({ email: `viewer@${a.name}.test`, password: s }), headers: ct, expect: 'refuse' },
      { name: `agent command ${s}`, method: 'POST', url: `/api/v1/agents/${a.ids.agent}/commands`, body: j({ type: s }), headers: ct, expect: 'refuse' },
      { name: `template clone from ${s}`, method: 'POST', url: '/api/v1/mapping-templates', body: j({ from: s, name: 'x' }), headers: ct, expect: 'refuse' },
      { name: `override vendor ${s}`, method: 'DELETE', url: `/api/v1/endpoint-overrides?vendor=${q}&url=x`, expect: 'refuse' },
      { name: `bearer ${s}`, method: 'GET', url: '/api/v1/migrations', headers: { authorization: `Bearer nxk_${s}` }, expect: 'refuse' },
      { name: `session cookie ${s}`, method: 'GET', url: '/api/v1/migrations', headers: { cookie: `nexus_session=${q}` }, expect: 'refuse' },
    );
  }
  for (const p of ['../../../../etc/passwd', '/etc', '..%2F..%2Fetc', 'C:\\Windows\\System32', '\0/etc']) { // repo-paths: hostile payload, never read
    cases.push(
      { name: `template id ${p}`, method: 'GET', url: `/api/v1/mapping-templates/${encodeURIComponent(p)}`, expect: 'refuse' },
      { name: `quarantine entity ${p}`, method: 'GET', url: `${m}/runs/${a.ids.run}/quarantine?entity=${encodeURIComponent(p)}`, expect: 'safe' },
      { name: `console path ${p}`, method: 'GET', url: `/${encodeURIComponent(p)}`, expect: 'refuse' },
      { name: `docs path ${p}`, method: 'GET', url: `/docs/static/${encodeURIComponent(p)}`, expect: 'refuse' },
    );
  }
  for (const url of ['file:///etc/passwd', 'gopher://127.0.0.1:25/x', `${attacker.origin}/steal`, 'https://api.hubapi.com.evil.example/x', 'http://169.254.169.254/latest', 'javascript:alert(1)']) {
    cases.push(
      { name: `baseUrl ${url}`, method: 'PATCH', url: m, body: j({ config: { baseUrl: url } }), headers: ct, expect: 'refuse' },
      { name: `tokenUrl ${url}`, method: 'PATCH', url: m, body: j({ config: { tokenUrl: url } }), headers: ct, expect: 'refuse' },
      { name: `engineer override ${url}`, method: 'POST', url: '/api/v1/endpoint-overrides', body: j({ vendor: 'hubspot', url }), headers: { ...ct, authorization: `Bearer ${a.keys.engineer}` }, expect: 'refuse' },
    );
  }
  for (const url of ['file:///etc/passwd', 'gopher://127.0.0.1:25/x', 'javascript:alert(1)', `ftp://${new URL(attacker.origin).host}/x`]) {
    cases.push({ name: `webhook url ${url}`, method: 'POST', url: '/api/v1/webhooks', body: j({ url }), headers: ct, expect: 'refuse' });
  }
  const laughs = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`)].join('\n');
  cases.push(
    { name: 'mapping YAML billion laughs', method: 'PATCH', url: m, body: j({ mappingYaml: laughs }), headers: ct, expect: 'refuse' },
    { name: 'mapping YAML with a JS tag', method: 'PATCH', url: m, body: j({ mappingYaml: 'version: 1\nx: !!js/function "function(){}"' }), headers: ct, expect: 'refuse' },
    { name: 'batchSize as a string', method: 'PATCH', url: m, body: j({ config: { batchSize: '10; DROP TABLE runs' } }), headers: ct, expect: 'refuse' },
    { name: 'batchSize 1e309', method: 'PATCH', url: m, body: '{"config":{"batchSize":1e309}}', headers: ct, expect: 'refuse' },
    { name: 'role escalation on key create', method: 'POST', url: '/api/v1/api-keys', body: j({ name: 'x', role: 'superuser' }), headers: ct, expect: 'refuse' },
    { name: 'a 10 000-character bearer', method: 'GET', url: '/api/v1/migrations', headers: { authorization: `Bearer ${'n'.repeat(10_000)}` }, expect: 'refuse' },
    { name: 'Basic auth', method: 'GET', url: '/api/v1/migrations', headers: { authorization: 'Basic YWRtaW46YWRtaW4=' }, expect: 'refuse' },
    { name: 'a 20 KB header', method: 'GET', url: '/api/v1/migrations', headers: { 'x-junk': 'j'.repeat(20_000) }, expect: 'refuse' },
    { name: 'an unrouted method', method: 'PROPFIND', url: '/api/v1/migrations', expect: 'refuse' },
    { name: 'an unknown route', method: 'GET', url: '/api/v1/../../etc/passwd', expect: 'refuse' },
    { name: 'a forged CSRF on a cookie write', method: 'PATCH', url: m, body: j({ name: 'x' }), headers: { ...ct, cookie: 'nexus_session=forged', 'x-csrf-token': 'forged' }, expect: 'refuse' },
    { name: 'a negative ttl', method: 'POST', url: '/api/v1/agents/enrollment-tokens', body: j({ ttlMinutes: -5 }), headers: ct, expect: 'refuse' },
    { name: 'a huge ttl', method: 'POST', url: '/api/v1/agents/enrollment-tokens', body: j({ ttlMinutes: 10 ** 12 }), headers: ct, expect: 'refuse' },
  );
  return cases;
}

describe('hostile HTTP requests to serve', () => {
  it('given hundreds of malformed and hostile requests from the OpenAPI routes, then each is a clear 4xx (or, where the value may be stored, no 5xx), without a stack, and nothing of tenant B changes', async () => {
    const doc = (await call('GET', '/docs/json', null)).json;
    const routes = routesOf(doc);
    expect(routes.length).toBeGreaterThan(40);
    const cases = [...badBodyCases(routes, idsOf(a)), ...badIdCases(routes, idsOf(a)), ...targetedCases()];
    expect(cases.length).toBeGreaterThanOrEqual(200);
    const before = await tenantDigest(ctl.pool, ctl.schema, b.id);
    const wrong: string[] = [];
    for (const c of cases) {
      const auth: Record<string, string> = c.headers?.authorization || c.headers?.cookie ? {} : { authorization: `Bearer ${a.keys.admin}` };
      const res = await call(c.method, c.url, null, c.body, { ...auth, ...c.headers });
      const ok = c.expect === 'refuse' ? res.status >= 400 && res.status < 500 : res.status < 500;
      if (!ok || STACK.test(res.body)) wrong.push(`${c.name}: ${res.status} ${res.body.slice(0, 160)}`);
      if (res.status >= 400 && c.url.startsWith('/api/') && res.body) {
        if (typeof res.json?.error !== 'string' || typeof res.json?.message !== 'string') wrong.push(`${c.name}: unclear refusal ${res.status} ${res.body.slice(0, 160)}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(await tenantDigest(ctl.pool, ctl.schema, b.id)).toEqual(before);
    // The injection strings were stored as the names they are, and every table is still there.
    const { rows } = await ctl.pool.query<{ name: string }>('SELECT name FROM migrations WHERE tenant_id = $1', [a.id]);
    for (const s of SQL_STRINGS) expect(rows.map((r) => r.name)).toContain(s);
    expect((await ctl.pool.query('SELECT count(*)::int AS n FROM runs')).rows[0].n).toBe(2);
  });

  it("given tenant A's connection test, then serve sent it to the configured vendor endpoint only, and the attacker's server got nothing all along", async () => {
    const hitsBefore = vendor.hits.length;
    const res = await call('POST', `/api/v1/migrations/${a.ids.migration}/connection-test`, a.keys.engineer);
    expect(res.status, res.body).toBe(200);
    expect(vendor.hits.length).toBeGreaterThan(hitsBefore);
    for (const h of vendor.hits) expect(h.url.startsWith('/hub'), h.url).toBe(true);
    expect(attacker.hits).toEqual([]);
  });
});

interface WsResult { close: number; messages: string[] }

/** One connection: wait for the challenge, send what `frames` makes of its nonce, collect until closed. */
async function session(frames: (nonce: string) => (Buffer | string)[], opts: { waitMs?: number } = {}): Promise<WsResult> {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/agent/ws`);
  const messages: string[] = [];
  ws.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  const nonce = await new Promise<string>((resolve, reject) => {
    ws.once('message', (d: Buffer) => {
      const m = decodeServerFrame(d);
      if (m.t === 'challenge') resolve(m.nonce); else reject(new Error(`expected challenge, got ${m.t}`));
    });
    ws.once('close', () => reject(new Error('closed before the challenge')));
  });
  ws.on('message', (d: Buffer) => { try { messages.push(decodeServerFrame(d).t); } catch { messages.push('undecodable'); } });
  for (const f of frames(nonce)) ws.send(f);
  const timer = setTimeout(() => ws.close(1000, 'test done'), opts.waitMs ?? 1500);
  const close = await closed;
  clearTimeout(timer);
  return { close, messages };
}

const auth = (agentId: string, privateKey: string, nonce: string) => encodeFrame({ t: 'auth', agentId, signature: signChallenge(privateKey, agentId, nonce), version: 'test' });

describe('hostile agent frames to serve\'s gateway', () => {
  const stranger = generateIdentityKeyPair();
  let oldNonce = '';
  const unauthenticated: [string, (nonce: string) => (Buffer | string)[]][] = [
    ['garbage bytes', () => [randomBytes(64)]],
    ['an empty frame', () => [Buffer.alloc(0)]],
    ['a text frame', () => ['{"t":"auth"}']],
    ['a msgpack number', () => [pack(42)]],
    ['a msgpack object of the wrong shape', () => [pack({ t: 'auth', agentId: 7 })]],
    ['an unknown message type', () => [pack({ t: 'shell', cmd: 'id' })]],
    ['a batch before authenticating', () => [pack({ t: 'batch', jobId: 'j', entity: 'e', seq: 0, final: true, records: 1, sealed: Buffer.alloc(8) })]],
    ['a 9 KiB frame before authenticating', () => [Buffer.alloc(9 * 1024, 0x61)]],
    ['a 4 MiB frame before authenticating', () => [Buffer.alloc(4 * 1024 * 1024, 0x61)]],
    ['auth for an unknown agent', () => [auth('6b0e9e3c-0000-4000-8000-000000000001', stranger.privateKey, 'x')]],
    ['auth with an agent id that is no UUID', () => [encodeFrame({ t: 'auth', agentId: "x' OR '1'='1", signature: 'AAAA', version: 'test' })]],
    ['auth signed with the wrong key', (n) => [auth(a.ids.agent, stranger.privateKey, n)]],
    ["auth replaying another connection's signature", () => [auth(a.ids.agent, a.agentKey.privateKey, oldNonce)]],
    ["auth as tenant B's agent with tenant A's key", (n) => [auth(b.ids.agent, a.agentKey.privateKey, n)]],
    ['enroll with a made-up token', (n) => [encodeFrame({ t: 'enroll', token: 'nxe_'.padEnd(40, 'z'), name: 'evil', publicKey: stranger.publicKey, signature: signChallenge(stranger.privateKey, 'enroll', n), version: 'test' })]],
    ['enroll with a bad signature', () => [encodeFrame({ t: 'enroll', token: 'nxe_'.padEnd(40, 'z'), name: 'evil', publicKey: stranger.publicKey, signature: 'AAAA', version: 'test' })]],
  ];

  it.each(unauthenticated)('given %s, then the gateway refuses without welcoming, and never with an internal error', async (_name, frames) => {
    // The replay case signs the nonce of an earlier connection.
    if (!oldNonce) await session((n) => { oldNonce = n; return []; }, { waitMs: 50 });
    const r = await session(frames);
    expect(r.messages).not.toContain('welcome');
    expect([1009, 4400, 4401, 4403]).toContain(r.close);
  });

  const authenticated: [string, (nonce: string) => (Buffer | string)[], string[]][] = [
    ['garbage after welcome', () => [randomBytes(32)], []],
    ['a second auth after welcome', (n) => [auth(a.ids.agent, a.agentKey.privateKey, n)], []],
    ['a job_open with a garbage wrapped key', () => [pack({ t: 'job_open', jobId: 'sec-job-1', connection: 'c', sourceSystem: 'csv', entities: ['e'], wrappedKey: { v: 1, epk: 'AAAA', iv: 'AAAA', tag: 'AAAA', ct: 'AAAA' } })], []],
    ['a batch for a job never opened', () => [encodeFrame({ t: 'batch', jobId: 'nope', entity: 'e', seq: 0, final: true, records: 1, sealed: new Uint8Array(16) })], ['nack']],
    ["a job_status for another agent's job", () => [encodeFrame({ t: 'job_status', jobId: 'someone-elses', state: 'completed', extracted: 9 })], []],
  ];

  it.each(authenticated)('given %s from an authenticated agent, then it is refused or nacked, never an internal error', async (_name, frames, expected) => {
    const r = await session((n) => [auth(a.ids.agent, a.agentKey.privateKey, n), ...frames(n)]);
    expect(r.messages[0]).toBe('welcome');
    for (const m of expected) expect(r.messages).toContain(m);
    expect(r.close).not.toBe(1011);
  });
});

describe("serve's logs and database after all of it", () => {
  it('given every seeded secret, then none is in any response, in serve\'s log output, or in a pg_dump of the control schema', () => {
    const dump = execFileSync('pg_dump', ['--dbname', TEST_DATABASE_URL, '--schema', ctl.schema, '--data-only'], { maxBuffer: 256 * 1024 * 1024 }).toString('utf8');
    expect(dump).toContain(a.ids.migration);
    const log = serve.output();
    expect(log.length).toBeGreaterThan(1000);
    const responses = replies.join('\n');
    for (const t of [a, b]) {
      for (const s of t.secrets) {
        expect(dump.includes(s), `dump: ${s.slice(0, 10)}`).toBe(false);
        expect(log.includes(s), `log: ${s.slice(0, 10)}`).toBe(false);
        expect(responses.includes(s), `responses: ${s.slice(0, 10)}`).toBe(false);
      }
      expect(dump.includes(t.signingSecret)).toBe(false);
      expect(log.includes(t.signingSecret)).toBe(false);
    }
    // Hostile frames end sessions as protocol errors only: nothing failed inside the gateway.
    const sessionErrors = log.split('\n').filter((l) => l.includes('"msg":"agent session error"'));
    expect(sessionErrors.length).toBeGreaterThan(5);
    for (const l of sessionErrors) expect(JSON.parse(l).err.name, l).toBe('ProtocolError');
    expect(log).not.toContain('"msg":"request failed"');
  });
});
