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

/**
 * Fields every CRM object record carries besides its properties (the definition keeps them when it
 * flattens `properties`): discovery lists them too, so a mapping naming them checks out in preflight.
 */
const ENVELOPE_FIELDS: FieldInfo[] = [
  { name: 'id', type: 'string' },
  { name: 'createdAt', type: 'datetimetz' },
  { name: 'updatedAt', type: 'datetimetz' },
  { name: 'archived', type: 'boolean' },
  { name: 'associations', type: 'json', nullable: true },
  { name: 'associated_company_id', type: 'string', nullable: true, references: ['companies'] },
  { name: 'associated_contact_id', type: 'string', nullable: true, references: ['contacts'] },
  { name: 'associated_deal_id', type: 'string', nullable: true, references: ['deals'] },
];

function withEnvelope(fields: FieldInfo[]): FieldInfo[] {
  const have = new Set(fields.map((f) => f.name));
  return [...fields, ...ENVELOPE_FIELDS.filter((f) => !have.has(f.name))];
}

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
      const fields = withEnvelope(await cache.get(ctx, type));
      streams.push({ entity: type, primaryKey: ['id'], cursorField: 'updatedAt', fields, supportsIncremental: true, supportsDeletes: true });
    } catch (err) {
      if (!(err instanceof ConnectorHttpError) || err.action !== 'fail-config') throw err;
      warnings.push(`${type}: ${err.message}`);
    }
  }
  streams.push({ entity: 'owners', primaryKey: ['id'], cursorField: 'updatedAt', fields: OWNER_FIELDS, supportsIncremental: true, supportsDeletes: true });
  return { sourceSystem: 'hubspot', version: 'crm-v3', streams, warnings };
}
