/**
 * Login names its tenant (issue 11, defect 3): emails are unique per tenant, and the answer to a
 * failed login is the same whether the tenant, the email or the password was wrong. Over real
 * HTTP against the API server.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DUMMY_HASH } from './auth/store.ts';
import { hashPassword, verifyPassword } from './auth/secrets.ts';
import { bearer, seedTenant, startApi, type ApiFixture, type TestTenant } from './test-support.ts';

const PASSWORD = 'correct horse battery';
const B_PASSWORD = 'another long password';
let f: ApiFixture;
let base: string;
let a: TestTenant;
let b: TestTenant;

beforeAll(async () => {
  f = await startApi({ loginRateLimit: 1000 });
  a = await seedTenant(f, 'alpha', PASSWORD);
  b = await seedTenant(f, 'bravo');
  await f.server.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(f.server.app.server.address() as AddressInfo).port}/api/v1`;
});
afterAll(async () => f?.close());

async function post(path: string, body: object, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

describe('tenant-scoped login', () => {
  it('given tenant bravo creates a user with an email tenant alpha already has, then it is created, and each tenant slug logs in to its own tenant', async () => {
    const created = await post('/users', { email: 'Engineer@Alpha.test', password: B_PASSWORD, role: 'viewer' }, bearer(b.keys.admin));
    expect(created.status).toBe(201);
    const again = await post('/users', { email: 'engineer@alpha.test', password: B_PASSWORD, role: 'viewer' }, bearer(b.keys.admin));
    expect(again.status).toBe(409);

    const inA = await post('/auth/login', { tenant: a.slug, email: 'engineer@alpha.test', password: PASSWORD });
    expect(inA.status).toBe(200);
    expect(inA.body).toMatchObject({ tenantId: a.id, role: 'engineer', actor: 'user:engineer@alpha.test' });
    const inB = await post('/auth/login', { tenant: b.slug.toUpperCase(), email: 'engineer@alpha.test', password: B_PASSWORD });
    expect(inB.status).toBe(200);
    expect(inB.body).toMatchObject({ tenantId: b.id, role: 'viewer' });
    // Alpha's password does not open bravo's account of the same email, nor the other way round.
    expect((await post('/auth/login', { tenant: b.slug, email: 'engineer@alpha.test', password: PASSWORD })).status).toBe(401);
    expect((await post('/auth/login', { tenant: a.slug, email: 'engineer@alpha.test', password: B_PASSWORD })).status).toBe(401);
  });

  it.each([
    ['an unknown tenant', () => ({ tenant: 'no-such-tenant', email: 'engineer@alpha.test', password: PASSWORD })],
    ['another tenant that lacks the email', () => ({ tenant: b.slug, email: 'admin@alpha.test', password: PASSWORD })],
    ['an unknown email', () => ({ tenant: a.slug, email: 'nobody@alpha.test', password: PASSWORD })],
    ['a wrong password', () => ({ tenant: a.slug, email: 'engineer@alpha.test', password: 'wrong password!' })],
  ])('given %s, then the answer is the same 401 with no cookie', async (_case, body) => {
    const r = await post('/auth/login', body());
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: 'invalid_credentials', message: 'invalid tenant, email or password' });
    expect(r.headers.get('set-cookie')).toBeNull();
  });

  it('given a login without a tenant, then it is a validation error naming the field, not a lookup', async () => {
    const r = await post('/auth/login', { email: 'engineer@alpha.test', password: PASSWORD });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain('tenant');
  });

  it('given no user, then the password is checked against a dummy hash of the same scrypt cost and lengths as a real one, which nothing verifies', async () => {
    const shape = (h: string): [string, string, number, number] => {
      const [kind, n, salt, hash] = h.split('$');
      return [kind!, n!, Buffer.from(salt!, 'base64').length, Buffer.from(hash!, 'base64').length];
    };
    expect(shape(DUMMY_HASH)).toEqual(shape(await hashPassword(PASSWORD)));
    expect(await verifyPassword('', DUMMY_HASH)).toBe(false);
    expect(await verifyPassword(PASSWORD, DUMMY_HASH)).toBe(false);
  });
});
