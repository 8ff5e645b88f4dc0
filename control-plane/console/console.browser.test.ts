/**
 * The whole wizard in a real browser (Debian Chromium via playwright-core) against a real control
 * plane, the real engine, real PostgreSQL and the HubSpot sandbox emulator: pick the source, test
 * the connection, discover, configure and preview the mapping, dry-run, approve as the customer
 * admin, run, watch progress, download the report, roll back. Screenshots go to test-artifacts/console/.
 */
import { mkdir, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { signIn } from './testing/login.ts';
import { loadEmulator } from '../../connectors/registry.ts';
import type { EmulatorHandle } from '../../connectors/sdk/emulator-types.ts';
import { silentLogger } from '../../shared/log/logger.ts';
import { createTestSchema, uniqueName, type TestSchema } from '../../test/support/pg.ts';
import { migrate } from '../db/migrate.ts';
import { createApiKey, createTenant, createUser } from '../api/auth/store.ts';
import { LocalKeyProvider } from '../api/credentials/key-provider.ts';
import { buildServer, type ControlPlaneServer } from '../api/server.ts';
import type { RunReport } from '../report/types.ts';
import { ensureConsoleBuilt } from './build.ts';

const ART = new URL('../../test-artifacts/console/', import.meta.url).pathname;
const PASSWORD = 'a long test password';

let schema: TestSchema;
let targetSchema: string;
let server: ControlPlaneServer;
let emulator: EmulatorHandle;
let zoho: EmulatorHandle;
let browser: Browser;
let base: string;
let tenantId: string;
const franchiseId = randomUUID();

beforeAll(async () => {
  await mkdir(ART, { recursive: true });
  const dist = await ensureConsoleBuilt();
  schema = await createTestSchema('ui');
  targetSchema = uniqueName('uit');
  await migrate(schema.pool, 'control', schema.schema);
  await migrate(schema.pool, 'target', targetSchema);
  const db = { pool: schema.pool, schema: schema.schema };
  tenantId = await createTenant(db, 'Acme Logistics');
  await schema.pool.query(`INSERT INTO "${targetSchema}".tenants (id, name, slug) VALUES ($1, 'Acme Logistics', $2)`, [tenantId, targetSchema]);
  await schema.pool.query(`INSERT INTO "${targetSchema}".franchises (id, tenant_id, name) VALUES ($1, $2, 'HQ')`, [franchiseId, tenantId]);
  await createUser(db, { tenantId, email: 'engineer@acme.test', password: PASSWORD, role: 'engineer' });
  await createUser(db, { tenantId, email: 'customer@acme.test', password: PASSWORD, role: 'customer-admin' });
  emulator = await (await loadEmulator('hubspot'))({ records: 12, seed: 7 });
  server = await buildServer({
    pool: schema.pool, controlSchema: schema.schema, targetSchema, keys: new LocalKeyProvider(Buffer.alloc(32, 7)), logger: silentLogger, consoleDir: dist,
  });
  // The emulator is not a documented HubSpot host: the tenant admin allows it (audited endpoint override).
  const admin = (await createApiKey(db, { tenantId, name: 'admin key', role: 'admin' })).key;
  const ov = await server.app.inject({ method: 'POST', url: '/api/v1/endpoint-overrides', headers: { authorization: `Bearer ${admin}` }, payload: { vendor: 'hubspot', url: emulator.url } });
  if (ov.statusCode !== 201) throw new Error(`endpoint override: ${ov.body}`);
  zoho = await (await loadEmulator('zoho'))({ records: 4, seed: 7 });
  const zov = await server.app.inject({ method: 'POST', url: '/api/v1/endpoint-overrides', headers: { authorization: `Bearer ${admin}` }, payload: { vendor: 'zoho', url: zoho.url } });
  if (zov.statusCode !== 201) throw new Error(`endpoint override: ${zov.body}`);
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await emulator?.close();
  await zoho?.close();
  await schema?.pool.query(`DROP SCHEMA IF EXISTS "${targetSchema}" CASCADE`);
  await schema?.drop();
});

const login = (page: Page, email: string): Promise<void> => signIn(page, base, { tenant: 'acme-logistics', email, password: PASSWORD });

async function logout(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByTestId('login-email').waitFor();
}

async function waitStatus(page: Page, status: string): Promise<void> {
  await expect.poll(async () => page.getByTestId('status').textContent(), { timeout: 90_000, interval: 500 }).toBe(status);
}

async function pdfText(buf: Buffer): Promise<string> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await pdfjs.getDocument({ data: new Uint8Array(buf), standardFontDataUrl: new URL('../../node_modules/pdfjs-dist/standard_fonts/', import.meta.url).pathname }).promise;
  let text = '';
  for (let i = 1; i <= doc.numPages; i++) {
    const content = await (await doc.getPage(i)).getTextContent();
    text += content.items.map((it) => ('str' in it ? it.str : '')).join(' ') + '\n';
  }
  await doc.destroy();
  return text;
}

describe('web console', () => {
  it('given an engineer and a customer admin, then the wizard goes from source to run, the report downloads with the same counts, and rollback empties the target', async () => {
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 1000 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    try {
      // Engineer: source → connection test → discovery → mapping → preview → dry run.
      await login(page, 'engineer@acme.test');
      await page.getByTestId('new-migration').click();
      await page.getByTestId('mig-name').fill('HubSpot to Logic Nexus');
      await page.getByTestId('mig-source').selectOption('hubspot');
      await page.getByTestId('mig-baseurl').fill(emulator.url);
      await page.getByTestId('mig-tokenurl').fill(emulator.tokenUrl);
      await page.getByTestId('mig-franchise').fill(franchiseId);
      await page.getByTestId('cred-key-0').fill('accessToken');
      await page.getByTestId('cred-value-0').fill(emulator.credentials.accessToken!);
      await page.getByTestId('mig-create').click();
      await page.getByTestId('conn-test').click();
      await expect.poll(() => page.getByTestId('conn-result').textContent(), { timeout: 30_000 }).toContain('Connected');
      await page.getByTestId('discover').click();
      await page.getByTestId('discovery-table').getByText('companies').waitFor();
      await page.getByTestId('mapping-entity').selectOption('companies');
      await page.getByTestId('field-table').waitFor();
      await page.getByTestId('unmapped-policy').selectOption('metadata');
      await page.getByTestId('save-mapping').click();
      await expect.poll(() => page.getByTestId('mapping-status').textContent(), { timeout: 30_000 }).toBe('Mapping saved');
      await page.getByTestId('preview').click();
      await page.getByTestId('preview-table').waitFor({ timeout: 30_000 });
      await page.screenshot({ path: `${ART}1-wizard-mapping.png`, fullPage: true });
      await page.getByTestId('start-dry-run').click();
      await waitStatus(page, 'awaiting_approval');
      await page.getByTestId('report-summary').waitFor();
      expect(await page.getByTestId('report-summary').textContent()).toContain('dry-run completed');
      await page.screenshot({ path: `${ART}2-dry-run.png`, fullPage: true });
      const migrationId = /#\/migrations\/([0-9a-f-]{36})/.exec(page.url())![1]!;
      await logout(page);

      // Customer admin: approve the dry run.
      await login(page, 'customer@acme.test');
      await page.getByTestId('approvals').getByRole('link').click();
      await page.getByTestId('approve').click();
      await waitStatus(page, 'approved');
      await page.screenshot({ path: `${ART}3-approved.png`, fullPage: true });
      expect(await page.getByTestId('start').count()).toBe(0); // the customer admin cannot start it
      await logout(page);

      // Engineer: run, watch progress, download the report.
      await login(page, 'engineer@acme.test');
      await page.goto(`${base}/#/migrations/${migrationId}`);
      await page.getByTestId('start').click();
      await waitStatus(page, 'completed');
      await page.getByTestId('report-table').waitFor();
      await page.screenshot({ path: `${ART}4-completed.png`, fullPage: true });
      const json = await (await page.request.get(`${base}/api/v1/migrations/${migrationId}/report`)).json() as RunReport;
      expect(json.mode).toBe('run');
      expect(json.totals.created).toBeGreaterThan(0);
      const progressText = await page.getByTestId('progress-table').textContent();
      expect(progressText).toContain('companies');
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-pdf').click()]);
      const pdfPath = `${ART}report.pdf`;
      await download.saveAs(pdfPath);
      const pdf = await readFile(pdfPath);
      expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      const text = (await pdfText(pdf)).replace(/\s+/g, ' ');
      for (const e of json.entities.filter((x) => x.extracted > 0)) {
        expect(text).toContain(e.entity);
        expect(text).toContain(String(e.extracted));
      }
      expect(text).toContain(String(json.totals.extracted));
      expect(text).toContain(String(json.totals.created));
      const before = await schema.pool.query(`SELECT count(*)::int AS n FROM "${targetSchema}".accounts WHERE tenant_id = $1`, [tenantId]);
      expect(before.rows[0].n).toBeGreaterThan(0);

      // Roll back behind a confirmation.
      await page.getByTestId('rollback').click();
      await page.getByTestId('rollback-confirm').waitFor();
      await page.screenshot({ path: `${ART}5-rollback-confirm.png`, fullPage: true });
      await page.getByTestId('rollback-yes').click();
      await waitStatus(page, 'rolled_back');
      await page.screenshot({ path: `${ART}6-rolled-back.png`, fullPage: true });
      const after = await schema.pool.query(`SELECT count(*)::int AS n FROM "${targetSchema}".accounts WHERE tenant_id = $1`, [tenantId]);
      expect(after.rows[0].n).toBe(0);
      const actions = (await schema.pool.query<{ action: string; actor: string }>(`SELECT action, actor FROM "${schema.schema}".audit_log WHERE tenant_id = $1 ORDER BY id`, [tenantId])).rows;
      expect(actions).toEqual(expect.arrayContaining([
        { action: 'migration.approve', actor: 'user:customer@acme.test' },
        { action: 'migration.start', actor: 'user:engineer@acme.test' },
        { action: 'migration.rollback', actor: 'user:engineer@acme.test' },
      ]));
    } catch (err) {
      await page.screenshot({ path: `${ART}failure.png`, fullPage: true }).catch(() => undefined);
      throw err;
    } finally {
      await context.close();
    }
  });

  it('given Zoho CRM in the source list, then its credential form names clientId, clientSecret, refreshToken and dataCentre, and the filled form connects', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    try {
      await login(page, 'engineer@acme.test');
      await page.getByTestId('new-migration').click();
      await page.getByTestId('mig-name').fill('Zoho to Logic Nexus');
      await page.getByTestId('mig-source').selectOption('zoho');
      expect(await page.getByTestId('mig-source').locator('option', { hasText: 'Zoho CRM' }).count()).toBe(1);
      const keys = await Promise.all([0, 1, 2, 3].map((i) => page.getByTestId(`cred-key-${i}`).inputValue()));
      expect(keys).toEqual(['clientId', 'clientSecret', 'refreshToken', 'dataCentre']);
      for (const [i, k] of keys.entries()) await page.getByTestId(`cred-value-${i}`).fill(k === 'dataCentre' ? 'eu' : zoho.credentials[k]!);
      await page.getByTestId('mig-baseurl').fill(zoho.url);
      await page.getByTestId('mig-tokenurl').fill(zoho.tokenUrl);
      await page.getByTestId('mig-create').click();
      await page.getByTestId('conn-test').click();
      await expect.poll(() => page.getByTestId('conn-result').textContent(), { timeout: 30_000 }).toContain('Connected');
      await page.screenshot({ path: `${ART}zoho-source.png` });
    } finally {
      await context.close();
    }
  });
});
