import { testSecretStore } from '../../test/support/keyring.ts';
/**
 * End to end across OS processes on loopback: a control-plane process (gateway) and an agent
 * process reading a real PostgreSQL table. Kill -9 of the agent mid-job, kill -9 of the control
 * plane mid-job: the staged result equals the source, with no loss and no duplicates.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../control-plane/db/migrate.ts';
import { generateTransportKeyPair } from '../../shared/crypto/index.ts';
import { createTestSchema, TEST_DATABASE_URL, type TestSchema } from '../../test/support/pg.ts';
import { readFile } from 'node:fs/promises';
import { runMigration } from '../../control-plane/engine/run.ts';
import { openStagedSource } from '../../control-plane/agent-gateway/staged-source.ts';
import { accountsChecksum, createOrgTable, ORG_MAPPING_FILE, prepareTarget, sourceChecksum, stagedChecksum, TENANT, until } from './testing/harness.ts';
import { forkChild, freePort, killHard, processSockets, type Child } from './testing/processes.ts';

const PASSWORD = 'Zq7!e2e-agent-source-password-9xK';
const ROWS = 3000;
const transportKey = generateTransportKeyPair();

let db: TestSchema;
let port: number;
let cp: Child;
let agent: Child;
let agentId: string;
let work: string;
let dataDir: string;
let keychainService: string;
let mappingYaml: string;
const targets: TestSchema[] = [];
const loaded: { rows: number; md5: string }[] = [];

/**
 * Prepare a fresh target schema; the returned function runs the engine on a job's staged
 * batches into it, concurrently with the agent.
 */
async function prepareEngine(): Promise<(jobId: string) => Promise<{ rows: number; md5: string }>> {
  // Each run gets its own target and engine control schema, so the three runs are independent.
  const tgt = await createTestSchema('agenttgt');
  const ctl = await createTestSchema('agentctl');
  targets.push(tgt, ctl);
  await prepareTarget(tgt.pool, tgt.schema);
  await migrate(ctl.pool, 'control', ctl.schema);
  return async (jobId) => {
    const source = await openStagedSource({ pool: db.pool, controlSchema: db.schema, jobId, transportKey, pollMs: 50 });
    return runMigration({ pool: tgt.pool, source, mappingYaml, tenantId: TENANT, targetSchema: tgt.schema, controlSchema: ctl.schema, mode: 'run', runKey: jobId, batchSize: 500 })
      .then((report) => {
        expect(report.totals).toMatchObject({ extracted: ROWS, created: ROWS, quarantined: 0 });
        return accountsChecksum(tgt.pool, tgt.schema);
      });
  };
}

function startCp(): Child {
  return forkChild('control-plane/agent-gateway/testing/cp-child.ts', {
    DATABASE_URL: TEST_DATABASE_URL,
    CONTROL_SCHEMA: db.schema,
    CP_PORT: String(port),
    TRANSPORT_KEY: JSON.stringify(transportKey),
    CAPTURE_FRAMES: '1',
  });
}

function startAgent(enroll?: { token: string }): Child {
  return forkChild('agent/core/testing/agent-child.ts', {
    AGENT_DATA_DIR: dataDir,
    KEYCHAIN_SERVICE: keychainService,
    SOURCE_SCHEMA: db.schema,
    SOURCE_TABLES: 'org_header',
    SOURCE_DELAY_MS: '60',
    CONNECTION: JSON.stringify({ type: 'postgres', host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres', passwordAccount: 'connection:src' }),
    AGENT_CONFIG: JSON.stringify({ backoff: { baseMs: 50, maxMs: 400 }, heartbeatMs: 500, spoolMaxBytes: 64 * 1024, batchSize: 100 }),
    ...(enroll ? { ENROLL_URL: `ws://127.0.0.1:${port}/agent/ws`, ENROLL_TOKEN: enroll.token } : {}),
  });
}

async function stagedCount(jobId: string): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${db.schema}".agent_staged_batches WHERE job_id = $1`, [jobId]);
  return rows[0]!.n;
}

async function jobState(jobId: string): Promise<string | undefined> {
  const { rows } = await db.pool.query<{ state: string }>(`SELECT state FROM "${db.schema}".agent_jobs WHERE id = $1`, [jobId]);
  return rows[0]?.state;
}

async function startJob(): Promise<string> {
  await cp.request({ cmd: 'waitForAgent', agentId });
  const r = (await cp.request({ cmd: 'call', agentId, method: 'start_job', params: { connection: 'src', entities: ['org_header'] } })) as { jobId: string };
  return r.jobId;
}

async function expectStagedEqualsSource(jobId: string): Promise<void> {
  await until(async () => (await jobState(jobId)) === 'completed', `job ${jobId} completed`, 60_000, 100);
  const staged = await stagedChecksum(db.pool, db.schema, transportKey, jobId, 'org_header');
  const src = await sourceChecksum(db.pool, db.schema, 'org_header');
  expect(staged).toEqual({ rows: ROWS, distinct: ROWS, md5: src.md5 });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

beforeAll(async () => {
  db = await createTestSchema('agente2e');
  await migrate(db.pool, 'control', db.schema);
  await createOrgTable(db.pool, db.schema, 'org_header', ROWS);
  mappingYaml = await readFile(ORG_MAPPING_FILE, 'utf8');
  port = await freePort();
  work = mkdtempSync(path.join(tmpdir(), 'nexus-e2e-'));
  dataDir = path.join(work, 'agent-data');
  // The local UI's job: the source password goes into the real OS keychain, outside the data dir.
  const secrets = await testSecretStore();
  keychainService = secrets.service;
  await secrets.set('connection:src', PASSWORD);
  cp = startCp();
  await cp.ready;
  const { token } = (await cp.request({ cmd: 'token', tenantId: TENANT })) as { token: string };
  agent = startAgent({ token });
  agentId = (await agent.ready).agentId as string;
  await cp.request({ cmd: 'waitForAgent', agentId });
});

afterAll(async () => {
  for (const c of [agent, cp]) if (c) await killHard(c);
  for (const t of targets) await t.drop();
  await db?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('agent and control plane as separate processes', () => {
  it('given an uninterrupted job, then the staged rows equal the source, the engine loads every row, and the agent listens on no non-loopback socket', async () => {
    const runEngine = await prepareEngine();
    const jobId = await startJob();
    const engine = runEngine(jobId);
    const sockets = processSockets(agent.proc.pid!);
    expect(sockets.some((s) => s.state === 'ESTABLISHED')).toBe(true);
    expect(sockets.filter((s) => s.state === 'LISTEN' && !s.loopback)).toEqual([]);
    await expectStagedEqualsSource(jobId);
    const target = await engine;
    expect(target.rows).toBe(ROWS);
    loaded.push(target);
  });

  it('given the agent is killed with -9 mid-job and restarted, then the loaded target equals the uninterrupted run', async () => {
    const runEngine = await prepareEngine();
    const jobId = await startJob();
    const engine = runEngine(jobId);
    await until(async () => (await stagedCount(jobId)) >= 3, 'some batches staged', 30_000, 10);
    await killHard(agent);
    expect(await jobState(jobId)).not.toBe('completed');
    agent = startAgent();
    await agent.ready;
    await expectStagedEqualsSource(jobId);
    expect(await engine).toEqual(loaded[0]);
  });

  it('given the control plane is killed with -9 mid-job and restarted, then the agent spools, reconnects and the loaded target equals the uninterrupted run', async () => {
    const runEngine = await prepareEngine();
    const jobId = await startJob();
    const engine = runEngine(jobId);
    await until(async () => (await stagedCount(jobId)) >= 3, 'some batches staged', 30_000, 10);
    await killHard(cp);
    const before = await stagedCount(jobId);
    await new Promise((r) => setTimeout(r, 400));
    expect(await stagedCount(jobId)).toBe(before);
    cp = startCp();
    await cp.ready;
    await cp.request({ cmd: 'waitForAgent', agentId });
    await expectStagedEqualsSource(jobId);
    expect(await engine).toEqual(loaded[0]);
  });

  it('given the connection is dropped ten times in a row mid-job, then the loaded target equals the uninterrupted run', async () => {
    const runEngine = await prepareEngine();
    const jobId = await startJob();
    const engine = runEngine(jobId);
    let midJob = 0;
    for (let i = 0; i < 10; i++) {
      await cp.request({ cmd: 'waitForAgent', agentId });
      if ((await jobState(jobId)) !== 'completed') midJob++;
      expect(await cp.request({ cmd: 'drop', agentId })).toBe(true);
    }
    expect(midJob).toBe(10);
    await expectStagedEqualsSource(jobId);
    expect(await engine).toEqual(loaded[0]);
  });

  it('given all jobs ran, then the source password is in no file the agent wrote and in no frame it sent', async () => {
    const files = filesUnder(dataDir);
    expect(files.some((f) => f.endsWith('agent.db'))).toBe(true);
    expect(files.filter((f) => readFileSync(f).includes(Buffer.from(PASSWORD)))).toEqual([]);
    const frames = (await cp.request({ cmd: 'framesContain', needle: PASSWORD })) as { captured: number; hits: number };
    expect(frames.captured).toBeGreaterThan(10);
    expect(frames.hits).toBe(0);
  });
});
