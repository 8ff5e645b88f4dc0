/**
 * Discovery: match the introspected database against platform descriptions. Recognises the
 * platform (and a version marker) from its tables, then builds one read plan per entity while
 * tolerating drift: a renamed column is found through its aliases, a missing one is left out,
 * an extra one is read under its own name, each with a clear warning.
 */
import type { DiscoveredSchema, FieldInfo, StreamInfo } from '../../shared/connector.ts';
import type { EntitySpec, PlatformDescription } from './platform-description.ts';
import type { ColumnMeta, NormalType, ReadPlan, SelectColumn, TableMeta } from './types.ts';
import { fieldInfoType } from './values.ts';

export interface Recognition {
  platform: string;
  version?: string;
  /** Share of the recognition tables present (1 = all). */
  score: number;
}

const lc = (s: string): string => s.toLowerCase();
/** Carry the introspector's "read this text column as bytes" mark onto what the reader selects. */
const raw = (c: ColumnMeta): { rawText?: true } => (c.rawText ? { rawText: true } : {});

function findTable(tables: TableMeta[], names: string[]): TableMeta | undefined {
  const wanted = new Set(names.map(lc));
  return tables.find((t) => wanted.has(lc(t.name)));
}

function findColumn(table: TableMeta, name: string): ColumnMeta | undefined {
  return table.columns.find((c) => lc(c.name) === lc(name));
}

/** The best-matching platform (all recognition tables present beats partial), or undefined. */
export function recognisePlatform(tables: TableMeta[], descriptions: PlatformDescription[]): Recognition | undefined {
  let best: Recognition | undefined;
  for (const d of descriptions) {
    const present = d.recognise.tables.filter((t) => findTable(tables, [t])).length;
    const score = present / d.recognise.tables.length;
    if (score >= 0.5 && (!best || score > best.score)) {
      let version: string | undefined;
      for (const v of d.versions) {
        const t = findTable(tables, [v.table]);
        if (t && (!v.column || findColumn(t, v.column))) { version = v.version; break; }
      }
      best = { platform: d.platform, version, score };
    }
  }
  return best;
}

export interface DiscoveryResult {
  schema: DiscoveredSchema;
  plans: Map<string, ReadPlan>;
}

/** Resolve every described entity against the database. */
export function discoverPlatform(tables: TableMeta[], d: PlatformDescription, dbSchema: string | undefined, version?: string): DiscoveryResult {
  const warnings: string[] = [];
  const plans = new Map<string, ReadPlan>();
  const streams: StreamInfo[] = [];
  for (const e of d.entities) {
    if (e.internal) continue;
    const table = findTable(tables, [e.table, ...e.tableAliases]);
    if (!table) {
      warnings.push(`${d.platform}: table ${e.table} (entity ${e.entity}) not found; entity skipped`);
      continue;
    }
    if (lc(table.name) !== lc(e.table)) warnings.push(`${d.platform}: table ${e.table} found under its other name ${table.name}`);
    const resolved = resolveEntity(e, table, tables, d.platform, warnings);
    if (!resolved) continue;
    const plan: ReadPlan = { ...resolved, schema: dbSchema };
    plans.set(e.entity, plan);
    streams.push(streamInfo(plan, e, table));
  }
  return { schema: { sourceSystem: d.platform, version, streams, warnings }, plans };
}

function resolveEntity(
  e: EntitySpec, table: TableMeta, tables: TableMeta[], platform: string, warnings: string[],
): Omit<ReadPlan, 'schema'> | undefined {
  const where = `${platform}: ${table.name}`;
  const used = new Set<string>();
  const columns: SelectColumn[] = [];
  const byField = new Map<string, SelectColumn>();
  for (const spec of e.columns) {
    let col = findColumn(table, spec.name);
    if (!col) {
      for (const a of spec.aliases) {
        col = findColumn(table, a);
        if (col) { warnings.push(`${where}: column ${spec.name} found under its renamed form ${col.name}; read as ${spec.name}`); break; }
      }
    }
    if (!col) {
      warnings.push(`${where}: expected column ${spec.name} is missing; records will not carry it`);
      continue;
    }
    used.add(lc(col.name));
    const type: NormalType = col.type === 'string' && spec.type === 'uuid' ? 'uuid' : col.type;
    const sc = { column: col.name, field: spec.name, type, ...raw(col) };
    columns.push(sc);
    byField.set(spec.name, sc);
  }
  for (const col of table.columns) {
    if (used.has(lc(col.name))) continue;
    warnings.push(`${where}: extra column ${col.name} is not in the ${platform} description; read as-is (lands in metadata)`);
    const sc = { column: col.name, field: col.name, type: col.type, ...raw(col) };
    columns.push(sc);
    byField.set(col.name, sc);
  }
  const key = e.key.map((k) => byField.get(k));
  if (key.some((k) => !k)) {
    warnings.push(`${where}: key column(s) ${e.key.join(', ')} missing; entity ${e.entity} skipped`);
    return undefined;
  }
  let modified: SelectColumn | undefined;
  if (e.modified) {
    modified = byField.get(e.modified);
    if (!modified) warnings.push(`${where}: modified column ${e.modified} missing; ${e.entity} supports full reads only`);
  }
  const lookups: ReadPlan['lookups'] = [];
  for (const l of e.lookups) {
    const lt = findTable(tables, [l.table]);
    const lcCol = lt && findColumn(lt, l.column);
    const lm = lt && findColumn(lt, l.match);
    const leq = l.equals && lt ? findColumn(lt, l.equals.column) : undefined;
    const local = l.local ? byField.get(l.local) : key[0];
    if (!lt || !lcCol || !lm || !local || (l.equals && !leq)) {
      warnings.push(`${where}: lookup ${l.field} needs ${l.table}.${l.column}/${l.match}${l.local ? ` and ${l.local}` : ''}, not found; field omitted`);
      continue;
    }
    lookups.push({
      field: l.field, table: lt.name, column: lcCol.name, matchColumn: lm.name, keyColumn: local.column,
      ...(l.equals && leq ? { equals: { column: leq.name, value: l.equals.value } } : {}),
      type: lcCol.type === 'string' && l.type === 'uuid' ? 'uuid' : lcCol.type,
      ...raw(lcCol),
    });
  }
  return { entity: e.entity, table: table.name, key: key as SelectColumn[], modified, columns, lookups, derived: e.derived };
}

function streamInfo(plan: ReadPlan, e: EntitySpec | undefined, table: TableMeta): StreamInfo {
  const fields: FieldInfo[] = plan.columns.map((c) => {
    const meta = findColumn(table, c.column);
    const spec = e?.columns.find((s) => s.name === c.field);
    return {
      name: c.field,
      type: fieldInfoType(c.type),
      nullable: meta?.nullable,
      maxLength: meta?.maxLength,
      sourceType: meta?.dbType,
      custom: spec === undefined,
      references: spec?.references ? [spec.references] : undefined,
    };
  });
  for (const l of plan.lookups) fields.push({ name: l.field, type: fieldInfoType(l.type), nullable: true, sourceType: `lookup ${l.table}.${l.column}` });
  for (const d of plan.derived) fields.push({ name: d.field, type: d.mode === 'all' ? 'json' : 'string', nullable: d.mode === 'first', sourceType: 'derived' });
  return {
    entity: plan.entity,
    primaryKey: plan.key.map((k) => k.field),
    cursorField: plan.modified?.field,
    fields,
    estimatedCount: table.estimatedRows,
    supportsIncremental: plan.modified !== undefined,
    supportsDeletes: false,
  };
}

/** Without a recognised platform: every table with a primary key is an entity named after it. */
export function discoverGeneric(tables: TableMeta[], dbSchema: string | undefined, sourceSystem: string): DiscoveryResult {
  const warnings: string[] = [];
  const plans = new Map<string, ReadPlan>();
  const streams: StreamInfo[] = [];
  for (const t of tables) {
    if (t.primaryKey.length === 0) {
      warnings.push(`${sourceSystem}: table ${t.name} has no primary key; not readable with keyset paging, skipped`);
      continue;
    }
    const columns = t.columns.map((c) => ({ column: c.name, field: c.name, type: c.type, ...raw(c) }));
    const key = t.primaryKey.map((k) => columns.find((c) => c.column === k)!);
    const plan: ReadPlan = { entity: t.name, table: t.name, schema: dbSchema, key, columns, lookups: [], derived: [] };
    plans.set(t.name, plan);
    streams.push(streamInfo(plan, undefined, t));
  }
  return { schema: { sourceSystem, streams, warnings }, plans };
}
