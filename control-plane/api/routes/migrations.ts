/** Migrations: create, list, get, edit, and the lifecycle actions (dry-run, approve, start, pause, resume, cancel, rollback). */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { z } from 'zod/v4';
import { audit } from '../audit.ts';
import { assertAllowedEndpoints, endpointsOf, overrideOrigins, sameEndpoints } from '../endpoints.ts';
import { principalOf } from '../auth/hook.ts';
import { withTenant } from '../db.ts';
import { ApiError, conflict, notFound } from '../http.ts';
import { validateMappingYaml } from '../mapping-validate.ts';
import type { MigrationRow } from '../../jobs/execute-run.ts';
import { CreateMigration, IdParams, Migration, MigrationList, StatusResponse, UpdateMigration } from '../schemas.ts';
import type { ApiContext } from '../context.ts';
import { latestOutcome, runOutcomeFields, entityStateOf } from '../outcome-dto.ts';

/** Request fields each endpoint comes from, for validation errors. */
const ENDPOINT_FIELDS: Record<string, string> = {
  baseUrl: 'body.config.baseUrl', tokenUrl: 'body.config.tokenUrl',
  login_url: 'body.credentials.login_url', instance_url: 'body.credentials.instance_url', environment_url: 'body.credentials.environment_url',
};

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

interface Row extends MigrationRow { approved_by: string | null; approved_at: Date | null; created_by: string | null; created_at: Date; updated_at: Date }

/** Load one migration (RLS-scoped). `lock` takes FOR NO KEY UPDATE, which does not block the engine's FK checks from runs. */
export async function loadMigration(c: pg.PoolClient, id: string, lock = false): Promise<Row> {
  const { rows } = await c.query<Row>(`SELECT * FROM migrations WHERE id = $1${lock ? ' FOR NO KEY UPDATE' : ''}`, [id]);
  if (!rows[0]) throw notFound('migration');
  return rows[0];
}

async function toDto(ctx: ApiContext, c: pg.PoolClient, m: Row, full: boolean) {
  const credentialNames = await ctx.credentials.names(c, { tenantId: m.tenant_id, ownerKind: 'migration', ownerId: m.id });
  const active = await ctx.runner.active(c, m.id);
  const base = {
    id: m.id, name: m.name, sourceSystem: m.source_system, status: m.status, config: m.config, credentialNames,
    approvedBy: m.approved_by, approvedAt: iso(m.approved_at), createdBy: m.created_by, createdAt: m.created_at.toISOString(),
    updatedAt: m.updated_at.toISOString(), active: active !== null, waitingFor: active?.lease_token ? null : active?.waiting_for ?? null,
    ...(await latestOutcome(c, m.id)),
  };
  if (!full) return base;
  const runs = await c.query<{ id: string; mode: string; status: string; started_at: Date; finished_at: Date | null; error: string | null; outcome: string | null; outcome_reason: string | null; retry_of: string | null; retry_entity: string | null }>(
    'SELECT id, mode, status, started_at, finished_at, error, outcome, outcome_reason, retry_of, retry_entity FROM runs WHERE migration_id = $1 ORDER BY started_at DESC LIMIT 20', [m.id]);
  const stateOf = entityStateOf(m);
  const ents = await c.query(
    `SELECT e.run_id, e.entity, e.status, e.extracted::float8, e.created::float8, e.updated::float8, e.unchanged::float8,
            e.quarantined::float8, e.skipped::float8, e.deleted::float8
       FROM entity_progress e WHERE e.run_id = $1 ORDER BY e.entity`, [runs.rows[0]?.id ?? '00000000-0000-0000-0000-000000000000']);
  return {
    ...base,
    mappingYaml: m.mapping_yaml,
    runs: runs.rows.map((r) => ({ id: r.id, mode: r.mode, startedAt: r.started_at.toISOString(), finishedAt: iso(r.finished_at), error: r.error, ...runOutcomeFields(r) })),
    entities: ents.rows.map((e) => ({ runId: e.run_id, entity: e.entity, status: e.status, extracted: e.extracted, created: e.created, updated: e.updated, unchanged: e.unchanged, quarantined: e.quarantined, skipped: e.skipped, state: stateOf(e) })),
  };
}

/** Move a migration between states atomically; 409 when it is not in one of `from`. */
async function transition(c: pg.PoolClient, id: string, from: string[], to: string, approvedBy: string | null = null): Promise<Row> {
  const m = await loadMigration(c, id, true);
  if (!from.includes(m.status)) throw conflict(`migration is ${m.status}; this action needs one of: ${from.join(', ')}`);
  const { rows } = await c.query<Row>(
    `UPDATE migrations SET status = $2, updated_at = now(), approved_by = COALESCE($3, approved_by),
            approved_at = CASE WHEN $3::text IS NULL THEN approved_at ELSE now() END
      WHERE id = $1 RETURNING *`,
    [id, to, approvedBy],
  );
  return rows[0]!;
}

export function migrationRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const ip = (req: FastifyRequest): string => req.ip;
  const vars = (tenantId: string, config: Record<string, unknown>): Record<string, string> =>
    ({ TENANT_ID: tenantId, FRANCHISE_ID: String(config.franchiseId ?? tenantId) });

  app.post('/api/v1/migrations', {
    config: { permission: 'migration.write' },
    schema: { tags: ['migrations'], body: CreateMigration, response: { 201: Migration } },
  }, async (req, reply) => {
    const p = principalOf(req);
    const body = req.body as z.output<typeof CreateMigration>;
    const known = (await ctx.connectors.list()).some((c) => c.name === body.sourceSystem);
    if (!known) throw new ApiError(400, 'validation_failed', 'unknown source system', { 'body.sourceSystem': `no connector named ${body.sourceSystem}` });
    let mappingYaml = body.mappingYaml ?? null;
    const id = randomUUID();
    const dto = await withTenant(ctx.db, p.tenantId, async (c) => {
      if (!mappingYaml && body.mappingTemplateId) mappingYaml = await ctx.templates.yaml(c, body.mappingTemplateId);
      if (!mappingYaml) mappingYaml = await ctx.connectors.mappingTemplate(body.sourceSystem);
      if (mappingYaml) validateMappingYaml(mappingYaml, vars(p.tenantId, body.config));
      const endpoints = endpointsOf(body.config, body.credentials ?? {});
      assertAllowedEndpoints(body.sourceSystem, endpoints, await overrideOrigins(c, body.sourceSystem), ENDPOINT_FIELDS);
      await c.query(
        `INSERT INTO migrations (id, tenant_id, name, source_system, status, config, mapping_yaml, target_schema, created_by, credential_endpoints)
         VALUES ($1, $2, $3, $4, 'draft', $5, $6, $7, $8, $9)`,
        [id, p.tenantId, body.name, body.sourceSystem, JSON.stringify(body.config), mappingYaml, ctx.targetSchema, p.actor, JSON.stringify(endpoints)],
      );
      if (body.credentials) await ctx.credentials.put(c, { tenantId: p.tenantId, ownerKind: 'migration', ownerId: id }, body.credentials);
      await audit(c, p, ip(req), { action: 'migration.create', target: id, details: { name: body.name, sourceSystem: body.sourceSystem, storedNames: Object.keys(body.credentials ?? {}) } });
      return toDto(ctx, c, await loadMigration(c, id), true);
    });
    return reply.status(201).send(dto);
  });

  app.get('/api/v1/migrations', {
    config: { permission: 'read' }, schema: { tags: ['migrations'], response: { 200: MigrationList } },
  }, async (req) => {
    const p = principalOf(req);
    return withTenant(ctx.db, p.tenantId, async (c) => {
      const { rows } = await c.query<Row>('SELECT * FROM migrations ORDER BY created_at DESC LIMIT 500');
      return { items: await Promise.all(rows.map((m) => toDto(ctx, c, m, false))) };
    });
  });

  app.get('/api/v1/migrations/:id', {
    config: { permission: 'read' }, schema: { tags: ['migrations'], params: IdParams, response: { 200: Migration } },
  }, async (req) => {
    const p = principalOf(req);
    const { id } = req.params as { id: string };
    return withTenant(ctx.db, p.tenantId, async (c) => toDto(ctx, c, await loadMigration(c, id), true));
  });

  app.patch('/api/v1/migrations/:id', {
    config: { permission: 'migration.write' }, schema: { tags: ['migrations'], params: IdParams, body: UpdateMigration, response: { 200: Migration } },
  }, async (req) => {
    const p = principalOf(req);
    const { id } = req.params as { id: string };
    const body = req.body as z.output<typeof UpdateMigration>;
    return withTenant(ctx.db, p.tenantId, async (c) => {
      const m = await loadMigration(c, id, true);
      if ((await ctx.runner.isActive(c, id)) || ['running', 'dry_run'].includes(m.status)) throw conflict(`migration is ${m.status}; edit it when it is not running`);
      const config = { ...m.config, ...(body.config ?? {}) };
      if (body.mappingYaml !== undefined) validateMappingYaml(body.mappingYaml, vars(p.tenantId, config));
      // Credentials are bound to their endpoints: a changed endpoint drops every credential not entered again with it.
      const ref = { tenantId: p.tenantId, ownerKind: 'migration' as const, ownerId: id };
      const stored = await ctx.credentials.get(c, ref);
      const before = endpointsOf(m.config, stored);
      const after = endpointsOf(config, { ...stored, ...(body.credentials ?? {}) });
      assertAllowedEndpoints(m.source_system, after, await overrideOrigins(c, m.source_system), ENDPOINT_FIELDS);
      const moved = !sameEndpoints(before, after);
      const dropped = moved ? await ctx.credentials.removeExcept(c, ref, Object.keys(body.credentials ?? {})) : [];
      if (moved || body.credentials) await c.query('UPDATE migrations SET credential_endpoints = $2 WHERE id = $1', [id, JSON.stringify(after)]);
      // Any change to what will be loaded invalidates an earlier dry run's approval.
      const resets = body.mappingYaml !== undefined || body.config !== undefined || body.credentials !== undefined;
      const status = resets && ['awaiting_approval', 'approved'].includes(m.status) ? 'draft' : m.status;
      await c.query(
        `UPDATE migrations SET name = $2, config = $3, mapping_yaml = $4, status = $5, approved_by = CASE WHEN $5 = 'draft' THEN NULL ELSE approved_by END,
                approved_at = CASE WHEN $5 = 'draft' THEN NULL ELSE approved_at END, updated_at = now() WHERE id = $1`,
        [id, body.name ?? m.name, JSON.stringify(config), body.mappingYaml ?? m.mapping_yaml, status],
      );
      if (body.credentials) await ctx.credentials.put(c, ref, body.credentials);
      await audit(c, p, ip(req), { action: 'migration.update', target: id, details: { fields: Object.keys(body), storedNames: Object.keys(body.credentials ?? {}), ...(moved ? { endpointsChanged: true, droppedNames: dropped } : {}) } });
      return toDto(ctx, c, await loadMigration(c, id), true);
    });
  });

  type Action = { path: string; permission: 'migration.run' | 'migration.approve'; from: string[]; to: string; launch?: 'run' | 'dry-run'; stop?: 'paused' | 'cancelled'; approves?: boolean };
  const actions: Action[] = [
    { path: 'dry-run', permission: 'migration.run', from: ['draft', 'awaiting_approval', 'approved', 'failed', 'cancelled', 'rolled_back'], to: 'dry_run', launch: 'dry-run' },
    { path: 'approve', permission: 'migration.approve', from: ['awaiting_approval'], to: 'approved', approves: true },
    { path: 'start', permission: 'migration.run', from: ['approved'], to: 'running', launch: 'run' },
    // A failed run resumes from its checkpoints (an agent job that failed resumes from the agent's).
    { path: 'resume', permission: 'migration.run', from: ['paused', 'failed'], to: 'running', launch: 'run' },
    { path: 'pause', permission: 'migration.run', from: ['running'], to: 'running', stop: 'paused' },
    { path: 'cancel', permission: 'migration.run', from: ['running', 'dry_run', 'paused', 'draft', 'awaiting_approval', 'approved'], to: 'cancelled', stop: 'cancelled' },
  ];
  for (const a of actions) {
    app.post(`/api/v1/migrations/:id/${a.path}`, {
      config: { permission: a.permission }, schema: { tags: ['migrations'], params: IdParams, response: { 202: StatusResponse } },
    }, async (req, reply) => {
      const p = principalOf(req);
      const { id } = req.params as { id: string };
      let shown: string | null = null;
      const row = await withTenant(ctx.db, p.tenantId, async (c) => {
        if (a.launch && (await ctx.runner.isActive(c, id))) { await loadMigration(c, id); throw conflict('a run of this migration is already active'); }
        if (a.stop === 'paused') {
          const m = await loadMigration(c, id, true);
          if (m.status !== 'running') throw conflict(`migration is ${m.status}; nothing to pause`);
          const how = await ctx.runner.stop(c, id, 'paused');
          if (how === 'none') throw conflict('nothing to pause');
          if (how === 'ended') await c.query(`UPDATE migrations SET status = 'paused', updated_at = now() WHERE id = $1`, [id]);
          shown = how === 'ended' ? 'paused' : 'pausing';
          await audit(c, p, ip(req), { action: `migration.${a.path}`, target: id });
          return m;
        }
        const m = await transition(c, id, a.from, a.to, a.approves ? p.actor : null);
        if (a.launch === 'run' && !m.mapping_yaml) throw conflict('migration has no mapping');
        // The database, not this process, decides whether a run is already active.
        if (a.launch && !(await ctx.runner.register(c, m, a.launch))) throw conflict('a run of this migration is already active');
        if (a.stop === 'cancelled') await ctx.runner.stop(c, id, 'cancelled');
        await audit(c, p, ip(req), { action: `migration.${a.path}`, target: id });
        return m;
      });
      if (a.launch) await ctx.runner.enqueue(row, a.launch);
      const status = shown ?? row.status;
      ctx.bus.publish(p.tenantId, { type: 'status', migrationId: id, status });
      return reply.status(202).send({ id, status });
    });
  }

  app.post('/api/v1/migrations/:id/rollback', {
    config: { permission: 'migration.rollback' },
    schema: { tags: ['migrations'], params: IdParams, response: { 200: z.object({ id: z.string(), status: z.string(), runId: z.string(), deleted: z.number(), restored: z.number() }) } },
  }, async (req) => {
    const p = principalOf(req);
    const { id } = req.params as { id: string };
    const runId = await withTenant(ctx.db, p.tenantId, async (c) => {
      const m = await loadMigration(c, id, true);
      if ((await ctx.runner.isActive(c, id)) || !['completed', 'failed', 'cancelled'].includes(m.status)) throw conflict(`migration is ${m.status}; roll back a finished run`);
      const { rows } = await c.query<{ id: string }>(`SELECT id FROM runs WHERE migration_id = $1 AND mode = 'run' AND status <> 'rolled_back' ORDER BY started_at DESC LIMIT 1`, [id]);
      if (!rows[0]) throw conflict('migration has no run to roll back');
      return rows[0].id;
    });
    const res = await ctx.engine.rollbackRun(ctx.db.pool, { controlSchema: ctx.db.schema, targetSchema: ctx.targetSchema, runId });
    await withTenant(ctx.db, p.tenantId, async (c) => {
      await c.query(`UPDATE migrations SET status = 'rolled_back', updated_at = now() WHERE id = $1`, [id]);
      await audit(c, p, ip(req), { action: 'migration.rollback', target: id, details: { runId, ...res } });
    });
    ctx.bus.publish(p.tenantId, { type: 'status', migrationId: id, status: 'rolled_back', runId });
    return { id, status: 'rolled_back', runId, ...res };
  });
}
