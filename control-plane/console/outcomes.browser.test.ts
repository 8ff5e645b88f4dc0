/**
 * The console's outcome states and the failed-records round trip in a real browser (Chromium via
 * playwright-core) against a real control plane, engine and PostgreSQL with a CSV source: a fully
 * quarantined run is red with its reason on top (list and migration page) and its entity ✗, never
 * ✓; a run quarantining more than 1% is amber; its failed records download as CSV, are fixed,
 * re-imported from the page, and the follow-up's report links back to the original run.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { signIn } from './testing/login.ts';
import { silentLogger } from '../../shared/log/logger.ts';
import { createTestSchema, uniqueName, type TestSchema } from '../../test/support/pg.ts';
import { migrate } from '../db/migrate.ts';
import { createApiKey, createTenant, createUser } from '../api/auth/store.ts';
import { LocalKeyProvider } from '../api/credentials/key-provider.ts';
import { buildServer, type ControlPlaneServer } from '../api/server.ts';
import { ensureConsoleBuilt } from './build.ts';

const ART = new URL('../../test-artifacts/console-outcomes/', import.meta.url).pathname;
const PASSWORD = 'a long test password';
const MAPPING = [
  'version: 1', 'sourceSystem: csv', 'defaults:', '  tenant_id: ${TENANT_ID}', 'entities:', '  Customer:', '    target: accounts',
  '    fields:', '      name: { from: Name, required: true }',
].join('\n');

let schema: TestSchema;
let targetSchema: string;
let server: ControlPlaneServer;
let browser: Browser;
let base: string;
let key: string;
let csvRoot: string;

beforeAll(async () => {
  await mkdir(ART, { recursive: true });
  const dist = await ensureConsoleBuilt();
  schema = await createTestSchema('uio');
  targetSchema = uniqueName('uiot');
  await migrate(schema.pool, 'control', schema.schema);
  await migrate(schema.pool, 'target', targetSchema);
  const db = { pool: schema.pool, schema: schema.schema };
  const tenantId = await createTenant(db, 'Outcome Co');
  await schema.pool.query(`INSERT INTO "${targetSchema}".tenants (id, name, slug) VALUES ($1, 'Outcome Co', $2)`, [tenantId, targetSchema]);
  await createUser(db, { tenantId, email: 'engineer@outcome.test', password: PASSWORD, role: 'engineer' });
  key = (await createApiKey(db, { tenantId, name: 'setup', role: 'admin' })).key;
  csvRoot = mkdtempSync(path.join(tmpdir(), 'nexus-ui-csv-'));
  process.env.NEXUS_CSV_ROOT = csvRoot;
  server = await buildServer({ pool: schema.pool, controlSchema: schema.schema, targetSchema, keys: new LocalKeyProvider(Buffer.alloc(32, 9)), logger: silentLogger, consoleDir: dist });
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await schema?.pool.query(`DROP SCHEMA IF EXISTS "${targetSchema}" CASCADE`);
  await schema?.drop();
  if (csvRoot) rmSync(csvRoot, { recursive: true, force: true });
  delete process.env.NEXUS_CSV_ROOT;
});

const call = async (method: 'GET' | 'POST', url: string, payload?: object) =>
  server.app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${key}` }, payload });

async function settle(id: string, statuses: string[]): Promise<void> {
  await expect.poll(async () => statuses.includes((await call('GET', `/migrations/${id}`)).json().status), { timeout: 60_000, interval: 200 }).toBe(true);
  await server.idle();
}

/** A CSV migration dry-run, approved and run through the API (the browser test is about what the console shows). */
async function runCsv(name: string, rows: string[]): Promise<string> {
  const dir = mkdtempSync(path.join(csvRoot, 'drop-'));
  writeFileSync(path.join(dir, 'Customer.csv'), ['Id,Name,City', ...rows].join('\n') + '\n');
  const id = (await call('POST', '/migrations', { name, sourceSystem: 'csv', credentials: { folder: dir }, mappingYaml: MAPPING })).json().id as string;
  await call('POST', `/migrations/${id}/dry-run`);
  await settle(id, ['awaiting_approval']);
  await call('POST', `/migrations/${id}/approve`);
  await call('POST', `/migrations/${id}/start`);
  await settle(id, ['completed', 'failed']);
  return id;
}

const login = (page: Page): Promise<void> => signIn(page, base, { tenant: 'outcome-co', email: 'engineer@outcome.test', password: PASSWORD });

const rgb = async (page: Page, testId: string): Promise<string> => page.getByTestId(testId).first().evaluate((el) => getComputedStyle(el).color);

describe('console outcomes', () => {
  it('given a fully quarantined run and a run with 20% quarantined, then the console shows red and amber with the reason on top, and the failed records round-trip through a CSV', async () => {
    const dead = await runCsv('All quarantined', ['A1,,Rotterdam', 'A2,,Hamburg', 'A3,,Antwerp']);
    const some = await runCsv('Some quarantined', ['B1,Acme,Rotterdam', 'B2,,Hamburg', 'B3,Cargo Co,Antwerp', 'B4,Delta,Oslo', 'B5,Echo,Riga']);
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 1000 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    try {
      await login(page);
      // The list: each migration's outcome with its reason, red and amber.
      const deadRow = page.locator('tr', { has: page.getByRole('link', { name: 'All quarantined' }) });
      const someRow = page.locator('tr', { has: page.getByRole('link', { name: 'Some quarantined' }) });
      await expect.poll(() => deadRow.getByTestId('list-outcome').textContent()).toBe('failedentity Customer: 3 records, none loaded');
      expect(await deadRow.locator('[data-outcome]').getAttribute('class')).toBe('pill red');
      expect(await someRow.getByTestId('list-outcome').textContent()).toBe('completed with issuesentity Customer: 20.0% quarantined (max 1.0%)');
      expect(await someRow.locator('[data-outcome]').getAttribute('class')).toBe('pill amber');
      expect(await page.locator('tr', { hasText: 'All quarantined' }).textContent()).not.toMatch(/completed/);
      await page.screenshot({ path: `${ART}list.png`, fullPage: true });

      // The fully quarantined migration: red, reason on top, entity ✗, nothing says completed.
      await page.goto(`${base}/#/migrations/${dead}`);
      await page.getByTestId('outcome-banner').waitFor();
      expect(await page.getByTestId('outcome-banner').getAttribute('class')).toBe('banner red');
      expect(await page.getByTestId('outcome-reason').textContent()).toBe('entity Customer: 3 records, none loaded');
      const bannerBox = await page.getByTestId('outcome-banner').boundingBox();
      const titleBox = await page.getByRole('heading', { name: /All quarantined/ }).boundingBox();
      expect(bannerBox!.y).toBeLessThan(titleBox!.y); // on top
      expect(await rgb(page, 'outcome-banner')).toBe('rgb(153, 27, 27)');
      await page.getByTestId('state-Customer').waitFor();
      expect(await page.getByTestId('state-Customer').textContent()).toBe('✗');
      expect(await page.getByTestId('status').textContent()).toBe('failed');
      const mainText = (await page.locator('main').textContent())!;
      expect(mainText).not.toMatch(/completed/);
      await page.screenshot({ path: `${ART}failed.png`, fullPage: true });

      // The 20% migration: amber with the reason; the entity is "!" and amber.
      await page.goto(`${base}/#/migrations/${some}`);
      await page.getByRole('heading', { name: /Some quarantined/ }).waitFor();
      await expect.poll(() => page.getByTestId('report-outcome').getAttribute('data-outcome')).toBe('completed_with_issues');
      expect(await page.getByTestId('outcome-banner').getAttribute('class')).toBe('banner amber');
      expect(await page.getByTestId('outcome-reason').textContent()).toBe('entity Customer: 20.0% quarantined (max 1.0%)');
      expect(await rgb(page, 'outcome-banner')).toBe('rgb(146, 64, 14)');
      expect(await page.getByTestId('state-Customer').textContent()).toBe('!');
      await page.screenshot({ path: `${ART}issues.png`, fullPage: true });

      // Download the failed records, fix them, re-import from the page.
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('quarantine-csv-Customer').click()]);
      const got = path.join(ART, 'failed-records.csv');
      await download.saveAs(got);
      const cells = parse(await readFile(got, 'utf8')) as string[][];
      const nameAt = cells[0]!.indexOf('Name');
      expect(cells.map((r) => [r[0], r[2], r[nameAt]])).toEqual([['__sourceId', '__field', 'Name'], ['B2', 'Name', '']]);
      expect(cells[1]![1]).toMatch(/required Name is missing/);
      cells[1]![nameAt] = 'Bravo Fixed';
      const fixedPath = path.join(ART, 'fixed.csv');
      await writeFile(fixedPath, stringify(cells));
      await page.getByTestId('retry-file-Customer').setInputFiles(fixedPath);
      await page.getByTestId('retry-Customer').click();
      await settle(some, ['completed', 'failed']);
      await page.reload();
      await page.getByTestId('retry-links').waitFor();
      const original = ((await call('GET', `/migrations/${some}`)).json().runs as { id: string; retryOf: string | null; mode: string }[]).find((r) => r.mode === 'run' && !r.retryOf)!.id;
      expect(await page.getByTestId('retry-links').textContent()).toBe(`Follow-up of run ${original} (corrected Customer records)`);
      expect(await page.getByTestId('outcome-banner').getAttribute('class')).toBe('banner ok');
      expect(await page.getByTestId('state-Customer').textContent()).toBe('✓');
      await page.screenshot({ path: `${ART}follow-up.png`, fullPage: true });
      const loaded = await schema.pool.query(`SELECT name FROM "${targetSchema}".accounts WHERE source_id = 'B2'`);
      expect(loaded.rows).toEqual([{ name: 'Bravo Fixed' }]);
      const back = (await call('GET', `/migrations/${some}/report?runId=${original}`)).json();
      expect(back.retriedBy).toHaveLength(1);
      // Counts reconcile across the round trip: the follow-up read the one corrected record and loaded it; the target holds all five.
      const followUp = back.retriedBy[0].runId as string;
      const fr = (await call('GET', `/migrations/${some}/report?runId=${followUp}`)).json();
      expect(fr.entities.map((e: { entity: string; extracted: number; created: number; quarantined: number; reconciles: boolean }) => [e.entity, e.extracted, e.created, e.quarantined, e.reconciles]))
        .toEqual([['Customer', 1, 1, 0, true]]);
      const ids = await schema.pool.query(`SELECT source_id FROM "${targetSchema}".accounts WHERE source_id LIKE 'B%' ORDER BY 1`);
      expect(ids.rows.map((r) => r.source_id)).toEqual(['B1', 'B2', 'B3', 'B4', 'B5']);
    } finally {
      await context.close();
    }
  });
});
