/**
 * attachAgentGateway: the control-plane end of the agents' outbound WebSocket. Works on any
 * node http(s).Server (the Fastify API server's, or a bare one in tests). Agents connect to
 * `path`; nothing here ever dials an agent.
 */
import { PRE_AUTH_MAX_PAYLOAD } from './frame-limits.ts';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type pg from 'pg';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EncodedKeyPair } from '../../shared/crypto/index.ts';
import { silentLogger, type Logger } from '../../shared/log/logger.ts';
import { CloseCode, type RpcMethod } from '../../shared/protocol/messages.ts';
import { AgentNotConnectedError, AgentRpcError } from './errors.ts';
import { AgentSession } from './session.ts';
import { GatewayStore } from './store.ts';

export interface AgentGatewayDeps {
  pool: pg.Pool;
  controlSchema: string;
  /** The control plane's X25519 transport key pair (data keys are wrapped for it). */
  transportKey: EncodedKeyPair;
  path?: string;
  /** Batches an agent may have in flight (default 8). */
  credits?: number;
  /** Ping interval; a peer missing one pong is terminated (default 15 s). */
  heartbeatMs?: number;
  logger?: Logger;
  /** Unauthenticated connections allowed at once from one address (default 8) and in total (default 128); more get HTTP 503. */
  maxUnauthenticatedPerAddress?: number;
  maxUnauthenticated?: number;
  /** An unauthenticated peer is dropped after this long (default 10 s). */
  handshakeTimeoutMs?: number;
  /** Frame tap (tests capture what agents send). */
  onFrame?: (e: { direction: 'in' | 'out'; agentId: string | null; data: Buffer }) => void;
}

type StagedListener = (e: { jobId: string; entity: string; seq: number; final: boolean }) => void;

export interface AgentGateway {
  readonly store: GatewayStore;
  issueEnrollmentToken(tenantId: string, opts?: { ttlMs?: number; createdBy?: string }): Promise<{ token: string; expiresAt: Date }>;
  revokeAgent(agentId: string, actor: string): Promise<boolean>;
  call(agentId: string, method: RpcMethod, params?: Record<string, unknown>, timeoutMs?: number): Promise<unknown>;
  connectedAgents(): string[];
  /** Cut an agent's connection (it reconnects by itself); false when it was not connected. */
  disconnectAgent(agentId: string): boolean;
  /** Wait until an agent is connected and authenticated. */
  waitForAgent(agentId?: string, timeoutMs?: number): Promise<string>;
  onStaged(listener: StagedListener): () => void;
  close(): Promise<void>;
}

export function attachAgentGateway(server: Server, deps: AgentGatewayDeps): AgentGateway {
  const path = deps.path ?? '/agent/ws';
  const logger = deps.logger ?? silentLogger;
  const store = new GatewayStore(deps.pool, deps.controlSchema);
  const wss = new WebSocketServer({ noServer: true, maxPayload: PRE_AUTH_MAX_PAYLOAD });
  const sessions = new Map<string, AgentSession>();
  const stagedListeners = new Set<StagedListener>();
  const agentWaiters = new Set<(id: string) => void>();
  const pending = new Map<string, { agentId: string; resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  const alive = new WeakMap<WebSocket, boolean>();

  // Unauthenticated connections, per address and in total: counted from the upgrade until the peer
  // authenticates or the socket closes, so a flood of idle handshakes cannot exhaust the control plane.
  const maxPerAddress = deps.maxUnauthenticatedPerAddress ?? 8;
  const maxTotal = deps.maxUnauthenticated ?? 128;
  const preAuth = new Map<string, number>();
  let preAuthTotal = 0;
  const releasers = new WeakMap<object, () => void>();
  const admit = (socket: Duplex, addr: string): boolean => {
    if ((preAuth.get(addr) ?? 0) >= maxPerAddress || preAuthTotal >= maxTotal) return false;
    preAuth.set(addr, (preAuth.get(addr) ?? 0) + 1);
    preAuthTotal++;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      preAuthTotal--;
      const n = (preAuth.get(addr) ?? 1) - 1;
      if (n <= 0) preAuth.delete(addr);
      else preAuth.set(addr, n);
    };
    releasers.set(socket, release);
    socket.once('close', release);
    return true;
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== path) return; // another upgrade handler (the API's) may own it
    const addr = req.socket.remoteAddress ?? 'unknown';
    if (!admit(socket, addr)) {
      logger.warn('agent gateway: too many unauthenticated connections; refused', { ip: addr, total: preAuthTotal });
      socket.end('HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  server.on('upgrade', onUpgrade);

  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    alive.set(ws, true);
    ws.on('pong', () => alive.set(ws, true));
    const session = new AgentSession(ws, req.socket.remoteAddress ?? null, {
      store,
      transportKey: deps.transportKey,
      credits: deps.credits ?? 8,
      handshakeTimeoutMs: deps.handshakeTimeoutMs,
      logger,
      onFrame: deps.onFrame,
      onAuthenticated(s) {
        releasers.get(req.socket)?.();
        const previous = sessions.get(s.agentId!);
        if (previous && previous !== s) previous.close(CloseCode.replaced, 'replaced by a newer connection');
        sessions.set(s.agentId!, s);
        logger.info('agent connected', { agentId: s.agentId, ip: s.sourceIp });
        for (const w of agentWaiters) w(s.agentId!);
      },
      onClosed(s) {
        if (s.agentId && sessions.get(s.agentId) === s) sessions.delete(s.agentId);
        for (const [id, p] of pending) {
          if (p.agentId === s.agentId) {
            clearTimeout(p.timer);
            pending.delete(id);
            p.reject(new AgentRpcError(p.agentId, 'rpc', 'agent disconnected'));
          }
        }
      },
      onStaged(e) {
        for (const l of stagedListeners) l(e);
      },
      onRpcResult(s, id, ok, result, error) {
        const p = pending.get(id);
        if (!p || p.agentId !== s.agentId) return;
        clearTimeout(p.timer);
        pending.delete(id);
        if (ok) p.resolve(result);
        else p.reject(new AgentRpcError(p.agentId, 'rpc', error ?? 'unknown error'));
      },
    });
  });

  // Revocations made by another control-plane process reach this one here.
  const recheckRevoked = async (): Promise<void> => {
    for (const [agentId, s] of sessions) {
      if ((await store.agentStatus(agentId)) !== 'revoked') continue;
      s.send({ t: 'refused', code: 'revoked', message: 'agent has been revoked' });
      s.close(CloseCode.revoked, 'revoked');
      sessions.delete(agentId);
    }
  };
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
    recheckRevoked().catch((err: unknown) => logger.warn('revocation re-check failed', { err }));
  }, deps.heartbeatMs ?? 15_000);
  heartbeat.unref();

  return {
    store,
    issueEnrollmentToken: (tenantId, opts = {}) => store.createEnrollmentToken(tenantId, opts.ttlMs ?? 60 * 60 * 1000, opts.createdBy ?? 'system'),
    async revokeAgent(agentId, actor) {
      const changed = await store.revokeAgent(agentId, actor);
      const agent = await store.getAgent(agentId);
      await store.audit({ tenantId: agent?.tenant_id ?? null, actor, action: 'agent.revoked', target: agentId, sourceIp: null, details: { changed } });
      const s = sessions.get(agentId);
      if (s) {
        s.send({ t: 'refused', code: 'revoked', message: 'agent has been revoked' });
        s.close(CloseCode.revoked, 'revoked');
        sessions.delete(agentId);
      }
      return changed;
    },
    call(agentId, method, params = {}, timeoutMs = 30_000) {
      const s = sessions.get(agentId);
      if (!s) return Promise.reject(new AgentNotConnectedError(agentId));
      const id = randomUUID();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new AgentRpcError(agentId, method, `no answer within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          agentId,
          resolve,
          reject: (e) => reject(new AgentRpcError(agentId, method, e.message.replace(/^agent \S+ rpc failed: /, ''))),
          timer,
        });
        s.send({ t: 'rpc', id, method, params });
      });
    },
    connectedAgents: () => [...sessions.keys()],
    disconnectAgent(agentId) {
      const s = sessions.get(agentId);
      if (!s) return false;
      sessions.delete(agentId);
      s.terminate();
      return true;
    },
    waitForAgent(agentId, timeoutMs = 30_000) {
      const have = agentId ? (sessions.has(agentId) ? agentId : undefined) : [...sessions.keys()][0];
      if (have) return Promise.resolve(have);
      return new Promise((resolve, reject) => {
        const w = (id: string): void => {
          if (agentId && id !== agentId) return;
          clearTimeout(timer);
          agentWaiters.delete(w);
          resolve(id);
        };
        const timer = setTimeout(() => {
          agentWaiters.delete(w);
          reject(new AgentNotConnectedError(agentId ?? '(any)'));
        }, timeoutMs);
        agentWaiters.add(w);
      });
    },
    onStaged(listener) {
      stagedListeners.add(listener);
      return () => stagedListeners.delete(listener);
    },
    async close() {
      clearInterval(heartbeat);
      server.off('upgrade', onUpgrade);
      for (const p of pending.values()) {
        clearTimeout(p.timer);
        p.reject(new AgentRpcError(p.agentId, 'rpc', 'gateway closed'));
      }
      pending.clear();
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
