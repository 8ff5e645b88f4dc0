/** Property discovery (standard and custom properties, picklist options) through the properties API. */
import type { DiscoveredSchema, FieldInfo, StreamInfo } from '../../shared/connector.ts';
import { ConnectorHttpError, type HookContext } from '../sdk/index.ts';
import { CRM_OBJECTS, type CrmObject } from './definition.ts';
import { readProperties } from './readers.ts';

const OWNER_FIELDS: FieldInfo[] = [
  { name: 'id', type: 'string' },
  { name: 'email', type: 'string', nullable: true },
  { name: 'firstName', type: 'string', nullable: true },
  { name: 'lastName', type: 'string', nullable: true },
  { name: 'userId', type: 'integer', nullable: true },
  { name: 'createdAt', type: 'datetimetz' },
  { name: 'updatedAt', type: 'datetimetz' },
  { name: 'archived', type: 'boolean' },
];

/** Property names per object, fetched once per connector instance. */
export class PropertyCache {
  private readonly fields = new Map<CrmObject, Promise<FieldInfo[]>>();
  get(ctx: HookContext, type: CrmObject): Promise<FieldInfo[]> {
    let p = this.fields.get(type);
    if (!p) {
      p = ctx.http.request({ path: `/crm/v3/properties/${type}`, stream: type, signal: ctx.signal }).then((r) => readProperties(r.body, type));
      p.catch(() => this.fields.delete(type)); // do not cache failures
      this.fields.set(type, p);
    }
    return p;
  }
  async names(ctx: HookContext, type: CrmObject): Promise<string[]> {
    return (await this.get(ctx, type)).map((f) => f.name);
  }
}

export async function discoverHubSpot(ctx: HookContext, cache: PropertyCache): Promise<DiscoveredSchema> {
  const streams: StreamInfo[] = [];
  const warnings: string[] = [];
  for (const type of CRM_OBJECTS) {
    try {
      const fields = await cache.get(ctx, type);
      streams.push({ entity: type, primaryKey: ['id'], cursorField: 'updatedAt', fields, supportsIncremental: true, supportsDeletes: true });
    } catch (err) {
      if (!(err instanceof ConnectorHttpError) || err.action !== 'fail-config') throw err;
      warnings.push(`${type}: ${err.message}`);
    }
  }
  streams.push({ entity: 'owners', primaryKey: ['id'], cursorField: 'updatedAt', fields: OWNER_FIELDS, supportsIncremental: true, supportsDeletes: true });
  return { sourceSystem: 'hubspot', version: 'crm-v3', streams, warnings };
}
