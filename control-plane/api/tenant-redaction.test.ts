/**
 * Issue 11, defect 3 (redactor oracle): secrets are redacted per tenant, so tenant B cannot learn
 * tenant A's secret by watching which guess comes back [REDACTED]. Real server and PostgreSQL; the
 * echo is the CSV connector's error, which names the folder it was given.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, seedTenant, startApi, type ApiFixture, type TestTenant } from './test-support.ts';

const SECRET_A = `alpha-secret-${Date.now()}-hunter2`;
let f: ApiFixture;
let a: TestTenant;
let b: TestTenant;

beforeAll(async () => {
  f = await startApi();
  a = await seedTenant(f, 'alpha');
  b = await seedTenant(f, 'bravo');
  // Tenant A stores its secret (registered with the redactor as it is stored).
  const res = await f.server.app.inject({
    method: 'POST', url: '/api/v1/migrations', headers: bearer(a.keys.engineer),
    payload: { name: 'A CRM', sourceSystem: 'csv', credentials: { apiKey: SECRET_A } },
  });
  expect(res.statusCode, res.body).toBe(201);
});
afterAll(async () => {
  await f?.close();
});

async function echo(t: TestTenant, guess: string): Promise<string> {
  const created = await f.server.app.inject({
    method: 'POST', url: '/api/v1/migrations', headers: bearer(t.keys.engineer),
    payload: { name: 'probe', sourceSystem: 'csv', config: { baseUrl: `file:///${guess}` } },
  });
  expect(created.statusCode, created.body).toBe(201);
  const res = await f.server.app.inject({ method: 'POST', url: `/api/v1/migrations/${created.json().id}/connection-test`, headers: bearer(t.keys.engineer) });
  expect(res.statusCode).toBe(422);
  return res.json().message as string;
}

describe('per-tenant redaction', () => {
  it('given tenant B guesses tenant A\'s secret, then the right guess comes back exactly like a wrong one', async () => {
    const right = await echo(b, SECRET_A);
    const wrong = await echo(b, `${SECRET_A.slice(0, -1)}X`);
    expect(right).toContain(SECRET_A); // B's own text, not A's secret: nothing to learn from it
    expect(right).not.toContain('[REDACTED]');
    expect(right.replace(SECRET_A, 'G')).toBe(wrong.replace(`${SECRET_A.slice(0, -1)}X`, 'G'));
  });

  it('given tenant A\'s own text carries its secret, then it is still redacted for tenant A', async () => {
    const own = await echo(a, SECRET_A);
    expect(own).not.toContain(SECRET_A);
    expect(own).toContain('[REDACTED]');
  });
});
