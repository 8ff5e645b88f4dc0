/**
 * Live progress over Server-Sent Events: GET /api/v1/events[?migrationId=…] streams the tenant's
 * progress, status and agent events. A comment line every 15 s keeps proxies from closing it.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod/v4';
import { principalOf } from '../auth/hook.ts';
import type { ApiContext } from '../context.ts';
import type { LiveEvent } from '../events/bus.ts';

const Query = z.object({ migrationId: z.uuid().optional() });

export function eventRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/api/v1/events', {
    config: { permission: 'read' },
    schema: { tags: ['progress'], querystring: Query, description: 'text/event-stream of progress, status and agent events' },
  }, async (req, reply) => {
    const p = principalOf(req);
    const { migrationId } = req.query as z.output<typeof Query>;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(': connected\n\n');
    const send = (e: LiveEvent): void => {
      if (migrationId && 'migrationId' in e && e.migrationId !== migrationId) return;
      res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
    };
    const unsubscribe = ctx.bus.subscribe(p.tenantId, send);
    const heartbeat = setInterval(() => res.write(': ping\n\n'), 15_000);
    const done = (): void => {
      clearInterval(heartbeat);
      unsubscribe();
    };
    req.raw.on('close', done);
    res.on('error', done);
  });
}
