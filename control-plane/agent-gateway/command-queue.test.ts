/** The durable agent command queue on real PostgreSQL: enqueue in one place, relay in another. */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestSchema, type TestSchema } from '../../test/support/pg.ts';
import { migrate } from '../db/migrate.ts';
import type { RpcMethod } from '../../shared/protocol/messages.ts';
import { AgentCommandFailedError, AgentCommandQueue, AgentCommandTimeoutError, AgentOfflineError, AgentUnknownError } from './command-queue.ts';
import { startCommandRelay, type CommandRelay, type RelayGateway } from './command-relay.ts';
import { AgentNotConnectedError } from './errors.ts';

let db: TestSchema;
let tenantId: string;
let agentId: string;
const relays: CommandRelay[] = [];

class FakeGateway implements RelayGateway {
  connected = new Set<string>();
  calls: { agentId: string; method: RpcMethod; params: Record<string, unknown> }[] = [];
  answer: (method: RpcMethod, params: Record<string, unknown>) => Promise<unknown> = async (m) => ({ answered: m });
  connectedAgents(): string[] {
    return [...this.connected];
  }
  async call(id: string, method: RpcMethod, params: Record<string, unknown> = {}): Promise<unknown> {
    this.calls.push({ agentId: id, method, params });
    if (!this.connected.has(id)) throw new AgentNotConnectedError(id);
    return this.answer(method, params);
  }
}

function relay(gateway: RelayGateway): CommandRelay {
  const r = startCommandRelay({ pool: db.pool, controlSchema: db.schema, gateway, pollMs: 50, presenceMs: 200 });
  relays.push(r);
  return r;
}

async function lastSeen(secondsAgo: number | null): Promise<void> {
  await db.pool.query(`UPDATE agents SET last_seen_at = ${secondsAgo === null ? 'NULL' : `now() - make_interval(secs => ${secondsAgo})`} WHERE id = $1`, [agentId]);
}

beforeEach(async () => {
  db = await createTestSchema('aq');
  await migrate(db.pool, 'control', db.schema);
  tenantId = randomUUID();
  agentId = randomUUID();
  await db.pool.query(`INSERT INTO agents (id, tenant_id, name, public_key, last_seen_at) VALUES ($1, $2, 'warehouse-agent', 'pk', now())`, [agentId, tenantId]);
});

afterEach(async () => {
  for (const r of relays.splice(0)) await r.stop();
  await db.drop();
});

describe('agent command queue', () => {
  it('given a connected agent, when another process enqueues a command, then the relay sends it over RPC and the caller gets the result', async () => {
    const gw = new FakeGateway();
    gw.connected.add(agentId);
    gw.answer = async (method, params) => [{ name: 'cargowise', method, params }];
    relay(gw);
    const queue = new AgentCommandQueue(db.pool, db.schema, { pollMs: 50 });
    const result = await queue.request(tenantId, agentId, 'list_connections', { x: 1 });
    expect(result).toEqual([{ name: 'cargowise', method: 'list_connections', params: { x: 1 } }]);
    const { rows } = await db.pool.query(`SELECT status, type, result, finished_at IS NOT NULL AS finished FROM agent_commands`);
    expect(rows).toEqual([{ status: 'succeeded', type: 'list_connections', result, finished: true }]);
  });

  it('given an agent last seen a minute ago, when an interactive command is requested, then it fails at once naming the agent and when it was last seen', async () => {
    await lastSeen(60);
    const queue = new AgentCommandQueue(db.pool, db.schema, { pollMs: 50 });
    const err = await queue.request(tenantId, agentId, 'discover', { connection: 'c' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentOfflineError);
    expect((err as Error).message).toMatch(/^agent warehouse-agent is offline \(last seen \d{4}-\d\d-\d\dT/);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM agent_commands')).rows[0].n).toBe(0);
  });

  it('given an online agent whose gateway never relays, when the timeout passes, then the caller gets a timeout naming the agent and the command is expired, never delivered later', async () => {
    const queue = new AgentCommandQueue(db.pool, db.schema, { pollMs: 50 });
    const t0 = Date.now();
    const err = await queue.request(tenantId, agentId, 'preview', { connection: 'c', entity: 'e' }, { timeoutMs: 400 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentCommandTimeoutError);
    expect((err as Error).message).toMatch(/agent warehouse-agent did not answer preview within 0 s \(last seen /);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect((await db.pool.query('SELECT status FROM agent_commands')).rows).toEqual([{ status: 'expired' }]);
    const gw = new FakeGateway();
    gw.connected.add(agentId);
    relay(gw);
    await new Promise((r) => setTimeout(r, 400));
    expect(gw.calls).toEqual([]);
  });

  it('given an offline agent and a run that waits for it, when the agent comes back, then the command is delivered and the run was told whom it waited for', async () => {
    await lastSeen(120);
    const queue = new AgentCommandQueue(db.pool, db.schema, { pollMs: 30 });
    const waiting: string[] = [];
    const pending = queue.request(tenantId, agentId, 'start_job', { connection: 'c', jobId: 'j1' }, { timeoutMs: 2000, waitWhileOffline: true, onWaiting: (m) => waiting.push(m) });
    await new Promise((r) => setTimeout(r, 2500)); // longer than the timeout: an offline agent does not time a run out
    expect(waiting[0]).toMatch(/^waiting for agent warehouse-agent \(last seen \d{4}-/);
    const gw = new FakeGateway();
    gw.connected.add(agentId);
    gw.answer = async () => ({ jobId: 'j1', entities: ['Shipments'] });
    relay(gw);
    await expect(pending).resolves.toEqual({ jobId: 'j1', entities: ['Shipments'] });
    expect(gw.calls.map((c) => c.method)).toEqual(['start_job']);
  });

  it('given an agent that drops before answering, then the command goes back in the queue and is delivered again once it reconnects', async () => {
    const gw = new FakeGateway();
    gw.connected.add(agentId);
    let first = true;
    gw.answer = async () => {
      if (first) {
        first = false;
        gw.connected.delete(agentId);
        throw new Error('agent x rpc failed: agent disconnected');
      }
      return { ok: true };
    };
    relay(gw);
    const queue = new AgentCommandQueue(db.pool, db.schema, { pollMs: 30 });
    const pending = queue.request(tenantId, agentId, 'cancel_job', { jobId: 'j1' }, { timeoutMs: 5000 });
    await expect.poll(() => gw.calls.length).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect((await db.pool.query('SELECT status FROM agent_commands')).rows).toEqual([{ status: 'queued' }]);
    gw.connected.add(agentId);
    await expect(pending).resolves.toEqual({ ok: true });
    expect(gw.calls.length).toBe(2);
  });

  it('given the agent answers with an error, then the caller gets it with the agent name and the command is failed', async () => {
    const gw = new FakeGateway();
    gw.connected.add(agentId);
    gw.answer = async () => {
      throw new Error(`agent ${agentId} discover failed: UnknownConnectionError: no source connection named "nope" on this agent`);
    };
    relay(gw);
    const queue = new AgentCommandQueue(db.pool, db.schema, { pollMs: 30 });
    const err = await queue.request(tenantId, agentId, 'discover', { connection: 'nope' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentCommandFailedError);
    expect((err as Error).message).toBe('agent warehouse-agent discover failed: UnknownConnectionError: no source connection named "nope" on this agent');
    expect((await db.pool.query('SELECT status, error FROM agent_commands')).rows[0].status).toBe('failed');
  });

  it('given an agent of another tenant, then a request for it is refused as unknown and nothing is queued', async () => {
    const queue = new AgentCommandQueue(db.pool, db.schema);
    await expect(queue.request(randomUUID(), agentId, 'status', {})).rejects.toBeInstanceOf(AgentUnknownError);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM agent_commands')).rows[0].n).toBe(0);
  });

  it('given connected agents, then the relay keeps their last_seen_at fresh so other processes see them online', async () => {
    await lastSeen(300);
    const gw = new FakeGateway();
    gw.connected.add(agentId);
    relay(gw);
    const queue = new AgentCommandQueue(db.pool, db.schema);
    await expect.poll(async () => (await queue.store.presence(agentId))!.seen_ago_s!, { timeout: 3000 }).toBeLessThan(5);
  });
});
