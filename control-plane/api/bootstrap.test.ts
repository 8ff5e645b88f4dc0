import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapAdmin } from './bootstrap.ts';
import { bearer, startApi, type ApiFixture } from './test-support.ts';

let f: ApiFixture;
beforeAll(async () => { f = await startApi(); });
afterAll(async () => f?.close());

describe('first-run bootstrap', () => {
  it('given an empty control schema, then one admin is created whose password and key work, and a second bootstrap does nothing', async () => {
    const db = { pool: f.schema.pool, schema: f.schema.schema };
    const boot = await bootstrapAdmin(db, 'Admin@Example.test');
    expect(boot).not.toBeNull();
    expect(boot!.tenantSlug).toBe('default-tenant');
    const login = await f.server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: boot!.tenantSlug, email: 'admin@example.test', password: boot!.password } });
    expect(login.json()).toMatchObject({ role: 'admin', tenantId: boot!.tenantId });
    const me = await f.server.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(boot!.apiKey) });
    expect(me.json()).toMatchObject({ role: 'admin', via: 'api-key' });
    expect(await bootstrapAdmin(db, 'other@example.test')).toBeNull();
    const keys = await f.server.app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: bearer(boot!.apiKey) });
    expect(keys.json().items).toHaveLength(1);
    expect(keys.body).not.toContain(boot!.apiKey);
  });
});
