/**
 * Agent-sourced migrations: an agent's named connections (through the durable command queue, so
 * this works from any control-plane process) and the live agent side of a migration's progress.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod/v4';
import { agentSourceConfig } from '../../agent-gateway/agent-source.ts';
import { AgentCommandFailedError, AgentCommandQueue, AgentCommandTimeoutError, AgentOfflineError, AgentUnknownError, describeAgent, isOnline } from '../../agent-gateway/command-queue.ts';
import { principalOf } from '../auth/hook.ts';
import type { ApiContext } from '../context.ts';
import { withTenant } from '../db.ts';
import { ApiError } from '../http.ts';
import { IdParams } from '../schemas.ts';
import { loadMigration } from './migrations.ts';

const AgentParams = z.object({ agentId: z.string().min(1).max(100) });
const Connection = z.object({
  name: z.string(), type: z.string(), host: z.string(), port: z.number(), database: z.string(), user: z.string(),
  schema: z.string().nullable(), platform: z.string().nullable(), updatedAt: z.string().optional(),
});
const EntityProgress = z.object({
  entity: z.string(), jobId: z.string(), state: z.string(), extracted: z.number(), acked: z.number(), inTransit: z.number(), batches: z.number(), error: z.string().nullable(),
});
const AgentProgress = z.object({
  agent: z.object({ id: z.string(), name: z.string(), online: z.boolean(), lastSeenAt: z.string().nullable() }).nullable(),
  connection: z.string().nullable(),
  waiting: z.string().nullable(),
  entities: z.array(EntityProgress),
});

/** The queue's named errors as API errors that say which agent and when it was last seen. */
export function agentApiError(err: unknown): never {
  if (err instanceof AgentUnknownError) throw new ApiError(404, 'not_found', err.message);
  if (err instanceof AgentOfflineError) throw new ApiError(409, 'agent_offline', err.message);
  if (err instanceof AgentCommandTimeoutError) throw new ApiError(504, 'agent_timeout', err.message);
  if (err instanceof AgentCommandFailedError) throw new ApiError(422, 'agent_command_failed', err.message);
  throw err;
}

export function agentSourceRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const queue = new AgentCommandQueue(ctx.db.pool, ctx.db.schema);

  app.get('/api/v1/agents/:agentId/connections', {
    config: { permission: 'migration.write' },
    schema: { tags: ['agents'], params: AgentParams, response: { 200: z.object({ items: z.array(Connection) }) } },
  }, async (req) => {
    const p = principalOf(req);
    const { agentId } = req.params as { agentId: string };
    const items = await queue.request(p.tenantId, agentId, 'list_connections', {}).catch(agentApiError);
    return { items: items as z.output<typeof Connection>[] };
  });

  app.get('/api/v1/migrations/:id/agent-progress', {
    config: { permission: 'read' },
    schema: { tags: ['agents'], params: IdParams, response: { 200: AgentProgress } },
  }, async (req) => {
    const p = principalOf(req);
    const { id } = req.params as { id: string };
    const { m, active } = await withTenant(ctx.db, p.tenantId, async (c) => ({ m: await loadMigration(c, id), active: await ctx.runner.isActive(c, id) }));
    let via: ReturnType<typeof agentSourceConfig>;
    try {
      via = agentSourceConfig(m.config ?? {});
    } catch (err) {
      throw new ApiError(422, 'validation_failed', (err as Error).message);
    }
    if (!via) return { agent: null, connection: null, waiting: null, entities: [] };
    const agent = await queue.store.presence(via.agentId);
    if (!agent || agent.tenant_id !== p.tenantId) throw new ApiError(404, 'not_found', `no agent ${via.agentId} is enrolled for this tenant`);
    const online = isOnline(agent);
    const jobs = await queue.store.migrationJobs(p.tenantId, id);
    const entities = jobs.map((j) => {
      const extracted = Number(j.extracted ?? 0);
      const acked = Number(j.staged_records);
      return { entity: j.entity, jobId: j.job_id, state: j.state ?? 'starting', extracted, acked, inTransit: Math.max(0, extracted - acked), batches: Number(j.staged_batches), error: j.error };
    });
    const unfinished = active || entities.some((e) => e.state === 'running' || e.state === 'starting' || e.state === 'paused');
    return {
      agent: { id: agent.id, name: agent.name, online, lastSeenAt: agent.last_seen_at?.toISOString() ?? null },
      connection: via.connection,
      waiting: !online && unfinished ? `waiting for ${describeAgent(agent)}` : null,
      entities,
    };
  });
}
