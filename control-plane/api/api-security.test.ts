import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, can, type Permission, type Role } from './auth/roles.ts';
import { API_ROLE } from './db.ts';
import { bearer, seedTenant, startApi, type ApiFixture, type TestTenant } from './test-support.ts';

const SECRET = 'rt-PLAINTEXT-refresh-token-9f8e7d6c5b4a';
const SECRET2 = 'ak-PLAINTEXT-api-key-1234567890';

let f: ApiFixture;
let a: TestTenant;
let b: TestTenant;
let migA: string;
let migB: string;

async function createMigration(t: TestTenant, name: string): Promise<string> {
  // A non-vendor endpoint needs the tenant admin's endpoint override (issue 11, defect 1).
  const ov = await f.server.app.inject({ method: 'POST', url: '/api/v1/endpoint-overrides', headers: bearer(t.keys.admin), payload: { vendor: 'hubspot', url: 'http://127.0.0.1:9' } });
  expect(ov.statusCode, ov.body).toBe(201);
  const res = await f.server.app.inject({
    method: 'POST', url: '/api/v1/migrations', headers: bearer(t.keys.engineer),
    payload: { name, sourceSystem: 'hubspot', credentials: { refreshToken: SECRET, apiKey: SECRET2 }, config: { baseUrl: 'http://127.0.0.1:9/x' } },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

beforeAll(async () => {
  f = await startApi({ loginRateLimit: 3 });
  a = await seedTenant(f, 'alpha', 'correct horse battery');
  b = await seedTenant(f, 'bravo');
  migA = await createMigration(a, 'Alpha CRM');
  migB = await createMigration(b, 'Bravo CRM');
});
afterAll(async () => f?.close());

/** Every tenant-scoped route on a migration id, with the permission it needs and a valid body. */
const ROUTES: { method: 'GET' | 'POST' | 'PATCH'; path: string; permission: Permission; payload?: unknown }[] = [
  { method: 'GET', path: '', permission: 'read' },
  { method: 'PATCH', path: '', permission: 'migration.write', payload: { name: 'renamed' } },
  { method: 'GET', path: '/logs', permission: 'read' },
  { method: 'GET', path: '/report', permission: 'read' },
  { method: 'GET', path: '/report?format=pdf', permission: 'read' },
  { method: 'GET', path: '/discover', permission: 'migration.write' },
  { method: 'POST', path: '/preview', permission: 'migration.write', payload: { entity: 'companies' } },
  { method: 'POST', path: '/connection-test', permission: 'migration.write' },
  { method: 'POST', path: '/dry-run', permission: 'migration.run' },
  { method: 'POST', path: '/approve', permission: 'migration.approve' },
  { method: 'POST', path: '/start', permission: 'migration.run' },
  { method: 'POST', path: '/pause', permission: 'migration.run' },
  { method: 'POST', path: '/resume', permission: 'migration.run' },
  { method: 'POST', path: '/cancel', permission: 'migration.run' },
  { method: 'POST', path: '/rollback', permission: 'migration.rollback' },
];

describe('API security', () => {
  it.each(ROUTES)('given no credentials, then $method /migrations/:id$path answers 401', async (r) => {
    const res = await f.server.app.inject({ method: r.method, url: `/api/v1/migrations/${migA}${r.path}`, payload: r.payload as object });
    expect(res.statusCode).toBe(401);
  });

  it('given an unknown or malformed API key, then every listing answers 401', async () => {
    for (const h of [bearer('nxk_not-a-real-key'), { authorization: 'Basic abc' }, bearer('')]) {
      const res = await f.server.app.inject({ method: 'GET', url: '/api/v1/migrations', headers: h });
      expect(res.statusCode).toBe(401);
    }
  });

  const matrix = ROLES.flatMap((role) => ROUTES.map((r) => ({ role, ...r })));
  it.each(matrix)("given a $role of tenant A, then $method on tenant B's migration$path is 404 (or 403 when the role lacks it)", async (r) => {
    const res = await f.server.app.inject({ method: r.method, url: `/api/v1/migrations/${migB}${r.path}`, headers: bearer(a.keys[r.role]), payload: r.payload as object });
    expect(res.statusCode).toBe(can(r.role, r.permission) ? 404 : 403);
    expect(res.body).not.toContain('Bravo');
  });

  it("given tenant A, then the migration list holds only tenant A's migrations", async () => {
    const res = await f.server.app.inject({ method: 'GET', url: '/api/v1/migrations', headers: bearer(a.keys.viewer) });
    expect(res.statusCode).toBe(200);
    const ids = (res.json().items as { id: string }[]).map((m) => m.id);
    expect(ids).toContain(migA);
    expect(ids).not.toContain(migB);
  });

  it.each(['start', 'approve', 'rollback', 'dry-run', 'cancel'])('given a viewer, then POST %s on its own migration is 403', async (action) => {
    const res = await f.server.app.inject({ method: 'POST', url: `/api/v1/migrations/${migA}/${action}`, headers: bearer(a.keys.viewer) });
    expect(res.statusCode).toBe(403);
  });

  it.each<[Role, string, number]>([
    ['engineer', 'approve', 403],
    ['customer-admin', 'start', 403],
    ['customer-admin', 'approve', 409], // allowed, but the migration has had no dry run
  ])('given a %s, then POST %s answers %i', async (role, action, status) => {
    const res = await f.server.app.inject({ method: 'POST', url: `/api/v1/migrations/${migA}/${action}`, headers: bearer(a.keys[role]) });
    expect(res.statusCode).toBe(status);
  });

  it.each([
    { payload: { name: '', sourceSystem: 'hubspot' }, field: 'body.name' },
    { payload: { name: 'x', sourceSystem: 'Not A Connector!' }, field: 'body.sourceSystem' },
    { payload: { name: 'x', sourceSystem: 'nosuchvendor' }, field: 'body.sourceSystem' },
    { payload: { name: 'x', sourceSystem: 'hubspot', config: { batchSize: -1 } }, field: 'body.config.batchSize' },
    { payload: { name: 'x', sourceSystem: 'hubspot', config: { baseUrl: 'not a url' } }, field: 'body.config.baseUrl' },
    { payload: { name: 'x', sourceSystem: 'hubspot', mappingYaml: 'version: 2\nentities: {}' }, field: 'body.mappingYaml.version' },
  ])('given a malformed create body, then 400 names $field', async ({ payload, field }) => {
    const res = await f.server.app.inject({ method: 'POST', url: '/api/v1/migrations', headers: bearer(a.keys.engineer), payload });
    expect(res.statusCode).toBe(400);
    expect(Object.keys(res.json().fields)).toContain(field);
  });

  it('given malformed query and params, then 400 with field errors', async () => {
    const q = await f.server.app.inject({ method: 'GET', url: `/api/v1/migrations/${migA}/logs?limit=abc&level=loud`, headers: bearer(a.keys.viewer) });
    expect(q.statusCode).toBe(400);
    expect(Object.keys(q.json().fields).sort()).toEqual(['query.level', 'query.limit']);
    const p = await f.server.app.inject({ method: 'GET', url: '/api/v1/migrations/not-a-uuid', headers: bearer(a.keys.viewer) });
    expect(p.statusCode).toBe(400);
    expect(p.json().fields).toHaveProperty('params.id');
  });

  it('given a body over the limit, then 413', async () => {
    const res = await f.server.app.inject({
      method: 'POST', url: '/api/v1/migrations', headers: { ...bearer(a.keys.engineer), 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'big', sourceSystem: 'hubspot', mappingYaml: 'x'.repeat(1_100_000) }),
    });
    expect(res.statusCode).toBe(413);
  });

  it('given stored credentials, then no API response carries them and the migration lists only their names', async () => {
    const urls = ['', '/logs', '/report'].map((p) => `/api/v1/migrations/${migA}${p}`).concat(['/api/v1/migrations', '/api/v1/audit?limit=1000', '/docs/json']);
    const bodies: string[] = [];
    for (const url of urls) bodies.push((await f.server.app.inject({ method: 'GET', url, headers: bearer(a.keys.admin) })).body);
    const patched = await f.server.app.inject({ method: 'PATCH', url: `/api/v1/migrations/${migA}`, headers: bearer(a.keys.engineer), payload: { credentials: { refreshToken: SECRET } } });
    bodies.push(patched.body);
    expect(patched.json().credentialNames).toEqual(['apiKey', 'refreshToken']);
    for (const body of bodies) {
      expect(body).not.toContain(SECRET);
      expect(body).not.toContain(SECRET2);
    }
  });

  it('given the whole schema dumped (every text, jsonb and bytea column), then no plaintext credential or API key is in it', async () => {
    const { rows: cols } = await f.schema.pool.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = $1 AND data_type IN ('text','jsonb','bytea','ARRAY','character varying')`, [f.schema.schema]);
    expect(cols.length).toBeGreaterThan(20);
    const needles = [SECRET, SECRET2, a.keys.admin, b.keys.engineer, 'correct horse battery'];
    let scanned = 0;
    for (const c of cols) {
      const { rows } = await f.schema.pool.query(`SELECT "${c.column_name}"::text AS v, encode(CASE WHEN pg_typeof("${c.column_name}")::text = 'bytea' THEN "${c.column_name}"::text::bytea END, 'escape') AS b FROM "${c.table_name}"`);
      for (const r of rows) {
        scanned++;
        for (const n of needles) {
          expect(String(r.v ?? ''), `${c.table_name}.${c.column_name}`).not.toContain(n);
        }
      }
    }
    expect(scanned).toBeGreaterThan(0);
    const { rows: raw } = await f.schema.pool.query<{ ciphertext: Buffer; wrapped_key: Buffer }>('SELECT ciphertext, wrapped_key FROM api_credentials');
    expect(raw.length).toBeGreaterThanOrEqual(4);
    for (const r of raw) for (const n of [SECRET, SECRET2]) expect(r.ciphertext.includes(Buffer.from(n))).toBe(false);
  });
});

describe('row-level security in the database', () => {
  async function asApiRole<T>(tenant: string | null, sql: string): Promise<T[]> {
    const c = await f.schema.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query(`SET LOCAL ROLE ${API_ROLE}`);
      if (tenant) await c.query(`SELECT set_config('nexus.tenant_id', $1, true)`, [tenant]);
      const { rows } = await c.query(sql);
      return rows as T[];
    } finally {
      await c.query('ROLLBACK');
      c.release();
    }
  }

  it.each(['migrations', 'api_keys', 'api_credentials', 'audit_log', 'api_users', 'api_tenants'])(
    'given the API role without nexus.tenant_id, then %s returns no rows although rows exist', async (table) => {
      const all = await f.schema.pool.query(`SELECT count(*)::int AS n FROM "${table}"`);
      expect(all.rows[0].n).toBeGreaterThan(0);
      expect(await asApiRole(null, `SELECT * FROM "${table}"`)).toEqual([]);
    });

  it("given the GUC set to tenant A, then only tenant A's migrations are visible and B's cannot be written", async () => {
    const rows = await asApiRole<{ id: string }>(a.id, 'SELECT id FROM migrations');
    expect(rows.map((r) => r.id)).toEqual([migA]);
    const c = await f.schema.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query(`SET LOCAL ROLE ${API_ROLE}`);
      await c.query(`SELECT set_config('nexus.tenant_id', $1, true)`, [a.id]);
      const upd = await c.query(`UPDATE migrations SET name = 'hijacked' WHERE id = $1`, [migB]);
      expect(upd.rowCount).toBe(0);
      await expect(c.query(`INSERT INTO migrations (id, tenant_id, name, source_system) VALUES (gen_random_uuid(), $1, 'x', 'hubspot')`, [b.id]))
        .rejects.toThrow(/row-level security/);
      await c.query('ROLLBACK');
    } finally {
      c.release();
    }
  });

  it('given the API role, then engine-only tables are not readable at all', async () => {
    await expect(asApiRole(a.id, 'SELECT * FROM id_map')).rejects.toThrow(/permission denied/);
  });
});

describe('audit trail', () => {
  it('given state-changing calls, then each is in audit_log with actor, target and source ip, and the log refuses updates', async () => {
    const { rows } = await f.schema.pool.query<{ action: string; actor: string; target: string; source_ip: string; details: Record<string, unknown> }>(
      'SELECT action, actor, target, source_ip, details FROM audit_log WHERE tenant_id = $1 ORDER BY id', [a.id]);
    const create = rows.find((r) => r.action === 'migration.create' && r.target === migA);
    expect(create?.actor).toMatch(/^key:nxk_/);
    expect(create?.source_ip).toBeTruthy();
    expect(create?.details.storedNames).toEqual(['refreshToken', 'apiKey']);
    expect(rows.map((r) => r.action)).toContain('migration.update');
    await expect(f.schema.pool.query('UPDATE audit_log SET actor = $1', ['x'])).rejects.toThrow(/append-only/);
    await expect(f.schema.pool.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
  });
});

describe('browser sessions', () => {
  it('given a login, then the session cookie is HttpOnly and SameSite=Strict, and a write needs the CSRF token', async () => {
    const login = await f.server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: a.slug, email: 'engineer@alpha.test', password: 'correct horse battery' } });
    expect(login.statusCode).toBe(200);
    const session = login.cookies.find((c) => c.name === 'nexus_session')!;
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe('Strict');
    const cookie = `nexus_session=${session.value}`;
    const me = await f.server.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } });
    expect(me.json()).toMatchObject({ role: 'engineer', via: 'session', tenantId: a.id });
    const noCsrf = await f.server.app.inject({ method: 'PATCH', url: `/api/v1/migrations/${migA}`, headers: { cookie }, payload: { name: 'via cookie' } });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json().error).toBe('csrf_failed');
    const wrong = await f.server.app.inject({ method: 'PATCH', url: `/api/v1/migrations/${migA}`, headers: { cookie, 'x-csrf-token': 'forged' }, payload: { name: 'via cookie' } });
    expect(wrong.statusCode).toBe(403);
    const ok = await f.server.app.inject({ method: 'PATCH', url: `/api/v1/migrations/${migA}`, headers: { cookie, 'x-csrf-token': login.json().csrfToken }, payload: { name: 'via cookie' } });
    expect(ok.statusCode).toBe(200);
  });

  it('given repeated failed logins from one address, then the login route answers 429', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await f.server.app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: '10.9.8.7', payload: { tenant: a.slug, email: 'viewer@alpha.test', password: 'wrong password' } });
      codes.push(r.statusCode);
    }
    expect(codes.slice(0, 3)).toEqual([401, 401, 401]);
    expect(codes.slice(3)).toEqual([429, 429]);
  });

  it('given any response, then security headers are set, and /docs serves the OpenAPI document', async () => {
    const res = await f.server.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    const doc = res.json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/migrations', '/api/v1/migrations/{id}/start', '/api/v1/migrations/{id}/report']));
    expect(doc.paths['/api/v1/migrations'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('sourceSystem');
  });
});
