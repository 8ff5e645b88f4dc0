/**
 * Issue 11, defect 5 (agent gateway): unauthenticated connections are capped per address and in
 * total, idle handshakes time out, and each batch's claimed record count is checked against its
 * content. Real gateway on PostgreSQL, real WebSocket clients.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../db/migrate.ts';
import { createDataKey, generateIdentityKeyPair, generateTransportKeyPair, sealBatch, signChallenge, wrapDataKey } from '../../shared/crypto/index.ts';
import { decodeServerFrame, encodeFrame } from '../../shared/protocol/codec.ts';
import type { AgentMsg, ServerMsg } from '../../shared/protocol/messages.ts';
import { createTestSchema, type TestSchema } from '../../test/support/pg.ts';
import { startControlPlane, TENANT, type TestControlPlane } from '../../agent/core/testing/harness.ts';

let db: TestSchema;
const planes: TestControlPlane[] = [];
const sockets: WebSocket[] = [];

beforeAll(async () => {
  db = await createTestSchema('gwcaps');
  await migrate(db.pool, 'control', db.schema);
});
afterAll(async () => {
  for (const s of sockets) s.terminate();
  for (const p of planes) await p.close();
  await db?.drop();
});

async function plane(opts: { maxUnauthenticatedPerAddress?: number; maxUnauthenticated?: number; handshakeTimeoutMs?: number } = {}): Promise<TestControlPlane> {
  const cp = await startControlPlane({ pool: db.pool, controlSchema: db.schema, transportKey: generateTransportKeyPair(), credits: 4, heartbeatMs: 60_000, ...opts });
  planes.push(cp);
  return cp;
}

/** Open a WebSocket; resolves 'open' or the HTTP status it was refused with. */
function dial(url: string): Promise<{ ws: WebSocket; result: 'open' | number }> {
  const ws = new WebSocket(url);
  sockets.push(ws);
  ws.on('error', () => undefined);
  return new Promise((resolve) => {
    ws.once('open', () => resolve({ ws, result: 'open' }));
    ws.once('unexpected-response', (_req, res) => resolve({ ws, result: res.statusCode ?? 0 }));
  });
}

describe('agent gateway before authentication', () => {
  it('given 8 idle handshakes from one address, then the 9th is refused with 503, and one closing admits another', async () => {
    const cp = await plane();
    const open = await Promise.all(Array.from({ length: 8 }, () => dial(cp.url)));
    expect(open.map((o) => o.result)).toEqual(Array(8).fill('open'));
    expect((await dial(cp.url)).result).toBe(503);
    const closed = new Promise((r) => open[0]!.ws.once('close', r));
    open[0]!.ws.close();
    await closed;
    await new Promise((r) => setTimeout(r, 100));
    expect((await dial(cp.url)).result).toBe('open');
  });

  it('given the total cap, then handshakes beyond it are refused whatever their address', async () => {
    const cp = await plane({ maxUnauthenticated: 3, maxUnauthenticatedPerAddress: 100 });
    const results = [];
    for (let i = 0; i < 5; i++) results.push((await dial(cp.url)).result);
    expect(results).toEqual(['open', 'open', 'open', 503, 503]);
  });

  it('given a peer that never authenticates, then it is dropped at the handshake timeout', async () => {
    const cp = await plane({ handshakeTimeoutMs: 300 });
    const { ws } = await dial(cp.url);
    const started = Date.now();
    const code = await new Promise<number>((r) => ws.once('close', (c) => r(c)));
    expect(code).not.toBe(1006);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('agent gateway batches', () => {
  it('given a batch whose claimed record count or final flag differs from its content, then it is refused, not staged, and audited', async () => {
    const cp = await plane({ maxUnauthenticatedPerAddress: 2 });
    const ws = new WebSocket(cp.url);
    sockets.push(ws);
    const queue: ServerMsg[] = [];
    const waiters: ((m: ServerMsg) => void)[] = [];
    ws.on('message', (d) => {
      const m = decodeServerFrame(d as Buffer);
      const w = waiters.shift();
      if (w) w(m);
      else queue.push(m);
    });
    const next = (): Promise<ServerMsg> => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((r) => waiters.push(r)));
    const send = (m: AgentMsg): void => ws.send(encodeFrame(m));
    await new Promise((r, j) => ws.once('open', r).once('error', j));
    const challenge = await next();
    if (challenge.t !== 'challenge') throw new Error('expected challenge');
    const { token } = await cp.gateway.issueEnrollmentToken(TENANT);
    const id = generateIdentityKeyPair();
    send({ t: 'enroll', token, name: 'counts', publicKey: id.publicKey, signature: signChallenge(id.privateKey, 'enroll', challenge.nonce), version: 'x' });
    const welcome = await next();
    if (welcome.t !== 'welcome') throw new Error(`expected welcome, got ${welcome.t}`);
    // Authenticated peers no longer count against the pre-auth cap: two more handshakes still fit.
    expect((await dial(cp.url)).result).toBe('open');
    expect((await dial(cp.url)).result).toBe('open');

    const jobId = `counts-${Date.now()}`;
    const key = createDataKey();
    send({ t: 'job_open', jobId, connection: 'src', sourceSystem: 'postgres', entities: ['E'], wrappedKey: wrapDataKey(key, welcome.transportPublicKey, jobId) });
    const records = [1, 2, 3].map((n) => ({ sourceId: String(n), op: 'upsert' as const, fields: { a: n } }));
    const sealed0 = sealBatch({ v: 1, sourceSystem: 'postgres', entity: 'E', seq: 0, records, checkpoint: {}, final: false }, key, jobId);
    send({ t: 'batch', jobId, entity: 'E', seq: 0, final: false, records: 3000, sealed: sealed0 });
    expect(await next()).toMatchObject({ t: 'nack', seq: 0 });
    send({ t: 'batch', jobId, entity: 'E', seq: 0, final: true, records: 3, sealed: sealed0 });
    expect(await next()).toMatchObject({ t: 'nack', seq: 0 });
    send({ t: 'batch', jobId, entity: 'E', seq: 0, final: false, records: 3, sealed: sealed0 });
    expect(await next()).toMatchObject({ t: 'ack', seq: 0, duplicate: false });

    const staged = await db.pool.query('SELECT seq, record_count FROM agent_staged_batches WHERE job_id = $1', [jobId]);
    expect(staged.rows).toEqual([{ seq: 0, record_count: 3 }]);
    const audit = await db.pool.query(`SELECT details FROM audit_log WHERE action = 'agent.batch_rejected' AND target = $1 ORDER BY id`, [`${jobId}/E#0`]);
    expect(audit.rows.map((r) => r.details.reason)).toEqual([
      expect.stringContaining('claims 3000 record(s) but holds 3'),
      expect.stringContaining('claims 3 record(s), final but holds 3'),
    ]);
  });
});
