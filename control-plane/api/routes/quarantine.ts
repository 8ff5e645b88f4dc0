/**
 * Failed records come back (issue 10 point 8): download one entity's quarantined records of a run
 * as CSV, and upload the corrected file as a follow-up run that loads just those records, linked to
 * the original run (both reports show the link).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod/v4';
import { audit } from '../audit.ts';
import { principalOf } from '../auth/hook.ts';
import type { ApiContext } from '../context.ts';
import { withTenant } from '../db.ts';
import { ApiError, conflict, notFound } from '../http.ts';
import { exportQuarantine, FollowUpError, prepareFollowUp } from '../../retry/follow-up.ts';
import { quarantineFileName } from '../../retry/quarantine-csv.ts';
import { Uuid } from '../schemas.ts';
import { loadMigration } from './migrations.ts';

const RunParams = z.object({ id: Uuid, runId: Uuid });
const EntityQuery = z.object({ entity: z.string().min(1).max(128) });
const RetryBody = z.object({ entity: z.string().min(1).max(128), csv: z.string().min(1).max(20_000_000) });
const MAX_BODY = 25 * 1024 * 1024;

function asApiError(err: unknown): never {
  if (err instanceof FollowUpError) throw new ApiError(err.status, err.status === 404 ? 'not_found' : err.status === 409 ? 'conflict' : 'validation_failed', err.message);
  throw err;
}

export function quarantineRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/api/v1/migrations/:id/runs/:runId/quarantine', {
    config: { permission: 'read' },
    schema: { tags: ['migrations'], params: RunParams, querystring: EntityQuery, description: "One entity's quarantined source records of a run as CSV: __sourceId, __reason, __field, __json, then the record's fields." },
  }, async (req, reply) => {
    const p = principalOf(req);
    const { id, runId } = req.params as z.output<typeof RunParams>;
    const { entity } = req.query as z.output<typeof EntityQuery>;
    const out = await withTenant(ctx.db, p.tenantId, async (c) => {
      await loadMigration(c, id);
      const r = await exportQuarantine(c, ctx.db.schema, runId, entity).catch(asApiError);
      if (r.run.migration_id !== id) throw notFound('run');
      return r;
    });
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${quarantineFileName(runId, entity)}"`)
      .header('x-nexus-records', String(out.records))
      .send(out.csv);
  });

  app.post('/api/v1/migrations/:id/runs/:runId/retry', {
    config: { permission: 'migration.run' },
    bodyLimit: MAX_BODY,
    schema: {
      tags: ['migrations'], params: RunParams, body: RetryBody,
      description: 'Re-import a corrected quarantine CSV of one entity as a follow-up run of this migration (loads only records the run quarantined).',
      response: { 202: z.object({ id: z.string(), status: z.string(), retryOf: z.string(), entity: z.string() }) },
    },
  }, async (req, reply) => {
    const p = principalOf(req);
    const { id, runId } = req.params as z.output<typeof RunParams>;
    const body = req.body as z.output<typeof RetryBody>;
    const { row, followUp } = await withTenant(ctx.db, p.tenantId, async (c) => {
      if (await ctx.runner.isActive(c, id)) throw conflict('a run of this migration is already active');
      const m = await loadMigration(c, id, true);
      // A run of another migration (or tenant) is not found, whatever this migration's state.
      if (!(await c.query('SELECT 1 FROM runs WHERE id = $1 AND migration_id = $2', [runId, id])).rowCount) throw notFound('run');
      if (!['completed', 'failed', 'cancelled', 'rolled_back'].includes(m.status)) throw conflict(`migration is ${m.status}; re-import failed records after a run has finished`);
      if (!m.mapping_yaml) throw conflict('migration has no mapping');
      const f = await prepareFollowUp(c, ctx.db.schema, runId, body.entity, body.csv).catch(asApiError);
      if (f.run.migration_id !== id) throw notFound('run');
      const { rows } = await c.query(`UPDATE migrations SET status = 'running', updated_at = now() WHERE id = $1 RETURNING *`, [id]);
      // The database, not this process, decides whether a run is already active.
      if (!(await ctx.runner.register(c, rows[0] as typeof m, 'run'))) throw conflict('a run of this migration is already active');
      await audit(c, p, req.ip, { action: 'migration.retry', target: id, details: { retryOf: runId, entity: body.entity, bytes: body.csv.length } });
      return { row: rows[0] as typeof m, followUp: f };
    });
    // The corrected file travels with the durable job, so any worker can run (and resume) the follow-up.
    await ctx.runner.enqueue(row, 'run', { originalRunId: followUp.retryOf.runId, entity: followUp.retryOf.entity, csv: body.csv, runKey: followUp.runKey });
    ctx.bus.publish(p.tenantId, { type: 'status', migrationId: id, status: 'running' });
    return reply.status(202).send({ id, status: 'running', retryOf: runId, entity: body.entity });
  });
}
