/**
 * Drives the real UI server (child process, real gnome-keyring secret store) with Debian's
 * Chromium: sign in through the one-time link, enroll, save credentials, watch job progress.
 * Screenshots land in test-artifacts/agent-ui/.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertKeyringTools, REPO_ROOT, spawnInKeyringSession } from '../secrets/testing/keyring-session.ts';
import type { JobProgress } from './agent-api.ts';
import { SOURCE_PASSWORD_ACCOUNT } from './ui-server.ts';

const ENROLL_TOKEN = 'enr_browser_test_5b1d';
const PASSWORD = 'Br0wser-Test-Passw0rd#';
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'agent-ui');

class UiChild {
  private readonly pending: ((v: Record<string, unknown>) => void)[] = [];
  readonly ready: Promise<{ url: string; loginUrl: string }>;
  stderr = '';

  constructor(readonly proc: ChildProcessWithoutNullStreams) {
    proc.stderr.on('data', (c: Buffer) => (this.stderr += c.toString('utf8')));
    const lines = createInterface({ input: proc.stdout });
    this.ready = new Promise((resolve, reject) => {
      proc.once('exit', (code) => reject(new Error(`UI child exited early (${code}): ${this.stderr.slice(0, 2000)}`)));
      lines.on('line', (line) => {
        if (!line.startsWith('{')) return;
        const msg = JSON.parse(line) as Record<string, unknown>;
        if (msg.uiReady === true) resolve(msg as unknown as { url: string; loginUrl: string });
        else if ('reply' in msg) this.pending.shift()?.(msg.reply as Record<string, unknown>);
      });
    });
  }

  send(cmd: Record<string, unknown>): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      this.pending.push(resolve);
      this.proc.stdin.write(JSON.stringify(cmd) + '\n');
    });
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.stdin.end();
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

async function textIs(page: Page, testid: string, expected: string): Promise<void> {
  await page.waitForFunction(
    ([id, want]) => document.querySelector(`[data-testid="${id}"]`)?.textContent?.trim() === want,
    [testid, expected] as const,
    { timeout: 15_000 },
  );
}

async function rowIs(page: Page, testid: string, cells: string[]): Promise<void> {
  await page.waitForFunction(
    ([id, want]) => {
      const row = document.querySelector(`[data-testid="${id}"]`);
      return row !== null && [...row.querySelectorAll('td')].map((td) => td.textContent).join('|') === want;
    },
    [testid, cells.join('|')] as const,
    { timeout: 15_000 },
  );
}

function job(extracted: number, sent: number, acked: number): JobProgress[] {
  return [
    {
      jobId: 'job-1',
      state: 'running',
      updatedAt: new Date().toISOString(),
      entities: [
        { entity: 'shipments', extracted, sent, acked },
        { entity: 'organizations', extracted: 40, sent: 40, acked: 40 },
      ],
    },
  ];
}

describe('agent UI in Chromium', () => {
  let root: string;
  let child: UiChild;
  let browser: Browser;

  beforeAll(async () => {
    assertKeyringTools();
    mkdirSync(ARTIFACTS, { recursive: true });
    root = mkdtempSync(join(tmpdir(), 'nexus-ui-browser-'));
    child = new UiChild(
      spawnInKeyringSession('agent/ui/testing/ui-server-child.ts', { home: join(root, 'home'), env: { ENROLL_TOKEN } }),
    );
    await child.ready;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await child?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('given the sign-in link, then a person enrolls, stores credentials and watches job progress without the password ever reaching the page', async () => {
    const { url, loginUrl } = await child.ready;
    const context = await browser.newContext();
    const page = await context.newPage();
    const bodies: string[] = [];
    const reads: Promise<void>[] = [];
    page.on('response', (res) => {
      reads.push(res.text().then((t) => void bodies.push(t), () => undefined));
    });
    try {
      // Without signing in, the page loads but the API refuses it.
      const anon = await browser.newPage();
      await anon.goto(url);
      await anon.locator('#signin-warning').waitFor({ state: 'visible' });
      await anon.close();

      await page.goto(loginUrl);
      expect(page.url()).toBe(`${url}/`);
      await textIs(page, 'status-enrolled', 'no');
      await page.screenshot({ path: join(ARTIFACTS, '1-signed-in.png'), fullPage: true });

      await page.fill('#enroll-form input[name=controlPlaneUrl]', 'https://cp.logicnexus.example');
      await page.fill('#enroll-form input[name=token]', ENROLL_TOKEN);
      await page.click('#enroll-form button[type=submit]');
      await textIs(page, 'status-enrolled', 'yes');
      await textIs(page, 'status-connected', 'yes');
      await textIs(page, 'status-agent-id', 'agt_7f3a9c');
      expect(await page.inputValue('#enroll-form input[name=token]')).toBe('');

      await page.selectOption('#source-form select[name=type]', 'sqlserver');
      await page.fill('#source-form input[name=host]', 'sql01.customer.local');
      await page.fill('#source-form input[name=port]', '1433');
      await page.fill('#source-form input[name=database]', 'CargoWise_Prod');
      await page.fill('#source-form input[name=user]', 'cw_reader');
      await page.fill('#source-form input[name=password]', PASSWORD);
      await page.click('#source-form button[type=submit]');
      await textIs(page, 'source-result', 'Saved.');
      await textIs(page, 'password-state', 'Password stored in the OS keychain.');
      expect(await page.inputValue('#source-form input[name=password]')).toBe('');
      const digest = await child.send({ cmd: 'secret-digest', account: SOURCE_PASSWORD_ACCOUNT });
      expect(digest.sha256).toBe(createHash('sha256').update(PASSWORD).digest('hex'));

      await child.send({ cmd: 'progress', jobs: job(1200, 800, 500) });
      await child.send({ cmd: 'spool', spool: { bytes: 512 * 1024 * 1024, limit: 2 * 1024 * 1024 * 1024 } });
      await rowIs(page, 'progress-job-1-shipments', ['shipments', '1200', '800', '500']);
      await textIs(page, 'spool-level', '512.0 MiB of 2.0 GiB');
      await page.screenshot({ path: join(ARTIFACTS, '2-job-running.png'), fullPage: true });

      await child.send({ cmd: 'progress', jobs: job(2000, 2000, 1999) });
      await rowIs(page, 'progress-job-1-shipments', ['shipments', '2000', '2000', '1999']);
      await rowIs(page, 'progress-job-1-organizations', ['organizations', '40', '40', '40']);

      await page.click('#export-bundle');
      await textIs(page, 'bundle-result', 'Wrote /var/lib/nexus-migrate/bundles/offline-1.nmb (47.1 KiB)');
      await page.screenshot({ path: join(ARTIFACTS, '3-bundle-exported.png'), fullPage: true });

      // After a reload the form is refilled from the server, still without the password.
      await page.reload();
      await textIs(page, 'password-state', 'Password stored in the OS keychain.');
      expect(await page.inputValue('#source-form input[name=host]')).toBe('sql01.customer.local');
      expect(await page.inputValue('#source-form input[name=password]')).toBe('');

      await Promise.all(reads);
      expect(bodies.length).toBeGreaterThan(10);
      for (const b of bodies) expect(b).not.toContain(PASSWORD);
      expect(await page.content()).not.toContain(PASSWORD);
      const calls = await child.send({ cmd: 'calls' });
      expect(JSON.stringify(calls)).not.toContain(PASSWORD);
      expect(JSON.stringify(calls)).toContain('CargoWise_Prod');
    } finally {
      await context.close();
    }
  });
});
