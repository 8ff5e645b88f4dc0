/**
 * Issue 9 acceptance: an agent-sourced migration driven from the web console, end to end through
 * real processes. `nexus-migrate serve` runs the control plane; the agent is `nexus-migrate agent
 * enroll` (with a token issued in the console), `agent connection add` (the password goes into the
 * real OS keychain; test/with-keyring.mjs provides one) and `agent start --headless`. Chromium
 * (playwright-core) drives the journey: token, agent online, its connections, a migration from an
 * agent connection, connection test, discovery, mapping template preview, dry run, approval, run
 * (started while the agent is stopped: the dashboard says whom it waits for, and the run goes on
 * once the agent is back), live agent progress, report, rollback. Against CargoWise samples in
 * PostgreSQL and in MariaDB. Screenshots go to test-artifacts/agent-journey/.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { signIn } from './testing/login.ts';
import { sampleFixture, type SampleFixture } from '../../connectors/sql/sample/fixtures.ts';
import { uuidv5 } from '../../shared/ids.ts';
import { createTestSchema, TEST_DATABASE_URL, type TestSchema } from '../../test/support/pg.ts';
import { TEST_MYSQL_URL } from '../../test/support/mariadb.ts';
import { tableChecksums } from '../../test/support/engine.ts';
import { until } from '../../agent/core/testing/harness.ts';
import { REPO_ROOT } from '../../agent/core/testing/processes.ts';
import { createTenant, createUser } from '../api/auth/store.ts';
import type { RunReport } from '../report/types.ts';
import { ensureConsoleBuilt } from './build.ts';

const ART = path.join(REPO_ROOT, 'test-artifacts/agent-journey/');
const PASSWORD = 'a long test password';
const SOURCE_PASSWORD = `src-${randomBytes(6).toString('hex')}`;
const ROWS = 120;
const BIN = path.join(REPO_ROOT, 'bin/nexus-migrate.mjs');

interface Proc { proc: ChildProcessWithoutNullStreams; output(): string; closed: Promise<number | null>; stop(): Promise<void> }

function run(args: string[], env: Record<string, string>, stdin?: string): Proc {
  const proc = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env } as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (out += c.toString()));
  if (stdin !== undefined) proc.stdin.end(stdin);
  const closed = new Promise<number | null>((resolve) => proc.once('close', resolve));
  return {
    proc, output: () => out, closed,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await closed;
    },
  };
}

async function runToEnd(args: string[], env: Record<string, string>, stdin?: string): Promise<string> {
  const p = run(args, env, stdin);
  const code = await p.closed;
  if (code !== 0) throw new Error(`nexus-migrate ${args.slice(0, 3).join(' ')} exited ${code}: ${p.output().slice(-2000)}`);
  return p.output();
}

async function jsonLine(p: Proc, key: string, timeoutMs = 60_000): Promise<Record<string, unknown>> {
  return Promise.race([
    until(() => p.output().split('\n').filter((l) => l.startsWith('{')).map((l) => { try { return JSON.parse(l) as Record<string, unknown>; } catch { return null; } }).find((j) => j && key in j) ?? undefined, `"${key}" line`, timeoutMs),
    p.closed.then((code) => Promise.reject(new Error(`process exited with ${code}: ${p.output().slice(-2000)}`))),
  ]);
}

let ctl: TestSchema;
let tgt: TestSchema;
let serve: Proc;
let base: string;
let wsUrl: string;
let browser: Browser;
let page: Page;
let tenantId: string;
let franchiseId: string;
let agentDir: string;
let agent: Proc | null = null;
let agentId: string;
let pgSrc: SampleFixture;
let myUser: string;
let mySrc: SampleFixture;
const agentName = `warehouse-${randomBytes(3).toString('hex')}`;
const serveEnv = (): Record<string, string> => ({
  DATABASE_URL: TEST_DATABASE_URL, NEXUS_DATA_DIR: path.join(agentDir, '..', 'cp-data'), NEXUS_CONTROL_SCHEMA: ctl.schema, NEXUS_TARGET_SCHEMA: tgt.schema,
  NEXUS_MASTER_KEY: randomBytes(32).toString('base64'),
});
const agentEnv = (): Record<string, string> => ({ NEXUS_AGENT_DATA_DIR: agentDir });

function startAgent(): Proc {
  agent = run(['agent', 'start', '--headless'], agentEnv());
  return agent;
}

beforeAll(async () => {
  await mkdir(ART, { recursive: true });
  await ensureConsoleBuilt();
  agentDir = path.join(mkdtempSync(path.join(tmpdir(), 'nexus-journey-')), 'agent');
  ctl = await createTestSchema('jctl');
  tgt = await createTestSchema('jtgt');
  serve = run(['serve', '--port', '0'], serveEnv());
  const ready = await jsonLine(serve, 'ready', 90_000);
  base = String(ready.url);
  wsUrl = String(ready.agentGateway);
  const db = { pool: ctl.pool, schema: ctl.schema };
  tenantId = await createTenant(db, 'Acme Logistics');
  franchiseId = uuidv5(`franchise:${tenantId}`);
  await ctl.pool.query(`INSERT INTO "${tgt.schema}".tenants (id, name, slug) VALUES ($1, 'Acme Logistics', $2)`, [tenantId, `acme-${tgt.schema}`]);
  await ctl.pool.query(`INSERT INTO "${tgt.schema}".franchises (id, tenant_id, name) VALUES ($1, $2, 'HQ')`, [franchiseId, tenantId]);
  await createUser(db, { tenantId, email: 'engineer@acme.test', password: PASSWORD, role: 'engineer' });
  await createUser(db, { tenantId, email: 'customer@acme.test', password: PASSWORD, role: 'customer-admin' });
  pgSrc = await sampleFixture('postgres', 'cargowise', ROWS, 3);
  mySrc = await sampleFixture('mysql', 'cargowise', ROWS, 4);
  // A MariaDB login that can only read the sample, with a real password (kept in the agent's keychain).
  myUser = `journey_${randomBytes(4).toString('hex')}`;
  const admin = await mysql.createConnection(TEST_MYSQL_URL);
  try {
    await admin.query(`CREATE USER ?@'127.0.0.1' IDENTIFIED BY ?`, [myUser, SOURCE_PASSWORD]);
    await admin.query(`GRANT SELECT ON \`${new URL(mySrc.connection.url!).pathname.slice(1)}\`.* TO ?@'127.0.0.1'`, [myUser]);
  } finally {
    await admin.end();
  }
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  page = await (await browser.newContext({ viewport: { width: 1280, height: 1100 } })).newPage();
  page.setDefaultTimeout(30_000);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await agent?.stop();
  await serve?.stop();
  const admin = await mysql.createConnection(TEST_MYSQL_URL).catch(() => null);
  await admin?.query(`DROP USER IF EXISTS ?@'127.0.0.1'`, [myUser]).catch(() => undefined);
  await admin?.end();
  await pgSrc?.drop();
  await mySrc?.drop();
  await ctl?.drop();
  await tgt?.drop();
  if (agentDir) await rm(path.dirname(agentDir), { recursive: true, force: true });
});

async function login(email: string): Promise<void> {
  await page.context().clearCookies();
  await page.goto(`${base}/#/migrations`);
  await page.reload();
  await signIn(page, base, { tenant: 'acme-logistics', email, password: PASSWORD });
}

async function logout(): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByTestId('login-email').waitFor();
}

async function waitStatus(status: string, timeout = 120_000): Promise<void> {
  await expect.poll(async () => page.getByTestId('status').textContent(), { timeout, interval: 500 }).toBe(status);
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: `${ART}${name}.png`, fullPage: true });
}

function explain(err: unknown): never {
  if (err instanceof Error) err.message += `\n--- serve ---\n${serve.output().slice(-2500)}\n--- agent ---\n${agent?.output().slice(-2500) ?? ''}`;
  throw err;
}

describe('agent-sourced migration from the console', () => {
  it('given a token issued in the console, when the agent enrolls and its connections are added, then the console shows it online with both connections', async () => {
    try {
      await login('engineer@acme.test');
      await page.goto(`${base}/#/agents`);
      await page.getByTestId('issue-token').click();
      const token = (await page.getByTestId('enrollment-token').textContent())!.trim();
      expect(token).toMatch(/^nxe_/);
      const enrolled = await runToEnd(['agent', 'enroll', '--url', wsUrl, '--token', token, '--name', agentName], agentEnv());
      expect(enrolled).not.toContain(token);
      agentId = String((JSON.parse(enrolled.split('\n').find((l) => l.startsWith('{"enrolled"'))!) as { agentId: string }).agentId);
      await runToEnd(['agent', 'connection', 'add', '--name', 'cw-postgres', '--type', 'postgres', '--host', '127.0.0.1', '--port', '5432', '--database', 'test',
        '--user', 'postgres', '--schema', pgSrc.connection.schema!, '--platform', 'cargowise'], agentEnv(), SOURCE_PASSWORD);
      const u = new URL(mySrc.connection.url!);
      await runToEnd(['agent', 'connection', 'add', '--name', 'cw-mariadb', '--type', 'mysql', '--host', u.hostname, '--port', u.port || '3306', '--database', u.pathname.slice(1),
        '--user', myUser, '--platform', 'cargowise'], agentEnv(), SOURCE_PASSWORD);
      await jsonLine(startAgent(), 'agentReady');
      await page.reload();
      const row = page.locator(`[data-testid="agent-row"][data-agent-id="${agentId}"]`);
      await expect.poll(async () => { await page.reload(); return row.getByTestId('agent-status').textContent(); }, { timeout: 30_000, interval: 1000 }).toBe('online');
      await row.getByTestId('agent-connections').click();
      const table = page.getByTestId('connections-table');
      await table.getByText('cw-postgres').waitFor();
      await table.getByText('cw-mariadb').waitFor();
      expect(await table.textContent()).not.toContain(SOURCE_PASSWORD);
      await shot('1-agent-online');
      await logout();
    } catch (err) {
      await shot('failure-enroll').catch(() => undefined);
      explain(err);
    }
  }, 180_000);

  describe.each([
    ['PostgreSQL', 'cw-postgres', true],
    ['MariaDB', 'cw-mariadb', false],
  ] as const)('given a CargoWise sample in %s behind the agent', (label, connection, stopAgentBeforeRun) => {
    it('then the console goes from the agent connection to a run whose counts reconcile, and rollback restores the target', async () => {
      try {
        const before = await tableChecksums(ctl.pool, tgt.schema);
        await login('engineer@acme.test');
        await page.goto(`${base}/#/agents`);
        await page.locator(`[data-testid="agent-row"][data-agent-id="${agentId}"]`).getByTestId('agent-connections').click();
        await page.getByTestId(`migrate-from-${connection}`).click();
        await page.getByTestId('mig-name').fill(`CargoWise (${label}) via ${agentName}`);
        await page.getByTestId('mig-source').selectOption('cargowise');
        expect(await page.getByTestId('mig-where').inputValue()).toBe('agent');
        await expect.poll(() => page.getByTestId('mig-agent-connection').inputValue()).toBe(connection);
        await page.getByTestId('mig-franchise').fill(franchiseId);
        await page.getByTestId('mig-create').click();
        await page.getByTestId('conn-test').click();
        await expect.poll(() => page.getByTestId('conn-result').textContent(), { timeout: 30_000 }).toMatch(new RegExp(`^Connected: via agent ${agentName}, connection ${connection}`));
        await page.getByTestId('discover').click();
        await page.getByTestId('discovery-table').getByText('Shipment', { exact: false }).first().waitFor();
        await page.getByTestId('field-table').waitFor(); // the CargoWise mapping template, ready to edit
        await page.getByTestId('preview').click();
        await page.getByTestId('preview-table').waitFor({ timeout: 60_000 });
        await shot(`2-${connection}-wizard`);
        await page.getByTestId('start-dry-run').click();
        await waitStatus('awaiting_approval');
        expect(await page.getByTestId('report-summary').textContent()).toContain('dry-run completed');
        const migrationId = /#\/migrations\/([0-9a-f-]{36})/.exec(page.url())![1]!;
        await logout();

        await login('customer@acme.test');
        await page.goto(`${base}/#/migrations/${migrationId}`);
        await page.getByTestId('approve').click();
        await waitStatus('approved');
        await logout();

        await login('engineer@acme.test');
        await page.goto(`${base}/#/migrations/${migrationId}`);
        if (stopAgentBeforeRun) {
          await agent!.stop();
          // The relay stops refreshing last_seen_at; after 10 s the agent is offline to every process.
          await page.getByTestId('agent-online').filter({ hasText: 'offline' }).waitFor({ timeout: 30_000 });
        }
        await page.getByTestId('start').click();
        if (stopAgentBeforeRun) {
          const waiting = page.getByTestId('agent-waiting');
          await waiting.waitFor({ timeout: 30_000 });
          expect(await waiting.textContent()).toMatch(new RegExp(`^waiting for agent ${agentName} \\(last seen \\d{4}-\\d\\d-\\d\\dT`));
          await shot(`3-${connection}-waiting-for-agent`);
          expect(await page.getByTestId('status').textContent()).toBe('running');
          await jsonLine(startAgent(), 'agentReady');
        }
        await waitStatus('completed', 180_000);
        await page.getByTestId('report-table').waitFor();
        await expect.poll(async () => (await page.getByTestId('agent-online').textContent()), { timeout: 15_000 }).toBe('online');
        expect(await page.getByTestId('agent-waiting').count()).toBe(0);
        await shot(`4-${connection}-completed`);
        const report = await (await page.request.get(`${base}/api/v1/migrations/${migrationId}/report`)).json() as RunReport;
        const progress = await (await page.request.get(`${base}/api/v1/migrations/${migrationId}/agent-progress`)).json() as { entities: { entity: string; acked: number; extracted: number; state: string }[] };
        expect(report.mode).toBe('run');
        expect(report.status).toBe('completed');
        expect(report.totals.extracted).toBeGreaterThan(0);
        expect(report.totals.created).toBeGreaterThan(0);
        // Nothing lost: every staged record was read by the run, every read one loaded or quarantined.
        const t = report.totals;
        expect(t.created + t.updated + t.unchanged + t.quarantined + t.skipped).toBe(t.extracted);
        for (const e of report.entities.filter((x) => x.extracted > 0)) {
          const p = progress.entities.find((x) => x.entity === e.entity);
          expect(p, `agent job for ${e.entity}`).toBeDefined();
          expect(p!.state).toBe('completed');
          expect(p!.acked).toBe(e.extracted);
          expect(p!.extracted).toBe(e.extracted);
        }
        const agentTable = await page.getByTestId('agent-progress-table').textContent();
        expect(agentTable).toContain(report.entities.find((x) => x.extracted > 0)!.entity);
        expect(await tableChecksums(ctl.pool, tgt.schema)).not.toEqual(before);

        await page.getByTestId('rollback').click();
        await page.getByTestId('rollback-yes').click();
        await waitStatus('rolled_back');
        await shot(`5-${connection}-rolled-back`);
        expect(await tableChecksums(ctl.pool, tgt.schema)).toEqual(before);
        expect(serve.output()).not.toContain(SOURCE_PASSWORD);
        expect(agent!.output()).not.toContain(SOURCE_PASSWORD);
        await logout();
      } catch (err) {
        await shot(`failure-${connection}`).catch(() => undefined);
        explain(err);
      }
    }, 420_000);
  });
});
