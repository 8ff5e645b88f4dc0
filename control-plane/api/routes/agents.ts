/** On-prem agents, through the agent gateway: enrollment tokens, list, revoke, remote commands. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod/v4';
import { redact } from '../../../shared/log/redact.ts';
import { audit } from '../audit.ts';
import { principalOf } from '../auth/hook.ts';
import type { ApiContext } from '../context.ts';
import { withTenant } from '../db.ts';
import { ApiError, notFound } from '../http.ts';
import type { AgentGatewayPort } from '../ports.ts';

const AgentParams = z.object({ agentId: z.string().min(1).max(100) });
const Agent = z.object({ id: z.string(), name: z.string(), online: z.boolean(), version: z.string().nullable(), lastSeenAt: z.string().nullable(), revoked: z.boolean() });
const Command = z.object({ type: z.string().regex(/^[a-z][a-z0-9._-]{0,63}$/), args: z.record(z.string(), z.unknown()).optional() });

export function agentRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const gateway = (): AgentGatewayPort => {
    if (!ctx.agents) throw new ApiError(503, 'agent_gateway_unavailable', 'the agent gateway is not attached to this control plane');
    return ctx.agents;
  };

  app.post('/api/v1/agents/enrollment-tokens', {
    config: { permission: 'agents.manage' },
    schema: { tags: ['agents'], body: z.object({ name: z.string().max(100).optional(), ttlMinutes: z.int().min(1).max(7 * 24 * 60).default(60) }), response: { 201: z.object({ token: z.string(), expiresAt: z.string() }) } },
  }, async (req, reply) => {
    const p = principalOf(req);
    const body = req.body as { name?: string; ttlMinutes: number };
    const t = await gateway().issueEnrollmentToken(p.tenantId, body);
    await withTenant(ctx.db, p.tenantId, (c) => audit(c, p, req.ip, { action: 'agent.enrollment_token', details: { name: body.name ?? null, expiresAt: t.expiresAt } }));
    return reply.status(201).send(t);
  });

  app.get('/api/v1/agents', {
    config: { permission: 'read' }, schema: { tags: ['agents'], response: { 200: z.object({ items: z.array(Agent) }) } },
  }, async (req) => ({ items: await gateway().listAgents(principalOf(req).tenantId) }));

  app.post('/api/v1/agents/:agentId/revoke', {
    config: { permission: 'agents.manage' }, schema: { tags: ['agents'], params: AgentParams, response: { 200: z.object({ revoked: z.boolean() }) } },
  }, async (req) => {
    const p = principalOf(req);
    const { agentId } = req.params as { agentId: string };
    if (!(await gateway().revokeAgent(p.tenantId, agentId))) throw notFound('agent');
    await withTenant(ctx.db, p.tenantId, (c) => audit(c, p, req.ip, { action: 'agent.revoke', target: agentId }));
    return { revoked: true };
  });

  app.post('/api/v1/agents/:agentId/commands', {
    config: { permission: 'agents.manage' },
    schema: { tags: ['agents'], params: AgentParams, body: Command, response: { 202: z.object({ result: z.unknown() }) } },
  }, async (req, reply) => {
    const p = principalOf(req);
    const { agentId } = req.params as { agentId: string };
    const cmd = req.body as z.output<typeof Command>;
    const agents = await gateway().listAgents(p.tenantId);
    if (!agents.some((a) => a.id === agentId)) throw notFound('agent');
    await withTenant(ctx.db, p.tenantId, (c) => audit(c, p, req.ip, { action: 'agent.command', target: agentId, details: { type: cmd.type } }));
    const result = await gateway().sendCommand(p.tenantId, agentId, cmd);
    return reply.status(202).send({ result: redact(result) });
  });
}
