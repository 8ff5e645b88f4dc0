/** Logs with level and paging filters; the run report as JSON or PDF. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod/v4';
import type { RunReport } from '../../report/types.ts';
import { principalOf } from '../auth/hook.ts';
import type { ApiContext } from '../context.ts';
import { withTenant } from '../db.ts';
import { notFound } from '../http.ts';
import { IdParams, LogsQuery, LogsResponse, ReportQuery } from '../schemas.ts';
import { loadMigration } from './migrations.ts';
import { servedReport } from '../../report/settle.ts';

const LEVELS = ['debug', 'info', 'warn', 'error'];

export function logsReportRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/api/v1/migrations/:id/logs', {
    config: { permission: 'read' },
    schema: { tags: ['migrations'], params: IdParams, querystring: LogsQuery, response: { 200: LogsResponse } },
  }, async (req) => {
    const p = principalOf(req);
    const { id } = req.params as { id: string };
    const q = req.query as z.output<typeof LogsQuery>;
    const levels = q.level ? LEVELS.slice(LEVELS.indexOf(q.level)) : LEVELS;
    return withTenant(ctx.db, p.tenantId, async (c) => {
      await loadMigration(c, id);
      const { rows } = await c.query<{ id: string; ts: Date; level: string; message: string; run_id: string | null; fields: Record<string, unknown> }>(
        `SELECT l.id, l.ts, l.level, l.message, l.run_id, l.fields FROM logs l
          WHERE (l.migration_id = $1 OR l.run_id IN (SELECT r.id FROM runs r WHERE r.migration_id = $1))
            AND l.level = ANY($2) AND l.id > $3 AND ($4::uuid IS NULL OR l.run_id = $4)
          ORDER BY l.id LIMIT $5`,
        [id, levels, q.after ?? 0, q.runId ?? null, q.limit + 1],
      );
      const items = rows.slice(0, q.limit).map((r) => ({ id: Number(r.id), ts: r.ts.toISOString(), level: r.level, message: r.message, runId: r.run_id, fields: r.fields }));
      return { items, nextAfter: rows.length > q.limit ? items[items.length - 1]!.id : null };
    });
  });

  app.get('/api/v1/migrations/:id/report', {
    config: { permission: 'read' },
    schema: { tags: ['migrations'], params: IdParams, querystring: ReportQuery, description: 'The run report of the latest (or the given) run, as JSON or PDF.' },
  }, async (req, reply) => {
    const p = principalOf(req);
    const { id } = req.params as { id: string };
    const q = req.query as z.output<typeof ReportQuery>;
    const report = await withTenant(ctx.db, p.tenantId, async (c) => {
      await loadMigration(c, id);
      const { rows } = await c.query<{ report: RunReport | null }>(
        `SELECT report FROM runs WHERE migration_id = $1 AND report IS NOT NULL AND ($2::uuid IS NULL OR id = $2)
            AND ($3::text IS NULL OR mode = $3) ORDER BY started_at DESC LIMIT 1`,
        [id, q.runId ?? null, q.mode ?? null],
      );
      return rows[0]?.report ? servedReport(c, ctx.db.schema, rows[0].report) : null;
    });
    if (!report) throw notFound('report');
    if (q.format === 'pdf') {
      const pdf = await ctx.reports.renderPdf(report);
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', `attachment; filename="migration-${id}-${report.runId}.pdf"`)
        .send(pdf);
    }
    return reply.header('content-type', 'application/json').send(JSON.stringify(report));
  });
}
