/**
 * Endpoint overrides (admin only, audited): origins outside a vendor's documented hosts that the
 * tenant's migrations of that vendor may use, e.g. the vendor emulator on 127.0.0.1 or a private
 * cloud. Without one, a migration's endpoints must be the vendor's documented hosts.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod/v4';
import { audit } from '../audit.ts';
import { principalOf } from '../auth/hook.ts';
import type { ApiContext } from '../context.ts';
import { withTenant } from '../db.ts';
import { ApiError, notFound } from '../http.ts';

const Override = z.object({ vendor: z.string(), origin: z.string(), createdBy: z.string(), createdAt: z.string() });
const OverrideBody = z.object({
  vendor: z.string().regex(/^[a-z][a-z0-9-]{1,63}$/, 'lowercase connector name'),
  url: z.url().max(2000),
}).strict();

/** The origin of an override URL: http(s), no credentials in it. */
function overrideOrigin(raw: string): string {
  const u = new URL(raw);
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.username || u.password) {
    throw new ApiError(400, 'validation_failed', 'invalid endpoint override', { 'body.url': 'an http(s) URL without user or password' });
  }
  return u.origin;
}

export function endpointOverrideRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/api/v1/endpoint-overrides', {
    config: { permission: 'admin' }, schema: { tags: ['endpoints'], response: { 200: z.object({ items: z.array(Override) }) } },
  }, async (req) => withTenant(ctx.db, principalOf(req).tenantId, async (c) => {
    const { rows } = await c.query<{ vendor: string; origin: string; created_by: string; created_at: Date }>(
      'SELECT vendor, origin, created_by, created_at FROM api_endpoint_overrides ORDER BY vendor, origin');
    return { items: rows.map((r) => ({ vendor: r.vendor, origin: r.origin, createdBy: r.created_by, createdAt: r.created_at.toISOString() })) };
  }));

  app.post('/api/v1/endpoint-overrides', {
    config: { permission: 'admin' }, schema: { tags: ['endpoints'], body: OverrideBody, response: { 201: Override } },
  }, async (req, reply) => {
    const p = principalOf(req);
    const body = req.body as z.output<typeof OverrideBody>;
    if (!(await ctx.connectors.list()).some((c) => c.name === body.vendor)) {
      throw new ApiError(400, 'validation_failed', 'unknown vendor', { 'body.vendor': `no connector named ${body.vendor}` });
    }
    const origin = overrideOrigin(body.url);
    const row = await withTenant(ctx.db, p.tenantId, async (c) => {
      await c.query(
        `INSERT INTO api_endpoint_overrides (tenant_id, vendor, origin, created_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, vendor, origin) DO NOTHING`, [p.tenantId, body.vendor, origin, p.actor]);
      const { rows } = await c.query<{ created_by: string; created_at: Date }>(
        'SELECT created_by, created_at FROM api_endpoint_overrides WHERE vendor = $1 AND origin = $2', [body.vendor, origin]);
      await audit(c, p, req.ip, { action: 'endpoint_override.add', target: body.vendor, details: { vendor: body.vendor, origin } });
      return rows[0]!;
    });
    return reply.status(201).send({ vendor: body.vendor, origin, createdBy: row.created_by, createdAt: row.created_at.toISOString() });
  });

  app.delete('/api/v1/endpoint-overrides', {
    config: { permission: 'admin' }, schema: { tags: ['endpoints'], querystring: OverrideBody, response: { 204: z.null() } },
  }, async (req, reply) => {
    const p = principalOf(req);
    const q = req.query as z.output<typeof OverrideBody>;
    const origin = overrideOrigin(q.url);
    await withTenant(ctx.db, p.tenantId, async (c) => {
      const r = await c.query('DELETE FROM api_endpoint_overrides WHERE vendor = $1 AND origin = $2', [q.vendor, origin]);
      if (!r.rowCount) throw notFound('endpoint override');
      await audit(c, p, req.ip, { action: 'endpoint_override.remove', target: q.vendor, details: { vendor: q.vendor, origin } });
    });
    return reply.status(204).send();
  });
}
