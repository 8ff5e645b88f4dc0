/**
 * The console's sign-in names the tenant (issue 11, defect 3), in Chromium against the real API:
 * the same email in two tenants signs in to the tenant typed, a wrong tenant gets the one generic
 * error, and a login link `?tenant=slug` fills the tenant in.
 */
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../api/auth/store.ts';
import { seedTenant, startApi, type ApiFixture, type TestTenant } from '../api/test-support.ts';
import { ensureConsoleBuilt } from './build.ts';
import { signIn } from './testing/login.ts';

const PASSWORD = 'correct horse battery';
let f: ApiFixture;
let base: string;
let browser: Browser;
let a: TestTenant;
let b: TestTenant;

beforeAll(async () => {
  const consoleDir = await ensureConsoleBuilt();
  f = await startApi({ consoleDir });
  a = await seedTenant(f, 'alpha', PASSWORD);
  b = await seedTenant(f, 'bravo');
  await createUser({ pool: f.schema.pool, schema: f.schema.schema }, { tenantId: b.id, email: 'engineer@alpha.test', password: PASSWORD, role: 'viewer' });
  await f.server.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(f.server.app.server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
});

afterAll(async () => {
  await browser?.close();
  await f?.close();
});

async function withPage(fn: (page: Page) => Promise<void>): Promise<void> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  try {
    await fn(page);
  } finally {
    await context.close();
  }
}

describe('console sign-in', () => {
  it.each([
    ['alpha', () => a.slug, 'user:engineer@alpha.test (engineer)'],
    ['bravo', () => b.slug, 'user:engineer@alpha.test (viewer)'],
  ])('given the same email in two tenants, when it signs in to %s, then the console is that tenant’s', async (_n, slug, whoami) => {
    await withPage(async (page) => {
      await signIn(page, base, { tenant: slug(), email: 'engineer@alpha.test', password: PASSWORD });
      expect(await page.getByTestId('whoami').textContent()).toBe(whoami);
    });
  });

  it('given a tenant that does not exist, then the console shows the same error as a wrong password', async () => {
    await withPage(async (page) => {
      const messages: string[] = [];
      for (const [tenant, password] of [['no-such-tenant', PASSWORD], [a.slug, 'wrong password!']] as const) {
        await page.goto(`${base}/#/migrations`);
        await page.getByTestId('login-tenant').fill(tenant);
        await page.getByTestId('login-email').fill('engineer@alpha.test');
        await page.getByTestId('login-password').fill(password);
        await page.getByTestId('login-submit').click();
        messages.push((await page.locator('form.login .error').textContent()) ?? '');
      }
      expect(messages).toEqual(['invalid tenant, email or password', 'invalid tenant, email or password']);
    });
  });

  it('given a login link that names the tenant, then the tenant is filled in', async () => {
    await withPage(async (page) => {
      await page.goto(`${base}/?tenant=${b.slug}#/migrations`);
      expect(await page.getByTestId('login-tenant').inputValue()).toBe(b.slug);
    });
  });
});
