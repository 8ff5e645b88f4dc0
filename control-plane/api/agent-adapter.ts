/**
 * Adapts the agent gateway (control-plane/agent-gateway, another engineer's) to the API's
 * AgentGatewayPort: tenant checks, the agent list from its `agents` table with online status from
 * the live sessions, and online/offline events by watching the connected set. It also runs the
 * relay of the durable agent command queue for the agents connected here.
 */
import type pg from 'pg';
import type { AgentGateway } from '../agent-gateway/gateway.ts';
import { startCommandRelay } from '../agent-gateway/command-relay.ts';
import { qualified } from '../db/sql/ident.ts';
import { RpcMethod } from '../../shared/protocol/messages.ts';
import { ApiError } from './http.ts';
import type { AgentGatewayPort, AgentInfo, AgentStatusEvent } from './ports.ts';

export function agentGatewayPort(gw: AgentGateway, pool: pg.Pool, controlSchema: string, pollMs = 3000): AgentGatewayPort & { stop(): Promise<void> } {
  const owned = async (tenantId: string, agentId: string): Promise<boolean> => {
    const a = await gw.store.getAgent(agentId);
    return !!a && a.tenant_id === tenantId;
  };
  const listeners = new Set<(e: AgentStatusEvent) => void>();
  let known = new Set<string>();
  const timer = setInterval(() => {
    const now = new Set(gw.connectedAgents());
    const changed = [...now].filter((id) => !known.has(id)).map((id) => ({ id, online: true }))
      .concat([...known].filter((id) => !now.has(id)).map((id) => ({ id, online: false })));
    known = now;
    for (const c of changed) {
      void gw.store.getAgent(c.id).then((a) => {
        if (a) for (const l of listeners) l({ tenantId: a.tenant_id, agentId: c.id, online: c.online });
      }, () => undefined);
    }
  }, pollMs);
  timer.unref();
  const relay = startCommandRelay({ pool, controlSchema, gateway: gw });

  return {
    async issueEnrollmentToken(tenantId, opts) {
      const t = await gw.issueEnrollmentToken(tenantId, { ttlMs: (opts.ttlMinutes ?? 60) * 60_000, createdBy: 'api' });
      return { token: t.token, expiresAt: t.expiresAt.toISOString() };
    },
    async listAgents(tenantId): Promise<AgentInfo[]> {
      const { rows } = await pool.query<{ id: string; name: string; status: string; version: string | null; last_seen_at: Date | null }>(
        `SELECT id, name, status, version, last_seen_at FROM ${qualified(controlSchema, 'agents')} WHERE tenant_id = $1 ORDER BY name`,
        [tenantId],
      );
      const online = new Set(gw.connectedAgents());
      return rows.map((r) => ({ id: r.id, name: r.name, online: online.has(r.id), version: r.version, lastSeenAt: r.last_seen_at?.toISOString() ?? null, revoked: r.status === 'revoked' }));
    },
    async revokeAgent(tenantId, agentId) {
      return (await owned(tenantId, agentId)) && gw.revokeAgent(agentId, 'api');
    },
    async sendCommand(tenantId, agentId, command) {
      if (!(await owned(tenantId, agentId))) throw new ApiError(404, 'not_found', 'agent not found');
      const method = RpcMethod.safeParse(command.type);
      if (!method.success) throw new ApiError(400, 'validation_failed', 'unknown agent command', { 'body.type': `one of ${RpcMethod.options.join(', ')}` });
      return gw.call(agentId, method.data, command.args ?? {});
    },
    onStatus(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async stop() {
      clearInterval(timer);
      listeners.clear();
      await relay.stop();
      await gw.close();
    },
  };
}
