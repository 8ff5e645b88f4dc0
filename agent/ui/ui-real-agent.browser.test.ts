/**
 * The agent's local UI in Chromium with nothing stood in: a control-plane process (gateway on a real
 * PostgreSQL control schema), the agent started as the product starts it (`nexus-migrate agent start`,
 * UI on, its own gnome-keyring session) and a real PostgreSQL source table. A person signs in through
 * the announced link, enrolls with a token the control plane issued, enters the source connection,
 * and watches the job the control plane starts reach the table's row count.
 * Screenshots land in test-artifacts/agent-ui-real/.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../control-plane/db/migrate.ts';
import { generateTransportKeyPair } from '../../shared/crypto/index.ts';
import { createTestSchema, TEST_DATABASE_URL, type TestSchema } from '../../test/support/pg.ts';
import { createOrgTable, stagedChecksum, TENANT } from '../core/testing/harness.ts';
import { forkChild, freePort, killHard, type Child } from '../core/testing/processes.ts';
import { assertKeyringTools, REPO_ROOT, startKeyringSession } from '../secrets/testing/keyring-session.ts';
import { SOURCE_PASSWORD_ACCOUNT } from './ui-server.ts';

const PASSWORD = 'Real-Agent-UI-pw#4f81Qz';
const ROWS = 1200;
const BATCH = 200;
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'agent-ui-real');
const transportKey = generateTransportKeyPair();

/** `node bin/nexus-migrate.mjs agent start`, reading its stdout ready lines. */
class AgentProcess {
  readonly ready: Promise<{ url: string; loginUrl: string }>;
  readonly agentReady: Promise<Record<string, unknown>>;
  readonly exited: Promise<number | null>;
  output = '';

  constructor(readonly proc: ChildProcessWithoutNullStreams) {
    proc.stderr.on('data', (c: Buffer) => (this.output += c.toString('utf8')));
    this.exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
    const early = this.exited.then((code) => {
      throw new Error(`agent start exited early (${code}): ${this.output.slice(-2000)}`);
    });
    early.catch(() => undefined);
    const lines = createInterface({ input: proc.stdout });
    let onUi: (v: { url: string; loginUrl: string }) => void = () => undefined;
    let onAgent: (v: Record<string, unknown>) => void = () => undefined;
    this.ready = Promise.race([new Promise<{ url: string; loginUrl: string }>((r) => (onUi = r)), early]);
    this.agentReady = Promise.race([new Promise<Record<string, unknown>>((r) => (onAgent = r)), early]);
    lines.on('line', (line) => {
      this.output += line + '\n';
      if (!line.startsWith('{')) return;
      const msg = JSON.parse(line) as Record<string, unknown>;
      if (msg.uiReady === true) onUi(msg as unknown as { url: string; loginUrl: string });
      if (msg.agentReady === true) onAgent(msg);
    });
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

async function textIs(page: Page, testid: string, expected: string, timeout = 20_000): Promise<void> {
  await page.waitForFunction(
    ([id, want]) => document.querySelector(`[data-testid="${id}"]`)?.textContent?.trim() === want,
    [testid, expected] as const,
    { timeout },
  );
}

async function textOf(page: Page, testid: string): Promise<string> {
  return ((await page.textContent(`[data-testid="${testid}"]`)) ?? '').trim();
}

describe('agent UI in Chromium over the real agent and control plane', () => {
  let root: string;
  let dataDir: string;
  let keyring: Awaited<ReturnType<typeof startKeyringSession>> | undefined;
  let db: TestSchema;
  let cp: Child;
  let agent: AgentProcess;
  let browser: Browser;

  /** sha256 of what the agent's keychain holds for an account, read in the agent's keyring session. */
  function keychainDigest(account: string): { accounts: string[]; sha256: string | null } {
    const script =
      "const k=require('keytar');const c=require('node:crypto');" +
      "Promise.all([k.findCredentials('nexus-migrate'),k.getPassword('nexus-migrate',process.argv[1])]).then(([all,p])=>" +
      "console.log(JSON.stringify({accounts:all.map(a=>a.account).sort(),sha256:p===null?null:c.createHash('sha256').update(p).digest('hex')})))";
    const r = spawnSync(process.execPath, ['-e', script, account], { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...keyring!.env }, encoding: 'utf8', timeout: 20_000 });
    if (r.status !== 0) throw new Error(`keychain probe failed (${r.status}): ${r.stderr}`);
    return JSON.parse(r.stdout) as { accounts: string[]; sha256: string | null };
  }

  beforeAll(async () => {
    assertKeyringTools();
    mkdirSync(ARTIFACTS, { recursive: true });
    root = mkdtempSync(join(tmpdir(), 'nexus-ui-real-'));
    dataDir = join(root, 'data');
    mkdirSync(dataDir, { recursive: true });
    // agent.json in the data dir is the product's own config file: small batches, fast reconnects.
    writeFileSync(join(dataDir, 'agent.json'), JSON.stringify({ batchSize: BATCH, heartbeatMs: 1000, backoff: { baseMs: 50, maxMs: 400 } }));
    keyring = await startKeyringSession(join(root, 'home'));
    db = await createTestSchema('uireal');
    await migrate(db.pool, 'control', db.schema);
    await createOrgTable(db.pool, db.schema, 'org_header', ROWS);
    cp = forkChild('control-plane/agent-gateway/testing/cp-child.ts', {
      DATABASE_URL: TEST_DATABASE_URL,
      CONTROL_SCHEMA: db.schema,
      CP_PORT: String(await freePort()),
      TRANSPORT_KEY: JSON.stringify(transportKey),
    });
    await cp.ready;
    agent = new AgentProcess(
      spawn(process.execPath, ['bin/nexus-migrate.mjs', 'agent', 'start'], {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...keyring.env, NEXUS_AGENT_DATA_DIR: dataDir, NEXUS_LOG_LEVEL: 'info' },
        stdio: ['pipe', 'pipe', 'pipe'],
      }),
    );
    await agent.ready;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    if (cp) await killHard(cp);
    await keyring?.stop();
    await db?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('given a real control plane and `agent start`, then a person enrolls, enters the source and sees the control plane\'s job reach the row count, with the password only in the keychain', async () => {
    const { url, loginUrl } = await agent.ready;
    expect(await agent.agentReady).toMatchObject({ agentReady: true, enrolled: false, headless: false });
    const cpPort = (await cp.ready).port as number;
    const { token } = (await cp.request({ cmd: 'token', tenantId: TENANT })) as { token: string };

    const context = await browser.newContext();
    const page = await context.newPage();
    const bodies: string[] = [];
    const reads: Promise<void>[] = [];
    page.on('response', (res) => void reads.push(res.text().then((t) => void bodies.push(t), () => undefined)));
    try {
      await page.goto(loginUrl);
      expect(page.url()).toBe(`${url}/`);
      await textIs(page, 'status-enrolled', 'no');
      await page.screenshot({ path: join(ARTIFACTS, '1-signed-in.png'), fullPage: true });

      await page.fill('#enroll-form input[name=controlPlaneUrl]', `http://127.0.0.1:${cpPort}`);
      await page.fill('#enroll-form input[name=token]', token);
      await page.click('#enroll-form button[type=submit]');
      await textIs(page, 'status-enrolled', 'yes');
      await textIs(page, 'status-connected', 'yes');
      const agentId = await textOf(page, 'status-agent-id');
      expect(agentId).toMatch(/\S{8,}/);
      await textIs(page, 'enroll-result', `Enrolled as ${agentId}`);
      expect(await textOf(page, 'status-control-plane')).toBe(`ws://127.0.0.1:${cpPort}/agent/ws`);
      await cp.request({ cmd: 'waitForAgent', agentId });

      await page.selectOption('#source-form select[name=type]', 'postgres');
      expect(await page.inputValue('#source-form input[name=port]')).toBe('5432');
      await page.fill('#source-form input[name=host]', '127.0.0.1');
      await page.fill('#source-form input[name=database]', 'test');
      await page.fill('#source-form input[name=schema]', db.schema);
      await page.fill('#source-form input[name=user]', 'postgres');
      await page.fill('#source-form input[name=password]', PASSWORD);
      await page.click('#source-form button[type=submit]');
      await textIs(page, 'source-result', 'Saved.');
      await textIs(page, 'password-state', 'Password stored in the OS keychain.');
      expect(await page.inputValue('#source-form input[name=password]')).toBe('');
      await page.screenshot({ path: join(ARTIFACTS, '2-enrolled-and-source-saved.png'), fullPage: true });

      const stored = keychainDigest(SOURCE_PASSWORD_ACCOUNT);
      expect(stored.sha256).toBe(createHash('sha256').update(PASSWORD).digest('hex'));
      expect(stored.accounts).toContain(SOURCE_PASSWORD_ACCOUNT);

      // The control plane starts a job on the connection the UI saved ("default").
      const started = (await cp.request({ cmd: 'call', agentId, method: 'start_job', params: { connection: 'default', entities: ['org_header'] } })) as { jobId: string; entities: string[] };
      expect(started.entities).toEqual(['org_header']);
      const row = `progress-${started.jobId}-org_header`;
      await page.locator(`[data-testid="${row}"]`).waitFor({ state: 'visible', timeout: 20_000 });
      await page.screenshot({ path: join(ARTIFACTS, '3-job-listed.png'), fullPage: true });
      await page.waitForFunction(
        ([id, want]) => [...(document.querySelector(`[data-testid="${id}"]`)?.querySelectorAll('td') ?? [])].map((td) => td.textContent).join('|') === want,
        [row, ['org_header', ROWS, ROWS, ROWS].join('|')] as const,
        { timeout: 45_000 },
      );
      await page.waitForFunction(
        ([id, want]) => document.querySelector(`[data-testid="${id}"] caption`)?.textContent === want,
        [`job-${started.jobId}`, `Job ${started.jobId}: done`] as const,
        { timeout: 20_000 },
      );
      await page.screenshot({ path: join(ARTIFACTS, '4-job-done.png'), fullPage: true });

      // What the page showed is what the control plane holds: every row staged once.
      const staged = await stagedChecksum(db.pool, db.schema, transportKey, started.jobId, 'org_header');
      expect({ rows: staged.rows, distinct: staged.distinct }).toEqual({ rows: ROWS, distinct: ROWS });

      // After a reload the form comes back from the agent's settings, schema included, password not.
      await page.reload();
      await textIs(page, 'password-state', 'Password stored in the OS keychain.');
      await page.waitForFunction(() => (document.querySelector('#source-form input[name=host]') as HTMLInputElement | null)?.value === '127.0.0.1');
      expect(await page.inputValue('#source-form input[name=schema]')).toBe(db.schema);
      expect(await page.inputValue('#source-form input[name=password]')).toBe('');

      await Promise.all(reads);
      expect(bodies.length).toBeGreaterThan(10);
      for (const b of bodies) expect(b).not.toContain(PASSWORD);
      expect(await page.content()).not.toContain(PASSWORD);
    } finally {
      await context.close();
    }

    await agent.stop();
    expect(agent.output).toContain('"uiReady":true');
    expect(agent.output).not.toContain(PASSWORD);
    const files = filesUnder(dataDir);
    expect(files.some((f) => f.endsWith('.db') || f.endsWith('.sqlite'))).toBe(true);
    for (const f of files) expect(readFileSync(f).includes(PASSWORD), f).toBe(false);
  }, 120_000);
});
