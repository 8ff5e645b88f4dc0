/** Alert webhooks: create (the signing secret is shown once), list, delete, recent deliveries. */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod/v4';
import { audit } from '../audit.ts';
import { principalOf } from '../auth/hook.ts';
import { randomToken } from '../auth/secrets.ts';
import type { ApiContext } from '../context.ts';
import { withTenant } from '../db.ts';
import { notFound } from '../http.ts';
import { CreateWebhook, IdParams, Webhook } from '../schemas.ts';

export function webhookRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.post('/api/v1/webhooks', {
    config: { permission: 'webhooks.manage' },
    schema: { tags: ['webhooks'], body: CreateWebhook, response: { 201: Webhook.extend({ signingSecret: z.string() }) } },
  }, async (req, reply) => {
    const p = principalOf(req);
    const body = req.body as z.output<typeof CreateWebhook>;
    const id = randomUUID();
    const signingSecret = randomToken('whsec_', 24);
    const row = await withTenant(ctx.db, p.tenantId, async (c) => {
      const { rows } = await c.query<{ created_at: Date }>(
        'INSERT INTO api_webhooks (id, tenant_id, url, events, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING created_at',
        [id, p.tenantId, body.url, body.events, p.actor]);
      await ctx.credentials.put(c, { tenantId: p.tenantId, ownerKind: 'webhook', ownerId: id }, { signingSecret });
      await audit(c, p, req.ip, { action: 'webhook.create', target: id, details: { url: body.url, events: body.events } });
      return rows[0]!;
    });
    return reply.status(201).send({ id, url: body.url, events: body.events, enabled: true, createdAt: row.created_at.toISOString(), signingSecret });
  });

  app.get('/api/v1/webhooks', {
    config: { permission: 'read' }, schema: { tags: ['webhooks'], response: { 200: z.object({ items: z.array(Webhook) }) } },
  }, async (req) => withTenant(ctx.db, principalOf(req).tenantId, async (c) => {
    const { rows } = await c.query<{ id: string; url: string; events: string[]; enabled: boolean; created_at: Date }>('SELECT * FROM api_webhooks ORDER BY created_at');
    return { items: rows.map((r) => ({ id: r.id, url: r.url, events: r.events, enabled: r.enabled, createdAt: r.created_at.toISOString() })) };
  }));

  app.get('/api/v1/webhooks/:id/deliveries', {
    config: { permission: 'read' },
    schema: { tags: ['webhooks'], params: IdParams, response: { 200: z.object({ items: z.array(z.object({ deliveryId: z.string(), event: z.string(), status: z.string(), attempts: z.number(), lastStatus: z.number().nullable(), lastError: z.string().nullable() })) }) } },
  }, async (req) => withTenant(ctx.db, principalOf(req).tenantId, async (c) => {
    // Another tenant's webhook (invisible under RLS) and one that does not exist read the same: 404.
    if (!(await c.query('SELECT 1 FROM api_webhooks WHERE id = $1', [(req.params as { id: string }).id])).rowCount) throw notFound('webhook');
    const { rows } = await c.query<{ delivery_id: string; event: string; status: string; attempts: number; last_status: number | null; last_error: string | null }>(
      'SELECT delivery_id, event, status, attempts, last_status, last_error FROM api_webhook_deliveries WHERE webhook_id = $1 ORDER BY id DESC LIMIT 100',
      [(req.params as { id: string }).id]);
    return { items: rows.map((r) => ({ deliveryId: r.delivery_id, event: r.event, status: r.status, attempts: r.attempts, lastStatus: r.status === 'delivered' ? r.last_status : null, lastError: r.last_error })) };
  }));

  app.delete('/api/v1/webhooks/:id', {
    config: { permission: 'webhooks.manage' }, schema: { tags: ['webhooks'], params: IdParams, response: { 204: z.null() } },
  }, async (req, reply) => {
    const p = principalOf(req);
    const { id } = req.params as { id: string };
    await withTenant(ctx.db, p.tenantId, async (c) => {
      const r = await c.query('DELETE FROM api_webhooks WHERE id = $1', [id]);
      if (!r.rowCount) throw notFound('webhook');
      await ctx.credentials.remove(c, { tenantId: p.tenantId, ownerKind: 'webhook', ownerId: id });
      await audit(c, p, req.ip, { action: 'webhook.delete', target: id });
    });
    return reply.status(204).send(null);
  });
}
