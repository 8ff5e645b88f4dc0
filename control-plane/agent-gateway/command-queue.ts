/**
 * The durable agent command queue, from the caller's side: any control-plane process enqueues a
 * command for an agent and awaits its result by polling the control DB. The process whose gateway
 * holds the agent's socket relays it (command-relay.ts). An agent counts as online while that
 * relay keeps its last_seen_at fresh.
 */
import type pg from 'pg';
import { CommandStore, type AgentPresence } from './command-store.ts';

/** Commands the queue carries, with the RPC method each becomes on the agent. */
export const AGENT_COMMANDS = {
  list_connections: 'list_connections',
  test_connection: 'test_connection',
  discover: 'discover',
  preview: 'preview',
  start_job: 'start_job',
  cancel_job: 'cancel_job',
  resume_job: 'resume_job',
  status: 'status',
} as const;
export type AgentCommandType = keyof typeof AGENT_COMMANDS;

/** An agent not seen for this long is offline (the relay refreshes connected agents every 2 s). */
export const OFFLINE_AFTER_S = 10;

function seen(p: AgentPresence): string {
  return p.last_seen_at ? `last seen ${p.last_seen_at.toISOString()}` : 'never seen';
}

export function describeAgent(p: AgentPresence): string {
  return `agent ${p.name} (${seen(p)})`;
}

export function isOnline(p: AgentPresence): boolean {
  return p.status === 'active' && p.seen_ago_s !== null && p.seen_ago_s < OFFLINE_AFTER_S;
}

export class AgentUnknownError extends Error {
  override readonly name = 'AgentUnknownError';
  constructor(readonly agentId: string) {
    super(`no agent ${agentId} is enrolled for this tenant`);
  }
}

export class AgentOfflineError extends Error {
  override readonly name = 'AgentOfflineError';
  constructor(readonly agent: AgentPresence) {
    super(agent.status === 'revoked' ? `agent ${agent.name} has been revoked` : `agent ${agent.name} is offline (${seen(agent)}); start it, or check its link to the control plane`);
  }
}

export class AgentCommandTimeoutError extends Error {
  override readonly name = 'AgentCommandTimeoutError';
  constructor(readonly agent: AgentPresence, readonly type: string, timeoutMs: number) {
    super(`agent ${agent.name} did not answer ${type} within ${Math.round(timeoutMs / 1000)} s (${seen(agent)})`);
  }
}

export class AgentCommandFailedError extends Error {
  override readonly name = 'AgentCommandFailedError';
  constructor(readonly agentName: string, readonly type: string, reason: string) {
    super(`agent ${agentName} ${type} failed: ${reason}`);
  }
}

export interface RequestOptions {
  /** How long to wait for the answer (default 30 s). */
  timeoutMs?: number;
  /**
   * Keep the command queued while the agent is offline and wait for it to come back (runs);
   * onWaiting is told, about every pollMs·10, whom it waits for. Default: fail at once.
   */
  waitWhileOffline?: boolean;
  onWaiting?: (message: string, agent: AgentPresence) => void;
  signal?: AbortSignal;
}

export interface AgentCommandQueueOptions {
  /** How often the result is looked for (default 150 ms). */
  pollMs?: number;
}

export class AgentCommandQueue {
  readonly store: CommandStore;
  private readonly pollMs: number;

  constructor(pool: pg.Pool, controlSchema: string, opts: AgentCommandQueueOptions = {}) {
    this.store = new CommandStore(pool, controlSchema);
    this.pollMs = opts.pollMs ?? 150;
  }

  /** The agent, checked to belong to the tenant. */
  async agent(tenantId: string, agentId: string): Promise<AgentPresence> {
    const p = await this.store.presence(agentId);
    if (!p || p.tenant_id !== tenantId) throw new AgentUnknownError(agentId);
    return p;
  }

  /** Enqueue a command, wait for the agent's answer, return its result (or throw a named error). */
  async request(tenantId: string, agentId: string, type: AgentCommandType, args: Record<string, unknown>, opts: RequestOptions = {}): Promise<unknown> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    let agent = await this.agent(tenantId, agentId);
    if (agent.status === 'revoked' || (!opts.waitWhileOffline && !isOnline(agent))) throw new AgentOfflineError(agent);
    const id = await this.store.insert({ tenantId, agentId, type, args, ttlMs: opts.waitWhileOffline ? 24 * 3600_000 : timeoutMs });
    // While a run waits for an offline agent, the answer's deadline moves with it.
    let deadline = Date.now() + timeoutMs;
    let polls = 0;
    for (;;) {
      if (opts.signal?.aborted) {
        await this.store.expireQueued(id);
        throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error(String(opts.signal.reason ?? 'aborted'));
      }
      const row = await this.store.get(id);
      if (row?.status === 'succeeded') return row.result;
      if (row?.status === 'failed') throw new AgentCommandFailedError(agent.name, type, row.error ?? 'unknown error');
      if (row?.status === 'expired') throw new AgentCommandTimeoutError(agent, type, timeoutMs);
      if (++polls % 10 === 0) {
        agent = (await this.store.presence(agentId)) ?? agent;
        if (agent.status === 'revoked') {
          await this.store.expireQueued(id);
          throw new AgentOfflineError(agent);
        }
        if (!isOnline(agent)) {
          if (!opts.waitWhileOffline) {
            if (await this.store.expireQueued(id)) throw new AgentOfflineError(agent);
          } else {
            deadline = Date.now() + timeoutMs;
            opts.onWaiting?.(`waiting for ${describeAgent(agent)}`, agent);
          }
        }
      }
      if (Date.now() > deadline) {
        await this.store.expireQueued(id);
        throw new AgentCommandTimeoutError((await this.store.presence(agentId)) ?? agent, type, timeoutMs);
      }
      await new Promise((r) => setTimeout(r, this.pollMs));
    }
  }
}
