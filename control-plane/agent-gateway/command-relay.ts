/**
 * The gateway's half of the durable command queue: in the process that holds agents' sockets
 * (`serve`), take queued commands of the connected agents, send each down its agent's RPC, and
 * write the answer back. A command whose agent drops before answering goes back in the queue
 * (every queued command is safe to repeat: reads, and start/cancel of a named job). The relay
 * also keeps its connected agents' last_seen_at fresh, which is what "online" means to the queue.
 */
import type pg from 'pg';
import { silentLogger, type Logger } from '../../shared/log/logger.ts';
import { redact, redactText } from '../../shared/log/redact.ts';
import type { RpcMethod } from '../../shared/protocol/messages.ts';
import { AGENT_COMMANDS, type AgentCommandType } from './command-queue.ts';
import { CommandStore, type CommandRow } from './command-store.ts';
import { AgentNotConnectedError } from './errors.ts';

export interface RelayGateway {
  connectedAgents(): string[];
  call(agentId: string, method: RpcMethod, params?: Record<string, unknown>, timeoutMs?: number): Promise<unknown>;
}

export interface CommandRelayOptions {
  pool: pg.Pool;
  controlSchema: string;
  gateway: RelayGateway;
  /** How often the queue is looked at (default 200 ms). */
  pollMs?: number;
  /** How often connected agents are marked seen (default 2 s). */
  presenceMs?: number;
  logger?: Logger;
}

const RPC_TIMEOUT_MS: Partial<Record<AgentCommandType, number>> = { discover: 120_000, preview: 60_000, start_job: 60_000, cancel_job: 60_000, resume_job: 60_000 };

export interface CommandRelay {
  stop(): Promise<void>;
}

export function startCommandRelay(o: CommandRelayOptions): CommandRelay {
  const store = new CommandStore(o.pool, o.controlSchema);
  const log = o.logger ?? silentLogger;
  const inFlight = new Set<Promise<void>>();
  let stopped = false;

  const dispatch = async (c: CommandRow): Promise<void> => {
    const method = AGENT_COMMANDS[c.type as AgentCommandType] as RpcMethod | undefined;
    if (!method) return store.finish(c.id, false, null, `unknown agent command ${c.type}`);
    try {
      const result = await o.gateway.call(c.agent_id, method, c.args ?? {}, RPC_TIMEOUT_MS[c.type as AgentCommandType] ?? 30_000);
      await store.finish(c.id, true, redact(result), null);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof AgentNotConnectedError || /agent disconnected|gateway closed/.test(message)) {
        await store.requeue(c.id);
        return;
      }
      await store.finish(c.id, false, null, redactText(message.replace(/^agent \S+ \S+ failed: /, '')).slice(0, 4000));
    }
  };

  const tick = async (): Promise<void> => {
    const connected = o.gateway.connectedAgents();
    for (const c of await store.claim(connected, 16)) {
      const p = dispatch(c).catch((err: unknown) => log.warn('agent command relay failed', { commandId: c.id, err }));
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
  };

  let running = false;
  const loop = setInterval(() => {
    if (running || stopped) return;
    running = true;
    tick().catch((err: unknown) => log.warn('agent command queue poll failed', { err })).finally(() => (running = false));
  }, o.pollMs ?? 200);
  loop.unref();
  const touch = (): void => {
    if (!stopped) store.touchConnected(o.gateway.connectedAgents()).catch((err: unknown) => log.warn('agent presence update failed', { err }));
  };
  const presence = setInterval(touch, o.presenceMs ?? 2000);
  presence.unref();
  touch();

  return {
    async stop() {
      stopped = true;
      clearInterval(loop);
      clearInterval(presence);
      await Promise.allSettled([...inFlight]);
    },
  };
}
