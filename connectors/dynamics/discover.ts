/**
 * Discovery through EntityDefinitions: attributes (custom ones flagged, with their publisher
 * prefix), lookup targets, option sets (Picklist, State, Status casts) and record counts
 * (RetrieveTotalRecordCount). Shadow attributes (`AttributeOf` set) and virtual ones are skipped:
 * the Web API cannot select them.
 */
import type { DiscoveredSchema, FieldInfo, StreamInfo } from '../../shared/connector.ts';
import type { HookContext } from '../sdk/index.ts';
import { DATAVERSE_TABLES, type DataverseTable } from './definition.ts';

interface AttributeMetadata {
  LogicalName: string;
  AttributeType: string;
  AttributeOf?: string | null;
  IsCustomAttribute?: boolean;
  IsValidForRead?: boolean;
  MaxLength?: number;
  Targets?: string[];
  Format?: string;
  RequiredLevel?: { Value?: string };
  OptionSet?: { Options?: Array<{ Value: number; Label?: { UserLocalizedLabel?: { Label?: string } | null } }> };
}

const TYPE_MAP: Record<string, string> = {
  String: 'string', Memo: 'string', EntityName: 'string', Integer: 'integer', BigInt: 'integer',
  Money: 'decimal', Decimal: 'decimal', Double: 'number', DateTime: 'datetimetz', Boolean: 'boolean',
  Picklist: 'integer', State: 'integer', Status: 'integer', Uniqueidentifier: 'uuid',
  Lookup: 'uuid', Customer: 'uuid', Owner: 'uuid',
};

const LOOKUP_TYPES = new Set(['Lookup', 'Customer', 'Owner']);
const OPTION_TYPES = ['Picklist', 'State', 'Status'] as const;

/** A custom attribute's publisher prefix (`new_region` → `new`). */
export function publisherPrefix(logicalName: string): string | undefined {
  const i = logicalName.indexOf('_');
  return i > 0 ? logicalName.slice(0, i) : undefined;
}

/** Metadata attributes → FieldInfo, including the annotation siblings the reader emits. */
export function toFields(attrs: AttributeMetadata[], options: Map<string, string[]>): FieldInfo[] {
  const fields: FieldInfo[] = [];
  for (const a of attrs) {
    if (a.AttributeOf || a.AttributeType === 'Virtual' || a.IsValidForRead === false) continue;
    const type = TYPE_MAP[a.AttributeType];
    if (!type) continue;
    const lookup = LOOKUP_TYPES.has(a.AttributeType);
    const name = lookup ? `_${a.LogicalName}_value` : a.LogicalName;
    const info: FieldInfo = {
      name,
      type: a.AttributeType === 'DateTime' && a.Format === 'DateOnly' ? 'date' : type,
      nullable: a.RequiredLevel?.Value !== 'SystemRequired',
      sourceType: a.AttributeType,
    };
    if (a.MaxLength !== undefined) info.maxLength = a.MaxLength;
    if (a.IsCustomAttribute) info.custom = true;
    if (lookup) info.references = a.Targets ?? [];
    const picklist = options.get(a.LogicalName);
    if (picklist) info.picklistValues = picklist;
    fields.push(info);
    if (picklist || lookup) fields.push({ name: `${name}@FormattedValue`, type: 'string', nullable: true, sourceType: 'FormattedValue' });
    if (lookup && (a.Targets?.length ?? 0) > 1) fields.push({ name: `${name}@lookuplogicalname`, type: 'string', nullable: true, sourceType: 'lookuplogicalname' });
  }
  return fields;
}

async function optionSets(ctx: HookContext, table: DataverseTable): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const cast of OPTION_TYPES) {
    const res = await ctx.http.request({
      path: `/EntityDefinitions(LogicalName='${table.entity}')/Attributes/Microsoft.Dynamics.CRM.${cast}AttributeMetadata`,
      query: { $select: 'LogicalName', $expand: 'OptionSet' },
      stream: table.entity,
      signal: ctx.signal,
    });
    for (const a of ((res.body as { value?: AttributeMetadata[] }).value ?? [])) {
      out.set(a.LogicalName, (a.OptionSet?.Options ?? []).map((o) => String(o.Value)));
    }
  }
  return out;
}

async function recordCounts(ctx: HookContext): Promise<Map<string, number>> {
  const res = await ctx.http.request({
    path: '/RetrieveTotalRecordCount(EntityNames=@p1)',
    query: { '@p1': JSON.stringify(DATAVERSE_TABLES.map((t) => t.entity)) },
    signal: ctx.signal,
  });
  const c = (res.body as { EntityRecordCountCollection?: { Keys?: string[]; Values?: number[] } }).EntityRecordCountCollection;
  return new Map((c?.Keys ?? []).map((k, i) => [k, Number(c?.Values?.[i] ?? 0)]));
}

export async function discoverDataverse(ctx: HookContext): Promise<DiscoveredSchema> {
  const warnings: string[] = [];
  let counts = new Map<string, number>();
  try {
    counts = await recordCounts(ctx);
  } catch (err) {
    warnings.push(`record counts unavailable: ${err instanceof Error ? err.message : String(err)}`);
  }
  const streams: StreamInfo[] = [];
  for (const table of DATAVERSE_TABLES) {
    const res = await ctx.http.request({
      path: `/EntityDefinitions(LogicalName='${table.entity}')`,
      query: { $select: 'LogicalName,EntitySetName,PrimaryIdAttribute,PrimaryNameAttribute,ChangeTrackingEnabled', $expand: 'Attributes' },
      stream: table.entity,
      signal: ctx.signal,
    });
    const body = res.body as { Attributes?: AttributeMetadata[]; ChangeTrackingEnabled?: boolean };
    const attrs = body.Attributes ?? [];
    const fields = toFields(attrs, await optionSets(ctx, table));
    const prefixes = [...new Set(fields.filter((f) => f.custom).map((f) => publisherPrefix(f.name)).filter((p): p is string => !!p))];
    if (prefixes.length) warnings.push(`${table.entity}: custom attributes with publisher prefix ${prefixes.join(', ')} (kept in metadata unless mapped)`);
    streams.push({
      entity: table.entity,
      primaryKey: [table.id],
      cursorField: 'modifiedon',
      fields,
      estimatedCount: counts.get(table.entity),
      supportsIncremental: true,
      // Deletions are read through change tracking (delta links), which the table must have enabled.
      supportsDeletes: body.ChangeTrackingEnabled === true,
    });
  }
  return { sourceSystem: 'dynamics', version: 'Dataverse Web API v9.2', streams, warnings };
}
