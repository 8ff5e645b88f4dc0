/**
 * Agent ⇄ gateway over a real loopback WebSocket and a real PostgreSQL, in one process
 * (the multi-process kill/restart scenarios are in agent-e2e.test.ts).
 */
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { migrate } from '../../control-plane/db/migrate.ts';
import { createDataKey, generateIdentityKeyPair, generateTransportKeyPair, sealBatch, signChallenge, wrapDataKey } from '../../shared/crypto/index.ts';
import { decodeServerFrame, encodeFrame } from '../../shared/protocol/codec.ts';
import type { AgentMsg, ServerMsg } from '../../shared/protocol/messages.ts';
import { createTestSchema, type TestSchema } from '../../test/support/pg.ts';
import { Agent } from './agent.ts';
import { createAgentApi } from './ui-bridge.ts';
import { AgentInputError } from '../ui/agent-api.ts';
import { testSecretStore } from '../../test/support/keyring.ts';
import { pgTableSourceFactory } from './testing/pg-table-source.ts';
import type { SourceFactory } from './sources.ts';
import { createOrgTable, sourceChecksum, stagedChecksum, startControlPlane, TENANT, until, type TestControlPlane } from './testing/harness.ts';

const PASSWORD = 'Tr0ub4dor&3-nexus-agent-test-pw';
const ROWS = 2000;

let db: TestSchema;
let cp: TestControlPlane;
const transportKey = generateTransportKeyPair();
const frames: Buffer[] = [];
const dirs: string[] = [];

async function newAgent(delayMs = 0, wrap: (f: SourceFactory) => SourceFactory = (f) => f): Promise<Agent> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'nexus-agent-'));
  dirs.push(dataDir);
  const secrets = await testSecretStore();
  await secrets.set('connection:src', PASSWORD);
  const agent = new Agent({
    dataDir,
    secrets,
    config: { backoff: { baseMs: 10, maxMs: 100 }, heartbeatMs: 1000, spoolMaxBytes: 48 * 1024, batchSize: 100, name: 'test-agent' },
    sourceFactory: wrap(pgTableSourceFactory({ schema: db.schema, tables: ['org_header'], delayMs })),
  });
  agent.state.saveConnection('src', { type: 'postgres', host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres', passwordAccount: 'connection:src' });
  return agent;
}

async function waitCompleted(agent: Agent, jobId: string): Promise<void> {
  await until(() => agent.state.job(jobId)?.state === 'completed', `job ${jobId} completed`, 60_000);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** A hand-driven protocol client, for what a well-behaved agent never sends. */
async function rawClient(url: string): Promise<{ ws: WebSocket; next(): Promise<ServerMsg>; send(m: AgentMsg): void; nonce: string; closed: Promise<number> }> {
  const ws = new WebSocket(url);
  const queue: ServerMsg[] = [];
  const waiters: ((m: ServerMsg) => void)[] = [];
  ws.on('message', (d) => {
    const m = decodeServerFrame(d);
    const w = waiters.shift();
    if (w) w(m);
    else queue.push(m);
  });
  const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
  const next = (): Promise<ServerMsg> => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((r) => waiters.push(r)));
  await new Promise((r, j) => ws.once('open', r).once('error', j));
  const challenge = await next();
  if (challenge.t !== 'challenge') throw new Error('expected challenge');
  return { ws, next, send: (m) => ws.send(encodeFrame(m)), nonce: challenge.nonce, closed };
}

beforeAll(async () => {
  db = await createTestSchema('agentlink');
  await migrate(db.pool, 'control', db.schema);
  await createOrgTable(db.pool, db.schema, 'org_header', ROWS);
  cp = await startControlPlane({ pool: db.pool, controlSchema: db.schema, transportKey, credits: 4, heartbeatMs: 1000, onFrame: (e) => e.direction === 'in' && frames.push(e.data) });
});

afterAll(async () => {
  await cp?.close();
  await db?.drop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('agent link', () => {
  it('given an enrolled agent and a started job, then every source row is staged exactly once and the password is in no frame or file', async () => {
    const { token } = await cp.gateway.issueEnrollmentToken(TENANT);
    const agent = await newAgent();
    try {
      const { agentId } = await agent.enroll(cp.url, token);
      await cp.gateway.waitForAgent(agentId);
      const check = (await cp.gateway.call(agentId, 'test_connection', { connection: 'src' })) as { ok: boolean };
      expect(check.ok).toBe(true);
      const schema = (await cp.gateway.call(agentId, 'discover', { connection: 'src' })) as { streams: { entity: string }[] };
      expect(schema.streams.map((st) => st.entity)).toEqual(['org_header']);
      const preview = (await cp.gateway.call(agentId, 'preview', { connection: 'src', entity: 'org_header', limit: 3 })) as unknown[];
      expect(preview).toHaveLength(3);
      const { jobId } = (await cp.gateway.call(agentId, 'start_job', { connection: 'src', entities: ['org_header'] })) as { jobId: string };
      await waitCompleted(agent, jobId);
      const staged = await stagedChecksum(db.pool, db.schema, transportKey, jobId, 'org_header');
      const src = await sourceChecksum(db.pool, db.schema, 'org_header');
      expect(staged).toEqual({ rows: ROWS, distinct: ROWS, md5: src.md5 });
      const logs = (await cp.gateway.call(agentId, 'get_logs', { limit: 50 })) as { msg: string }[];
      expect(logs.some((l) => l.msg === 'job completed')).toBe(true);
      const { rows } = await db.pool.query(`SELECT state FROM "${db.schema}".agent_jobs WHERE id = $1`, [jobId]);
      expect(rows[0].state).toBe('completed');
      expect(agent.state.spoolCount()).toBe(0);
    } finally {
      await agent.stop();
    }
    const needle = Buffer.from(PASSWORD);
    expect(frames.length).toBeGreaterThan(10);
    expect(frames.filter((f) => f.includes(needle))).toHaveLength(0);
    const dataFiles = filesUnder(dirs.at(-1)!);
    expect(dataFiles.some((f) => f.endsWith('agent.db'))).toBe(true);
    expect(dataFiles.filter((f) => readFileSync(f).includes(needle))).toEqual([]);
  });

  it('given a job that failed mid-way (its source broke), then resume_job resumes it from its checkpoint and the staged result equals the source', async () => {
    const { token } = await cp.gateway.issueEnrollmentToken(TENANT);
    let breaks = 1;
    const breakOnce = (inner: SourceFactory): SourceFactory => async (settings, password) => {
      const s = await inner(settings, password);
      return {
        ...s,
        async *read(entity, o) {
          let n = 0;
          for await (const b of s.read(entity, o)) {
            if (breaks > 0 && ++n === 5) {
              breaks -= 1;
              throw new Error('source connection reset');
            }
            yield b;
          }
        },
      };
    };
    const agent = await newAgent(0, breakOnce);
    try {
      const { agentId } = await agent.enroll(cp.url, token);
      const { jobId } = await agent.startJob({ connection: 'src', entities: ['org_header'] });
      await until(() => agent.state.job(jobId)?.state === 'failed', 'job failed', 30_000);
      expect(agent.state.job(jobId)?.error).toContain('source connection reset');
      await until(async () => (await db.pool.query(`SELECT state FROM "${db.schema}".agent_jobs WHERE id = $1`, [jobId])).rows[0]?.state === 'failed', 'failure reported', 10_000);
      await cp.gateway.call(agentId, 'resume_job', { jobId });
      await waitCompleted(agent, jobId);
      const staged = await stagedChecksum(db.pool, db.schema, transportKey, jobId, 'org_header');
      expect(staged).toEqual({ rows: ROWS, distinct: ROWS, md5: (await sourceChecksum(db.pool, db.schema, 'org_header')).md5 });
    } finally {
      await agent.stop();
    }
  });

  it('given the connection is dropped ten times in a row mid-job, then the staged result still equals the source', async () => {
    const { token } = await cp.gateway.issueEnrollmentToken(TENANT);
    const agent = await newAgent(5);
    try {
      await agent.enroll(cp.url, token);
      const { jobId } = await agent.startJob({ connection: 'src', entities: ['org_header'], batchSize: 50 });
      let midJob = 0;
      for (let i = 0; i < 10; i++) {
        await until(() => agent.connected, 'reconnect', 10_000, 5);
        if (agent.state.job(jobId)?.state === 'running') midJob++;
        agent.dropConnection();
        await new Promise((r) => setTimeout(r, 15));
      }
      expect(midJob).toBe(10);
      await waitCompleted(agent, jobId);
      const staged = await stagedChecksum(db.pool, db.schema, transportKey, jobId, 'org_header');
      const src = await sourceChecksum(db.pool, db.schema, 'org_header');
      expect(staged).toEqual({ rows: ROWS, distinct: ROWS, md5: src.md5 });
    } finally {
      await agent.stop();
    }
  });

  it.each([
    ['used', async () => {
      const t = await cp.gateway.issueEnrollmentToken(TENANT);
      const a = await newAgent();
      await a.enroll(cp.url, t.token);
      await a.stop();
      return t.token;
    }],
    ['expired', async () => (await cp.gateway.issueEnrollmentToken(TENANT, { ttlMs: -1000 })).token],
    ['unknown', async () => 'nxe_this-token-was-never-issued-by-anyone'],
  ])('given a %s enrollment token, then enrollment is refused', async (_kind, makeToken) => {
    const token = await makeToken();
    const agent = await newAgent();
    try {
      await expect(agent.enroll(cp.url, token)).rejects.toThrow(/enrollment refused/);
      expect(agent.state.identity()).toBeNull();
    } finally {
      await agent.stop();
    }
  });

  it('given a connected agent is revoked, then it is disconnected at once and refused when it authenticates again', async () => {
    const { token } = await cp.gateway.issueEnrollmentToken(TENANT);
    const agent = await newAgent();
    const id = generateIdentityKeyPair();
    try {
      const { agentId } = await agent.enroll(cp.url, token);
      await cp.gateway.waitForAgent(agentId);
      expect(await cp.gateway.revokeAgent(agentId, 'engineer@logicnexus.test')).toBe(true);
      await until(() => !agent.connected, 'agent disconnected', 5000);
      expect(cp.gateway.connectedAgents()).not.toContain(agentId);
      // Even with a valid signature (we sign as the agent would), the revoked identity is refused.
      const c = await rawClient(cp.url);
      c.send({ t: 'auth', agentId, signature: signChallenge(id.privateKey, agentId, c.nonce), version: 'x' });
      const m = await c.next();
      expect(m).toMatchObject({ t: 'refused', code: 'revoked' });
      expect(await c.closed).toBe(4403);
      const { rows } = await db.pool.query(`SELECT action FROM "${db.schema}".audit_log WHERE target = $1 ORDER BY id`, [agentId]);
      expect(rows.map((r) => r.action)).toEqual(expect.arrayContaining(['agent.revoked', 'agent.refused_revoked']));
    } finally {
      await agent.stop();
    }
  });

  it('given a replayed batch, then it has no effect; given a tampered batch, then it is rejected and audited', async () => {
    const { token } = await cp.gateway.issueEnrollmentToken(TENANT);
    const id = generateIdentityKeyPair();
    const c = await rawClient(cp.url);
    c.send({ t: 'enroll', token, name: 'raw', publicKey: id.publicKey, signature: signChallenge(id.privateKey, 'enroll', c.nonce), version: 'x' });
    const welcome = await c.next();
    if (welcome.t !== 'welcome') throw new Error(`expected welcome, got ${welcome.t}`);
    const jobId = `raw-${Date.now()}`;
    const key = createDataKey();
    c.send({ t: 'job_open', jobId, connection: 'src', sourceSystem: 'postgres', entities: ['E'], wrappedKey: wrapDataKey(key, welcome.transportPublicKey, jobId) });
    const sealed = sealBatch({ v: 1, sourceSystem: 'postgres', entity: 'E', seq: 0, records: [{ sourceId: '1', op: 'upsert', fields: { a: 1 } }], checkpoint: {}, final: false }, key, jobId);
    const batch = { t: 'batch' as const, jobId, entity: 'E', seq: 0, final: false, records: 1, sealed };
    c.send(batch);
    expect(await c.next()).toMatchObject({ t: 'ack', seq: 0, duplicate: false });
    c.send(batch);
    expect(await c.next()).toMatchObject({ t: 'ack', seq: 0, duplicate: true });
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 2]! ^= 0xff;
    c.send({ ...batch, seq: 1, sealed: tampered });
    expect(await c.next()).toMatchObject({ t: 'nack', seq: 1 });
    c.send({ ...batch, seq: 1 }); // an authentic batch replayed under another seq
    expect(await c.next()).toMatchObject({ t: 'nack', seq: 1 });
    c.ws.close();
    const staged = await db.pool.query(`SELECT seq FROM "${db.schema}".agent_staged_batches WHERE job_id = $1`, [jobId]);
    expect(staged.rows).toEqual([{ seq: 0 }]);
    const audit = await db.pool.query(`SELECT action, target, details FROM "${db.schema}".audit_log WHERE action = 'agent.batch_rejected' AND target = $1`, [`${jobId}/E#1`]);
    expect(audit.rows).toHaveLength(2);
    expect(audit.rows[0].details.reason).toMatch(/authentication failed/);
  });

  it('given a job paused, resumed, re-tuned and then another cancelled remotely, then the agent obeys each command', async () => {
    const { token } = await cp.gateway.issueEnrollmentToken(TENANT);
    const agent = await newAgent(20);
    try {
      const { agentId } = await agent.enroll(cp.url, token);
      await cp.gateway.waitForAgent(agentId);
      const { jobId } = (await cp.gateway.call(agentId, 'start_job', { connection: 'src', entities: ['org_header'], batchSize: 100 })) as { jobId: string };
      await until(() => (agent.state.jobEntities(jobId)[0]?.nextSeq ?? 0) >= 2, 'two batches spooled', 10_000, 5);
      await cp.gateway.call(agentId, 'pause_job', { jobId });
      await new Promise((r) => setTimeout(r, 100));
      const pausedAt = agent.state.jobEntities(jobId)[0]!.nextSeq;
      await new Promise((r) => setTimeout(r, 300));
      expect(agent.state.jobEntities(jobId)[0]!.nextSeq).toBe(pausedAt);
      expect(agent.state.job(jobId)!.state).toBe('paused');
      await cp.gateway.call(agentId, 'update_job', { jobId, batchSize: 500 });
      expect(agent.state.job(jobId)!.settings.batchSize).toBe(500);
      await cp.gateway.call(agentId, 'resume_job', { jobId });
      await waitCompleted(agent, jobId);
      const staged = await stagedChecksum(db.pool, db.schema, transportKey, jobId, 'org_header');
      expect(staged.rows).toBe(ROWS);

      const second = (await cp.gateway.call(agentId, 'start_job', { connection: 'src', entities: ['org_header'], batchSize: 50 })) as { jobId: string };
      await cp.gateway.call(agentId, 'cancel_job', { jobId: second.jobId });
      expect(agent.state.job(second.jobId)!.state).toBe('cancelled');
      expect(agent.state.spoolCount(second.jobId)).toBe(0);
      await until(async () => (await db.pool.query(`SELECT state FROM "${db.schema}".agent_jobs WHERE id = $1`, [second.jobId])).rows[0]?.state === 'cancelled', 'control plane sees cancelled');
      await expect(cp.gateway.call(agentId, 'test_connection', { connection: 'nope' })).rejects.toThrow(/no source connection named "nope"/);
    } finally {
      await agent.stop();
    }
  });

  it('given the control plane is unreachable during a job, then reading stops at the spool bound and resumes when it returns', async () => {
    const cp2 = await startControlPlane({ pool: db.pool, controlSchema: db.schema, transportKey, credits: 4, heartbeatMs: 1000 });
    const port = cp2.port;
    const { token } = await cp2.gateway.issueEnrollmentToken(TENANT);
    const agent = await newAgent();
    let cp3: TestControlPlane | null = null;
    try {
      await agent.enroll(cp2.url, token);
      await cp2.close();
      await until(() => !agent.connected, 'agent sees the outage', 5000, 5);
      const { jobId } = await agent.startJob({ connection: 'src', entities: ['org_header'], batchSize: 50 });
      // ~50 rows per sealed batch is a few KB; the bound is 48 KB.
      await until(() => agent.spool.used >= agent.spool.limit, 'spool full', 10_000, 5);
      const extracted = agent.state.job(jobId)!.extracted;
      await new Promise((r) => setTimeout(r, 300));
      expect(agent.state.job(jobId)!.extracted).toBe(extracted);
      expect(extracted).toBeLessThan(ROWS);
      expect(agent.spool.used).toBeLessThan(agent.spool.limit + 16 * 1024);
      cp3 = await startControlPlane({ pool: db.pool, controlSchema: db.schema, transportKey, credits: 4, heartbeatMs: 1000, port });
      await waitCompleted(agent, jobId);
      const staged = await stagedChecksum(db.pool, db.schema, transportKey, jobId, 'org_header');
      const src = await sourceChecksum(db.pool, db.schema, 'org_header');
      expect(staged).toEqual({ rows: ROWS, distinct: ROWS, md5: src.md5 });
    } finally {
      await agent.stop();
      await cp3?.close();
    }
  });

  it('given an agent revoked by another control-plane process (database only), then this gateway disconnects it within a heartbeat', async () => {
    const { token } = await cp.gateway.issueEnrollmentToken(TENANT);
    const agent = await newAgent();
    try {
      const { agentId } = await agent.enroll(cp.url, token);
      await cp.gateway.waitForAgent(agentId);
      await db.pool.query(`UPDATE "${db.schema}".agents SET status = 'revoked', revoked_at = now() WHERE id = $1`, [agentId]);
      await until(() => !cp.gateway.connectedAgents().includes(agentId) && !agent.connected, 'revoked agent dropped', 5000);
    } finally {
      await agent.stop();
    }
  });

  it('given the local UI enrolls through the AgentApi, then a bad token is an input error and a good one yields a connected status', async () => {
    const agent = await newAgent();
    try {
      const api = createAgentApi(agent);
      expect(await api.status()).toMatchObject({ enrolled: false, connected: false, agentId: null });
      await expect(api.enroll(cp.url, 'nxe_not-a-real-token-at-all-000000')).rejects.toBeInstanceOf(AgentInputError);
      const { token } = await cp.gateway.issueEnrollmentToken(TENANT);
      const status = await api.enroll(cp.url.replace('ws://', 'http://').replace('/agent/ws', '/'), token);
      expect(status).toMatchObject({ enrolled: true, connected: true, controlPlaneUrl: cp.url });
      await api.saveSourceSettings({ type: 'postgres', host: 'db.local', port: 5432, database: 'cw', user: 'reader', passwordAccount: 'source:default' });
      expect(await api.sourceSettings()).toMatchObject({ host: 'db.local', passwordAccount: 'source:default' });
      expect(await api.spoolLevel()).toEqual({ bytes: 0, limit: 48 * 1024 });
      expect(await api.jobProgress()).toEqual([]);
    } finally {
      await agent.stop();
    }
  });

  it('given an HTTP proxy in the agent config, then the agent reaches the control plane through CONNECT', async () => {
    const tunnels: string[] = [];
    const proxy = http.createServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
      tunnels.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const upstream = net.connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
    const dataDir = mkdtempSync(path.join(tmpdir(), 'nexus-agent-'));
    dirs.push(dataDir);
    const agent = new Agent({ dataDir, secrets: await testSecretStore(), config: { proxy: proxyUrl, backoff: { baseMs: 10, maxMs: 100 } } });
    try {
      const { token } = await cp.gateway.issueEnrollmentToken(TENANT);
      const { agentId } = await agent.enroll(cp.url, token);
      await cp.gateway.waitForAgent(agentId);
      expect(tunnels).toEqual([`127.0.0.1:${cp.port}`]);
    } finally {
      await agent.stop();
      proxy.closeAllConnections();
      await new Promise<void>((r) => proxy.close(() => r()));
    }
  });
});
