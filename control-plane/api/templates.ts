/**
 * Mapping templates: the built-in ones shipped by connectors (connectors/<name>/mapping.yaml,
 * id "builtin:<name>") and the tenant's own copies (api_mapping_templates, id a uuid).
 */
import type pg from 'pg';
import { notFound } from './http.ts';
import type { ConnectorPort } from './ports.ts';

export interface TemplateInfo { id: string; name: string; sourceSystem: string; builtin: boolean; basedOn: string | null }

export class TemplateStore {
  constructor(private readonly connectors: ConnectorPort) {}

  async list(c: pg.PoolClient): Promise<TemplateInfo[]> {
    const builtins = (await this.connectors.list())
      .filter((x) => x.mappingTemplate)
      .map((x) => ({ id: `builtin:${x.name}`, name: `${x.label} (built-in)`, sourceSystem: x.name, builtin: true, basedOn: null }));
    const { rows } = await c.query<{ id: string; name: string; source_system: string; based_on: string | null }>(
      'SELECT id, name, source_system, based_on FROM api_mapping_templates ORDER BY name',
    );
    return [...builtins, ...rows.map((r) => ({ id: r.id, name: r.name, sourceSystem: r.source_system, builtin: false, basedOn: r.based_on }))];
  }

  async get(c: pg.PoolClient, id: string): Promise<TemplateInfo & { yaml: string }> {
    if (id.startsWith('builtin:')) {
      const name = id.slice('builtin:'.length);
      const yaml = await this.connectors.mappingTemplate(name);
      const info = (await this.connectors.list()).find((x) => x.name === name);
      if (!yaml || !info) throw notFound('mapping template');
      return { id, name: `${info.label} (built-in)`, sourceSystem: name, builtin: true, basedOn: null, yaml };
    }
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound('mapping template');
    const { rows } = await c.query<{ id: string; name: string; source_system: string; based_on: string | null; yaml: string }>(
      'SELECT id, name, source_system, based_on, yaml FROM api_mapping_templates WHERE id = $1',
      [id],
    );
    const r = rows[0];
    if (!r) throw notFound('mapping template');
    return { id: r.id, name: r.name, sourceSystem: r.source_system, builtin: false, basedOn: r.based_on, yaml: r.yaml };
  }

  async yaml(c: pg.PoolClient, id: string): Promise<string> {
    return (await this.get(c, id)).yaml;
  }
}
