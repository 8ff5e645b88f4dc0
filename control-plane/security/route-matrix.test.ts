/**
 * Issue 11 security suite, part 1: roles × routes × tenants on the real server (in process, real
 * PostgreSQL, the agent gateway attached). The routes are read from the server's own route registry,
 * so a route added without an entry in POLICY fails here. Tenant A's every role calls every route with
 * tenant B's ids: 403 where the role lacks the permission, else 404; tenant B's rows are unchanged
 * (digest of every tenant_id table, RLS bypassed); no response carries B's secrets or names; every
 * outbound request went through the server's one dispatcher, and only to the configured vendor origin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachAgentGateway } from '../agent-gateway/gateway.ts';
import { generateTransportKeyPair } from '../../shared/crypto/index.ts';
import { createLogger, type LogEntry } from '../../shared/log/logger.ts';
import { OutboundDispatcher } from '../../shared/net/outbound.ts';
import { agentGatewayPort } from '../api/agent-adapter.ts';
import { can, ROLES, type Permission } from '../api/auth/roles.ts';
import { startApi, type ApiFixture } from '../api/test-support.ts';
import { startSink, type Sink } from './testing/sink.ts';
import { seedTenantWorld, tenantDigest, type Call, type SeededTenant } from './testing/world.ts';

/** Every route and the permission it must declare. A new route needs a line here (and a reason). */
const POLICY: Record<string, Permission | 'public'> = {
  'POST /api/v1/auth/login': 'public',
  'POST /api/v1/auth/logout': 'read',
  'GET /api/v1/auth/me': 'read',
  'GET /api/v1/api-keys': 'admin',
  'POST /api/v1/api-keys': 'admin',
  'DELETE /api/v1/api-keys/:id': 'admin',
  'POST /api/v1/users': 'admin',
  'GET /api/v1/audit': 'admin',
  'POST /api/v1/migrations': 'migration.write',
  'GET /api/v1/migrations': 'read',
  'GET /api/v1/migrations/:id': 'read',
  'PATCH /api/v1/migrations/:id': 'migration.write',
  'POST /api/v1/migrations/:id/dry-run': 'migration.run',
  'POST /api/v1/migrations/:id/approve': 'migration.approve',
  'POST /api/v1/migrations/:id/start': 'migration.run',
  'POST /api/v1/migrations/:id/resume': 'migration.run',
  'POST /api/v1/migrations/:id/pause': 'migration.run',
  'POST /api/v1/migrations/:id/cancel': 'migration.run',
  'POST /api/v1/migrations/:id/rollback': 'migration.rollback',
  'GET /api/v1/migrations/:id/logs': 'read',
  'GET /api/v1/migrations/:id/report': 'read',
  'GET /api/v1/migrations/:id/runs/:runId/quarantine': 'read',
  'POST /api/v1/migrations/:id/runs/:runId/retry': 'migration.run',
  'GET /api/v1/connectors': 'read',
  'POST /api/v1/migrations/:id/connection-test': 'migration.write',
  'GET /api/v1/migrations/:id/discover': 'migration.write',
  'POST /api/v1/migrations/:id/preview': 'migration.write',
  'GET /api/v1/mapping-templates': 'read',
  'GET /api/v1/mapping-templates/:id': 'read',
  'POST /api/v1/mapping-templates': 'migration.write',
  'PUT /api/v1/mapping-templates/:id': 'migration.write',
  'GET /api/v1/endpoint-overrides': 'admin',
  'POST /api/v1/endpoint-overrides': 'admin',
  'DELETE /api/v1/endpoint-overrides': 'admin',
  'POST /api/v1/agents/enrollment-tokens': 'agents.manage',
  'GET /api/v1/agents': 'read',
  'POST /api/v1/agents/:agentId/revoke': 'agents.manage',
  'POST /api/v1/agents/:agentId/commands': 'agents.manage',
  'GET /api/v1/agents/:agentId/connections': 'migration.write',
  'GET /api/v1/migrations/:id/agent-progress': 'read',
  'POST /api/v1/webhooks': 'webhooks.manage',
  'GET /api/v1/webhooks': 'read',
  'GET /api/v1/webhooks/:id/deliveries': 'read',
  'DELETE /api/v1/webhooks/:id': 'webhooks.manage',
  'GET /api/v1/events': 'read',
  'GET /healthz': 'public',
  'GET /readyz': 'public',
  'GET /metrics': 'public',
};

/** A body (and query) that passes validation, so a refusal is the policy's, not the schema's. */
const REQUEST: Record<string, { body?: unknown; query?: string }> = {
  'PATCH /api/v1/migrations/:id': { body: { name: 'renamed' } },
  'POST /api/v1/migrations/:id/preview': { body: { entity: 'companies' } },
  'GET /api/v1/migrations/:id/runs/:runId/quarantine': { query: '?entity=companies' },
  'POST /api/v1/migrations/:id/runs/:runId/retry': { body: { entity: 'companies', csv: '__sourceId\n1\n' } },
  'POST /api/v1/agents/:agentId/commands': { body: { type: 'status' } },
  'POST /api/v1/migrations': { body: { name: 'matrix', sourceSystem: 'csv' } },
  'POST /api/v1/api-keys': { body: { name: 'matrix', role: 'viewer' } },
  'POST /api/v1/mapping-templates': { body: { from: 'builtin:hubspot', name: 'matrix' } },
  'POST /api/v1/endpoint-overrides': { body: { vendor: 'hubspot', url: 'http://127.0.0.1:9' } },
  'DELETE /api/v1/endpoint-overrides': { query: '?vendor=hubspot&url=http%3A%2F%2F127.0.0.1%3A8' },
  'POST /api/v1/agents/enrollment-tokens': { body: {} },
  'POST /api/v1/webhooks': { body: { url: 'https://hooks.matrix.example/x' } },
};

const ID_OF: Record<string, keyof SeededTenant['ids']> = { ':runId': 'run', ':agentId': 'agent' };
function idFor(route: string, t: SeededTenant): Record<string, string> {
  const base = route.includes('/webhooks/') ? 'webhook' : route.includes('/mapping-templates/') ? 'template' : route.includes('/api-keys/') ? 'apiKey' : 'migration';
  return { ':id': t.ids[base], ':runId': t.ids[ID_OF[':runId']!], ':agentId': t.ids[ID_OF[':agentId']!] };
}
const fill = (url: string, ids: Record<string, string>): string => url.replace(/:[a-zA-Z]+/g, (p) => ids[p] ?? p);

let f: ApiFixture;
let vendor: Sink;
let attacker: Sink;
let a: SeededTenant;
let b: SeededTenant;
const outbound = new OutboundDispatcher();
const logs: LogEntry[] = [];
const bodies: string[] = [];
let call: Call;

beforeAll(async () => {
  vendor = await startSink();
  attacker = await startSink();
  f = await startApi((s) => ({
    logger: createLogger({ level: 'debug', sinks: [(e) => logs.push(e)] }),
    webhooks: { outbound, maxAttempts: 1 },
    attachAgents: (server) => agentGatewayPort(attachAgentGateway(server, { pool: s.pool, controlSchema: s.schema, transportKey: generateTransportKeyPair() }), s.pool, s.schema, 100),
  }));
  call = async (method, url, key, body, headers = {}) => {
    const res = await f.server.app.inject({ method: method as 'GET', url, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers }, ...(body === undefined ? {} : { payload: body as object }) });
    bodies.push(res.body);
    let json: unknown = null;
    try { json = res.json(); } catch { /* not JSON */ }
    return { status: res.statusCode, body: res.body, json };
  };
  const world = { pool: f.schema.pool, schema: f.schema.schema, call, vendorOrigin: vendor.origin };
  a = await seedTenantWorld(world, `tenant-a-${Date.now()}`);
  b = await seedTenantWorld(world, `tenant-b-${Date.now()}`);
  REQUEST['PUT /api/v1/mapping-templates/:id'] = { body: { yaml: (await call('GET', '/api/v1/mapping-templates/builtin:hubspot', a.keys.viewer)).json.yaml } };
});
afterAll(async () => {
  await f?.close();
  await vendor?.close();
  await attacker?.close();
});

const key = (r: { method: string; url: string }) => `${r.method} ${r.url}`;
const apiRoutes = () => f.server.routes.filter((r) => r.method !== 'HEAD' && (r.url.startsWith('/api/') || POLICY[key(r)] !== undefined));

describe('route registry against the policy table', () => {
  it('given the running server, then every API route is in the policy table with the permission it declares, and every policy line is a route', () => {
    const declared = Object.fromEntries(apiRoutes().map((r) => [key(r), r.permission]));
    expect(declared).toEqual(POLICY);
  });

  it('given no credentials, then every non-public route answers 401 and says nothing more', async () => {
    const closed = apiRoutes().filter((r) => POLICY[key(r)] !== 'public');
    expect(closed.length).toBeGreaterThan(40);
    for (const r of closed) {
      const res = await call(r.method, fill(r.url, idFor(r.url, a)) + (REQUEST[key(r)]?.query ?? ''), null, REQUEST[key(r)]?.body);
      expect(res.status, key(r)).toBe(401);
      expect(res.json, key(r)).toEqual({ error: 'unauthenticated', message: 'authentication required' });
    }
  });
});

describe('roles × routes × tenants', () => {
  it("given every role of tenant A on every route with tenant B's ids, then 403 where the role lacks the permission, else 404 (or, without ids, A's own data), and tenant B's rows are unchanged", async () => {
    const before = await tenantDigest(f.schema.pool, f.schema.schema, b.id);
    let calls = 0;
    for (const r of apiRoutes()) {
      const perm = POLICY[key(r)]!;
      if (perm === 'public' || r.url === '/api/v1/events') continue; // events is a stream: covered by events.test.ts
      for (const role of ROLES) {
        const req = REQUEST[key(r)] ?? {};
        const hasIds = r.url.includes('/:');
        const res = await call(r.method, fill(r.url, idFor(r.url, b)) + (req.query ?? ''), a.keys[role], req.body);
        calls++;
        const where = `${role} ${key(r)}: ${res.body.slice(0, 200)}`;
        if (!can(role, perm)) expect(res.status, where).toBe(403);
        else if (hasIds) expect(res.status, where).toBe(404);
        else expect([401, 403].includes(res.status) || res.status >= 500, where).toBe(false);
        for (const s of b.secrets) expect(res.body, where).not.toContain(s);
        expect(res.body, where).not.toContain(b.name);
      }
    }
    expect(calls).toBeGreaterThan(150);
    expect(await tenantDigest(f.schema.pool, f.schema.schema, b.id)).toEqual(before);
  });

  it("given tenant A's migration with tenant B's run id, then the run routes answer 404", async () => {
    for (const [method, path, body] of [['GET', 'quarantine?entity=companies', undefined], ['POST', 'retry', { entity: 'companies', csv: '__sourceId\n1\n' }]] as const) {
      const res = await call(method, `/api/v1/migrations/${a.ids.migration}/runs/${b.ids.run}/${path}`, a.keys.admin, body);
      expect(res.status, res.body).toBe(404);
    }
  });

  it("given tenant A's listings, then none names tenant B's objects", async () => {
    for (const url of ['/api/v1/migrations', '/api/v1/webhooks', '/api/v1/agents', '/api/v1/mapping-templates', '/api/v1/api-keys', '/api/v1/audit?limit=1000', '/api/v1/endpoint-overrides']) {
      const res = await call('GET', url, a.keys.admin);
      expect(res.status, url).toBe(200);
      for (const id of Object.values(b.ids)) expect(res.body, url).not.toContain(id);
      expect(res.body, url).not.toContain(b.name);
    }
  });
});

describe('issue 11 defect 1: stored credentials reach only their vendor endpoint', () => {
  it('given an engineer pointing baseUrl or tokenUrl at their own server, then 400, and connection-test, discover and preview send nothing there', async () => {
    for (const config of [{ baseUrl: `${attacker.origin}/x` }, { tokenUrl: `${attacker.origin}/oauth` }]) {
      const res = await call('PATCH', `/api/v1/migrations/${a.ids.migration}`, a.keys.engineer, { config });
      expect(res.status, res.body).toBe(400);
    }
    for (const [m, p, body] of [['POST', 'connection-test', undefined], ['GET', 'discover', undefined], ['POST', 'preview', { entity: 'companies' }]] as const) {
      const res = await call(m, `/api/v1/migrations/${a.ids.migration}/${p}`, a.keys.engineer, body);
      expect(res.status, res.body).toBeLessThan(500);
    }
    expect(attacker.hits).toEqual([]);
    expect(vendor.hits.length).toBeGreaterThan(0);
    expect(vendor.hits.some((h) => h.headers.authorization?.includes(a.secrets[0]!))).toBe(true);
  });

  it.each(['pipedrive', 'shipstation', 'salesforce', 'dynamics'])('given a %s migration created with its base URL at the attacker, then 400 and nothing is stored', async (vendorName) => {
    const res = await call('POST', '/api/v1/migrations', a.keys.engineer, { name: `evil ${vendorName}`, sourceSystem: vendorName, credentials: { apiToken: 'x' }, config: { baseUrl: `${attacker.origin}/api` } });
    expect(res.status, res.body).toBe(400);
    expect(Object.keys(res.json.fields)).toContain('body.config.baseUrl');
    expect((await f.schema.pool.query('SELECT 1 FROM migrations WHERE name = $1', [`evil ${vendorName}`])).rowCount).toBe(0);
  });

  it('given an engineer (not an admin), then adding an endpoint override is 403 and the audit log has every override an admin added', async () => {
    expect((await call('POST', '/api/v1/endpoint-overrides', a.keys.engineer, { vendor: 'hubspot', url: attacker.origin })).status).toBe(403);
    const { rows } = await f.schema.pool.query('SELECT action FROM audit_log WHERE tenant_id = $1', [a.id]);
    expect(rows.map((r) => r.action)).toContain('endpoint_override.add');
  });

  it('given a database source whose host is changed without the password, then the stored password is dropped and nothing is sent to the new host', async () => {
    const created = await call('POST', '/api/v1/migrations', a.keys.engineer, {
      name: 'sql source', sourceSystem: 'cargowise', credentials: { dialect: 'postgres', host: '127.0.0.1', port: '5432', database: 'test', user: 'postgres', password: 'db-SECRET-pw-a' },
    });
    expect(created.status, created.body).toBe(201);
    const moved = await call('PATCH', `/api/v1/migrations/${created.json.id}`, a.keys.engineer, { credentials: { host: '127.0.0.1', port: String(new URL(attacker.origin).port) } });
    expect(moved.status, moved.body).toBe(200);
    expect(moved.json.credentialNames).not.toContain('password');
    const test = await call('POST', `/api/v1/migrations/${created.json.id}/connection-test`, a.keys.engineer);
    expect(test.status).toBeLessThan(500);
    expect(attacker.hits.map((h) => h.body).join('')).not.toContain('db-SECRET-pw-a');
  });
});

describe('issue 11 defect 2: webhooks reach only public addresses', () => {
  it.each(['http://169.254.169.254/latest/meta-data', 'http://localhost:9/x', 'http://[::1]:9/x', 'http://10.0.0.1/x', 'http://0x7f000001/x'])(
    'given a webhook at %s, then nothing is delivered and the deliveries API shows a generic reason only', async (url) => {
      const hook = await call('POST', '/api/v1/webhooks', a.keys.engineer, { url, events: ['migration.failed'] });
      expect(hook.status, hook.body).toBe(201);
      const sentBefore = outbound.sent().length;
      f.server.ctx.webhooks.emit(a.id, 'migration.failed', { migrationId: a.ids.migration });
      await f.server.ctx.webhooks.idle();
      expect(outbound.sent().slice(sentBefore).filter((s) => s.policy === 'webhook')).toEqual([]);
      const d = await call('GET', `/api/v1/webhooks/${hook.json.id}/deliveries`, a.keys.viewer);
      expect(d.json.items[0]).toMatchObject({ status: 'failed', lastStatus: null, lastError: 'delivery refused: target address not allowed' });
      await call('DELETE', `/api/v1/webhooks/${hook.json.id}`, a.keys.engineer);
    });
});

describe('issue 11 defect 3: no oracles across tenants', () => {
  it("given a webhook or api key id of tenant B, then tenant A gets the same 404 as for an id that does not exist", async () => {
    const ghost = '00000000-0000-4000-8000-000000000000';
    for (const [m, url] of [['GET', '/api/v1/webhooks/:id/deliveries'], ['DELETE', '/api/v1/api-keys/:id'], ['GET', '/api/v1/mapping-templates/:id'], ['GET', '/api/v1/migrations/:id']] as const) {
      const foreign = await call(m, url.replace(':id', url.includes('webhooks') ? b.ids.webhook : url.includes('api-keys') ? b.ids.apiKey : url.includes('templates') ? b.ids.template : b.ids.migration), a.keys.admin);
      const missing = await call(m, url.replace(':id', ghost), a.keys.admin);
      expect([foreign.status, foreign.body], url).toEqual([missing.status, missing.body]);
      expect(foreign.status, url).toBe(404);
    }
  });
});

describe('outbound and secrets over the whole suite', () => {
  it('given everything this file sent, then every outbound request went through the one dispatcher to the configured vendor origin only', () => {
    const sent = outbound.sent();
    expect(sent.length).toBeGreaterThan(0);
    for (const s of sent) expect(new URL(s.url).origin, s.url).toBe(vendor.origin);
    expect(vendor.hits.length).toBe(sent.length);
    expect(attacker.hits).toEqual([]);
  });

  it('given every response and every log line of this file, then no secret of either tenant appears and no 5xx carried a stack', () => {
    const text = [...bodies, ...logs.map((l) => JSON.stringify(l))].join('\n');
    expect(logs.length).toBeGreaterThan(0);
    // A webhook's signing secret is shown once, in the response that created it, and never again.
    for (const t of [a, b]) expect(text.split(t.signingSecret).length - 1).toBe(1);
    for (const s of [...a.secrets, ...b.secrets, 'db-SECRET-pw-a']) expect(text.includes(s), s.slice(0, 12)).toBe(false);
    expect(text).not.toMatch(/\n\s+at [^\n]+:\d+:\d+\)?/);
  });
});
