/** Connectors (list, connection test, discover, preview) and mapping templates (list, get, clone, edit). */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod/v4';
import type { SourceConnector } from '../../../shared/connector.ts';
import { redact, redactText } from '../../../shared/log/redact.ts';
import { audit } from '../audit.ts';
import { principalOf } from '../auth/hook.ts';
import type { ApiContext } from '../context.ts';
import { withTenant } from '../db.ts';
import { ApiError, errorMessage, notFound } from '../http.ts';
import { validateMappingYaml } from '../mapping-validate.ts';
import { CloneTemplate, EditTemplate, IdParams, MappingTemplate, MappingTemplateFull, PreviewBody } from '../schemas.ts';
import { loadMigration } from './migrations.ts';
import { openMigrationSource } from '../migration-source.ts';

const Json = z.record(z.string(), z.unknown());

export function connectorRoutes(app: FastifyInstance, ctx: ApiContext): void {
  /** Open the migration's source with its stored credentials, run fn, always close. */
  async function withSource<T>(tenantId: string, id: string, fn: (s: SourceConnector) => Promise<T>): Promise<T> {
    const m = await withTenant(ctx.db, tenantId, (c) => loadMigration(c, id));
    let source: SourceConnector;
    try {
      source = await openMigrationSource(ctx, { ...m, tenant_id: tenantId }, ctx.log);
    } catch (err) {
      throw new ApiError(422, 'connector_failed', errorMessage(err));
    }
    try {
      return await fn(source);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw new ApiError(422, 'connector_failed', errorMessage(err));
    } finally {
      await source.close().catch(() => undefined);
    }
  }

  app.get('/api/v1/connectors', {
    config: { permission: 'read' },
    schema: { tags: ['connectors'], response: { 200: z.object({ items: z.array(z.object({ name: z.string(), label: z.string(), hasEmulator: z.boolean(), mappingTemplate: z.string().nullable(), credentialFields: z.array(z.string()) })) }) } },
  }, async () => ({ items: await ctx.connectors.list() }));

  app.post('/api/v1/migrations/:id/connection-test', {
    config: { permission: 'migration.write' },
    schema: { tags: ['connectors'], params: IdParams, response: { 200: z.object({ ok: z.boolean(), message: z.string() }) } },
  }, async (req) => {
    const p = principalOf(req);
    const { id } = req.params as { id: string };
    const r = await withSource(p.tenantId, id, (s) => s.check());
    return { ok: r.ok, message: redactText(r.message) };
  });

  app.get('/api/v1/migrations/:id/discover', {
    config: { permission: 'migration.write' },
    schema: { tags: ['connectors'], params: IdParams, response: { 200: Json } },
  }, async (req) => {
    const p = principalOf(req);
    const { id } = req.params as { id: string };
    return redact(await withSource(p.tenantId, id, (s) => s.discover())) as unknown as Record<string, unknown>;
  });

  app.post('/api/v1/migrations/:id/preview', {
    config: { permission: 'migration.write' },
    schema: { tags: ['connectors'], params: IdParams, body: PreviewBody, response: { 200: z.object({ items: z.array(z.object({ source: Json, target: Json.nullable(), errors: z.array(z.string()) })) }) } },
  }, async (req) => {
    const p = principalOf(req);
    const { id } = req.params as { id: string };
    const body = req.body as z.output<typeof PreviewBody>;
    const m = await withTenant(ctx.db, p.tenantId, (c) => loadMigration(c, id));
    const mappingYaml = body.mappingYaml ?? m.mapping_yaml ?? '';
    const vars = { TENANT_ID: p.tenantId, FRANCHISE_ID: String(m.config.franchiseId ?? p.tenantId) };
    validateMappingYaml(mappingYaml, vars);
    const items = await withSource(p.tenantId, id, (source) =>
      ctx.engine.previewRecords({ pool: ctx.db.pool, targetSchema: ctx.targetSchema, source, mappingYaml, vars, tenantId: p.tenantId, entity: body.entity, limit: body.limit }));
    return { items: redact(items) };
  });

  app.get('/api/v1/mapping-templates', {
    config: { permission: 'read' }, schema: { tags: ['mapping'], response: { 200: z.object({ items: z.array(MappingTemplate) }) } },
  }, async (req) => withTenant(ctx.db, principalOf(req).tenantId, async (c) => ({ items: await ctx.templates.list(c) })));

  const TemplateParams = z.object({ id: z.string().min(1).max(200) });
  app.get('/api/v1/mapping-templates/:id', {
    config: { permission: 'read' }, schema: { tags: ['mapping'], params: TemplateParams, response: { 200: MappingTemplateFull } },
  }, async (req) => withTenant(ctx.db, principalOf(req).tenantId, (c) => ctx.templates.get(c, (req.params as { id: string }).id)));

  app.post('/api/v1/mapping-templates', {
    config: { permission: 'migration.write' }, schema: { tags: ['mapping'], body: CloneTemplate, response: { 201: MappingTemplateFull } },
  }, async (req, reply) => {
    const p = principalOf(req);
    const body = req.body as z.output<typeof CloneTemplate>;
    const out = await withTenant(ctx.db, p.tenantId, async (c) => {
      const src = await ctx.templates.get(c, body.from);
      const id = randomUUID();
      const dup = await c.query('SELECT 1 FROM api_mapping_templates WHERE name = $1', [body.name]);
      if (dup.rowCount) throw new ApiError(409, 'conflict', `a template named "${body.name}" exists`);
      await c.query(
        'INSERT INTO api_mapping_templates (id, tenant_id, name, source_system, based_on, yaml, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [id, p.tenantId, body.name, src.sourceSystem, src.id, src.yaml, p.actor],
      );
      await audit(c, p, req.ip, { action: 'mapping_template.clone', target: id, details: { from: src.id, name: body.name } });
      return ctx.templates.get(c, id);
    });
    return reply.status(201).send(out);
  });

  app.put('/api/v1/mapping-templates/:id', {
    config: { permission: 'migration.write' }, schema: { tags: ['mapping'], params: IdParams, body: EditTemplate, response: { 200: MappingTemplateFull } },
  }, async (req) => {
    const p = principalOf(req);
    const { id } = req.params as { id: string };
    const { yaml } = req.body as z.output<typeof EditTemplate>;
    validateMappingYaml(yaml, { TENANT_ID: p.tenantId, FRANCHISE_ID: p.tenantId }, 'body.yaml');
    return withTenant(ctx.db, p.tenantId, async (c) => {
      const r = await c.query('UPDATE api_mapping_templates SET yaml = $2, updated_at = now() WHERE id = $1', [id, yaml]);
      if (!r.rowCount) throw notFound('mapping template');
      await audit(c, p, req.ip, { action: 'mapping_template.edit', target: id });
      return ctx.templates.get(c, id);
    });
  });
}
