/**
 * The shipped CLI end to end, with the real OS keychain (gnome-keyring in a private D-Bus
 * session) and the real SQL source connector: `agent connection add` (password on stdin),
 * `agent enroll`, `agent start --headless`, then a job driven from the control plane.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../control-plane/db/migrate.ts';
import { generateTransportKeyPair } from '../../shared/crypto/index.ts';
import { createTestSchema, type TestSchema } from '../../test/support/pg.ts';
import { assertKeyringTools, startKeyringSession } from '../secrets/testing/keyring-session.ts';
import { createOrgTable, startControlPlane, stagedChecksum, TENANT, until, type TestControlPlane } from './testing/harness.ts';
import { REPO_ROOT } from './testing/processes.ts';

const PASSWORD = 'Cli-Keychain-Only-Pa55!word-7731';
const ROWS = 1500;
const transportKey = generateTransportKeyPair();
let db: TestSchema;
let cp: TestControlPlane;
let keyring: Awaited<ReturnType<typeof startKeyringSession>>;
let work: string;
let dataDir: string;
const frames: Buffer[] = [];

function cli(args: string[], stdin = ''): { proc: ChildProcessWithoutNullStreams; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const proc = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/nexus-migrate.mjs'), ...args, '--data-dir', dataDir], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NEXUS_LOG_LEVEL: 'info', ...keyring.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  proc.stdin.end(stdin);
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => proc.once('close', (code) => resolve({ code, stdout, stderr })));
  return { proc, done };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

beforeAll(async () => {
  assertKeyringTools();
  work = mkdtempSync(path.join(tmpdir(), 'nexus-agent-cli-'));
  dataDir = path.join(work, 'agent-data');
  keyring = await startKeyringSession(path.join(work, 'home'));
  db = await createTestSchema('agentcli');
  await migrate(db.pool, 'control', db.schema);
  await createOrgTable(db.pool, db.schema, 'org_header', ROWS);
  cp = await startControlPlane({ pool: db.pool, controlSchema: db.schema, transportKey, credits: 4, heartbeatMs: 1000, onFrame: (e) => e.direction === 'in' && frames.push(e.data) });
});

afterAll(async () => {
  await cp?.close();
  await db?.drop();
  await keyring?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('nexus-migrate agent (CLI, real keychain, SQL source connector)', () => {
  it('given a connection saved with its password on stdin, an enrollment and a headless start, then a remote job stages every row and the password stays in the keychain', async () => {
    const add = await cli(['agent', 'connection', 'add', '--name', 'src', '--type', 'postgres', '--host', '127.0.0.1', '--port', '5432', '--database', 'test', '--user', 'postgres', '--schema', db.schema, '--platform', 'none'], PASSWORD + '\n').done;
    expect(add.code, add.stderr).toBe(0);
    const { token } = await cp.gateway.issueEnrollmentToken(TENANT);
    const enroll = await cli(['agent', 'enroll', '--url', cp.url, '--token', token]).done;
    expect(enroll.code, enroll.stderr).toBe(0);
    const { agentId } = JSON.parse(enroll.stdout.trim().split('\n').at(-1)!) as { agentId: string };

    const run = cli(['agent', 'start', '--headless']);
    try {
      await cp.gateway.waitForAgent(agentId, 30_000);
      const check = (await cp.gateway.call(agentId, 'test_connection', { connection: 'src' })) as { ok: boolean };
      expect(check.ok).toBe(true);
      const { jobId, entities } = (await cp.gateway.call(agentId, 'start_job', { connection: 'src' })) as { jobId: string; entities: string[] };
      expect(entities).toContain('org_header');
      await until(async () => (await db.pool.query(`SELECT state FROM "${db.schema}".agent_jobs WHERE id = $1`, [jobId])).rows[0]?.state === 'completed', 'job completed', 60_000, 100);
      const staged = await stagedChecksum(db.pool, db.schema, transportKey, jobId, 'org_header');
      expect(staged.rows).toBe(ROWS);
      expect(staged.distinct).toBe(ROWS);
    } finally {
      run.proc.kill('SIGTERM');
      const out = await run.done;
      expect(out.stdout).toContain('"agentReady":true');
    }
    const needle = Buffer.from(PASSWORD);
    expect(filesUnder(dataDir).filter((f) => readFileSync(f).includes(needle))).toEqual([]);
    expect(frames.length).toBeGreaterThan(5);
    expect(frames.filter((f) => f.includes(needle))).toHaveLength(0);
  });
});
