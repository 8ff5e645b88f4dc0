/**
 * Compile a mapping once, against the introspected target, into plain per-entity functions.
 * Problems with the mapping itself (unknown columns, unmapped required columns, refs to entities
 * the mapping does not load) are reported together, up front, before anything loads.
 */
import type { EntityMapping, FieldRule, Mapping, OrphanPolicy } from '../../../shared/mapping/schema.ts';
import { targetId } from '../../../shared/ids.ts';
import type { TargetCatalog, TargetColumn, TargetTable } from '../target/introspect.ts';
import { ConversionFailure, convertValue, jsonSafe, checkText } from './convert.ts';
import { compileCompute, composeObject, consumedFields, getPath, type Fields } from './fields.ts';
import { MappingError } from './load.ts';
import type { WarningSink } from './warnings.ts';
import { compileMatch, type CompiledMatch } from './match.ts';

const SAFE_KINDS = new Set(['uuid', 'integer', 'bigint', 'smallint', 'numeric', 'boolean', 'date', 'timestamptz', 'timestamp']);

/** Columns the engine itself fills on every row. */
export const ENGINE_COLUMNS = ['id', 'tenant_id', 'source_system', 'source_entity', 'source_id', 'metadata'] as const;

export interface RefValue {
  colIndex: number;
  column: string;
  refEntity: string;
  refTable: string;
  refSourceId: string;
  refId: string;
  deferred: boolean;
  policy: OrphanPolicy;
}

export type Outcome =
  | { kind: 'row'; id: string; values: (string | null)[]; refs: RefValue[] }
  | { kind: 'quarantine'; field: string | null; reason: string }
  | { kind: 'skip'; reason: string };

/** A record's normalised source id, or why it has none the engine can load under. */
export type Admission = { kind: 'key'; sourceId: string } | { kind: 'quarantine'; field: string | null; reason: string };

export interface OwnerResolver {
  /** Target user id for a source user id: the matched user, the fallback owner, or null. */
  resolve(sourceUserId: string): string | null;
}

export interface CompiledEntity {
  entity: string;
  idEntity: string;
  target: string;
  columns: string[];
  /** Columns whose value the merge must not overwrite on update (filled later by the link phase). */
  deferredColumns: string[];
  refTables: string[];
  /** Columns holding non-deferred references (checked for orphans). */
  refColumns: string[];
  /** Per column: values can never hold a backslash, tab or newline (COPY skips escaping them). */
  safe: boolean[];
  /** Columns marked `unique: true` (business keys), with the source field each comes from. */
  uniqueColumns: { column: string; colIndex: number; field: string }[];
  /** Match rules against rows a live tenant already has (`match:`), if the entity declares them. */
  match: CompiledMatch | null;
  /** Entities this one references that declare match rules: a reference to one of their records may name a matched row. */
  matchedRefEntities: string[];
  /** First step for every record: a source reject, or a missing/blank/unsafe key, quarantines it; otherwise its normalised id. */
  admit(rec: { sourceId: string; reject?: { reason: string; field?: string | null } }): Admission;
  /** Second step, with the id `admit` returned. */
  transform(sourceId: string, fields: Fields): Outcome;
  /** The source field a target column is loaded from (its `from:`/`owner:`), else the column itself: how a database refusal is named. */
  fieldOf(column: string): string;
}

export interface CompileContext {
  mapping: Mapping;
  catalog: TargetCatalog;
  tenantId: string;
  /** (entity, column) pairs whose reference is linked after all entities load. */
  deferred: Set<string>;
  owners: OwnerResolver;
  warnings: WarningSink;
}

/** Why a field of a record cannot load. */
class FieldFailure {
  constructor(readonly field: string | null, readonly reason: string) {}
}

/** Fills one column: its COPY text, null, or a failure (refs collects the references it resolved). */
type Evaluator = (sourceId: string, f: Fields, refs: RefValue[]) => string | null | FieldFailure;

function ruleOf(r: string | FieldRule): FieldRule {
  return typeof r === 'string' ? { from: r } : r;
}

function refEntities(rule: FieldRule): string[] {
  if (!rule.ref) return [];
  return [...(rule.ref.entity ? [rule.ref.entity] : []), ...Object.values(rule.ref.byPrefix ?? {}), ...Object.values(rule.ref.byField?.map ?? {})];
}

/** Every (entity → referenced entity, column) edge in the mapping; owner refs excluded. */
export function referenceEdges(mapping: Mapping): { from: string; to: string; column: string }[] {
  const edges: { from: string; to: string; column: string }[] = [];
  for (const [entity, em] of Object.entries(mapping.entities)) {
    for (const [column, raw] of Object.entries(em.fields)) {
      for (const to of refEntities(ruleOf(raw))) edges.push({ from: entity, to, column });
    }
  }
  return edges;
}

export function compileMapping(ctx: CompileContext): Map<string, CompiledEntity> {
  const problems: string[] = [];
  const out = new Map<string, CompiledEntity>();
  const tenantDefault = ctx.mapping.defaults.tenant_id;
  if (tenantDefault !== undefined && tenantDefault !== ctx.tenantId) {
    problems.push(`defaults.tenant_id (${String(tenantDefault)}) differs from the run's tenant (${ctx.tenantId})`);
  }
  for (const [entity, em] of Object.entries(ctx.mapping.entities)) {
    const table = ctx.catalog.get(em.target);
    if (!table) {
      problems.push(`entity ${entity}: target table "${em.target}" does not exist in the target database`);
      continue;
    }
    if (em.match && ctx.mapping.owners?.entity === entity) problems.push(`entity ${entity}: match rules do not apply to the owners entity (its users are matched by ${ctx.mapping.owners.emailField}, never loaded)`);
    const compiled = compileEntity(ctx, entity, em, table, problems);
    if (compiled) out.set(entity, compiled);
  }
  if (problems.length) throw new MappingError(`mapping does not fit the target database:\n  ${problems.join('\n  ')}`);
  return out;
}

function compileEntity(ctx: CompileContext, entity: string, em: EntityMapping, table: TargetTable, problems: string[]): CompiledEntity | null {
  const { mapping, tenantId } = ctx;
  const columns: string[] = [...ENGINE_COLUMNS].filter((c) => table.columns.has(c));
  const missingEngine = ENGINE_COLUMNS.filter((c) => !table.columns.has(c));
  if (missingEngine.length) problems.push(`entity ${entity}: table ${table.name} lacks required column(s) ${missingEngine.join(', ')}`);
  const evaluators: { colIndex: number; ev: Evaluator }[] = [];
  const consumed = new Set<string>(em.ignoreFields);
  const deferredColumns: string[] = [];
  const refTables = new Set<string>();
  const refColumns: string[] = [];
  const uniqueColumns: { column: string; colIndex: number; field: string }[] = [];
  const sourceFields = new Map<string, string>();

  const rules: [string, FieldRule][] = Object.entries(em.fields).map(([c, r]) => [c, ruleOf(r)]);
  for (const [col, value] of Object.entries(mapping.defaults)) {
    if (col === 'tenant_id' || em.fields[col] !== undefined) continue;
    if (table.columns.has(col)) rules.push([col, { const: value }]);
  }
  for (const [column, rule] of rules) {
    const col = table.columns.get(column);
    if (!col) {
      problems.push(`entity ${entity}: column "${column}" does not exist in ${table.name}`);
      continue;
    }
    if ((ENGINE_COLUMNS as readonly string[]).includes(column) && column !== 'metadata') {
      problems.push(`entity ${entity}: column "${column}" is filled by the engine and cannot be mapped`);
      continue;
    }
    for (const f of consumedFields(rule)) consumed.add(f);
    for (const to of refEntities(rule)) {
      const target = mapping.entities[to]?.target;
      if (!target) problems.push(`entity ${entity}: column "${column}" references entity ${to}, which the mapping does not load`);
      else refTables.add(target);
    }
    const deferred = ctx.deferred.has(`${entity}.${column}`);
    if (deferred) deferredColumns.push(column);
    else if (rule.ref) refColumns.push(column);
    const colIndex = columns.length;
    columns.push(column);
    if (rule.unique) uniqueColumns.push({ column, colIndex, field: rule.from ?? column });
    sourceFields.set(column, rule.from ?? rule.owner ?? column);
    evaluators.push({ colIndex, ev: compileField(ctx, entity, column, col, rule, colIndex, deferred) });
  }
  for (const c of table.order) {
    const col = table.columns.get(c)!;
    if (!col.nullable && !col.hasDefault && !columns.includes(c)) {
      problems.push(`entity ${entity}: required column ${table.name}.${c} is not mapped`);
    }
  }
  const metaIndex = columns.indexOf('metadata');
  const keepUnmapped = em.unmappedFields === 'metadata';
  const idEntity = em.idEntity ?? entity;
  const skips = em.skipWhen.map((cond) => Object.entries(cond));
  const reported = new Set<string>();
  const fieldOf = (column: string): string => sourceFields.get(column) ?? column;
  const match = em.match
    ? compileMatch(em.match, {
      entity, table, columns, mapped: Object.keys(em.fields), deferredColumns, fieldOf,
      composedField: (column, path) => { const r = em.fields[column]; return typeof r === 'object' ? (r.address ?? r.object)?.[path] : undefined; },
    }, problems)
    : null;
  const matchedRefEntities = [...new Set(Object.values(em.fields).flatMap((r) => refEntities(ruleOf(r))))].filter((e) => mapping.entities[e]?.match);

  return {
    entity,
    idEntity,
    fieldOf,
    match,
    matchedRefEntities,
    target: table.name,
    columns,
    deferredColumns,
    refTables: [...refTables],
    refColumns,
    safe: columns.map((c) => SAFE_KINDS.has(table.columns.get(c)!.kind)),
    uniqueColumns,
    admit(rec): Admission {
      if (rec.reject) return { kind: 'quarantine', field: rec.reject.field ?? null, reason: rec.reject.reason };
      const trimmed = rec.sourceId.trim();
      if (trimmed === '') return { kind: 'quarantine', field: '(source id)', reason: 'missing key: the source id is empty' };
      if (trimmed !== rec.sourceId && em.idWhitespace === 'refuse') {
        return { kind: 'quarantine', field: '(source id)', reason: `source id ${JSON.stringify(rec.sourceId)} has surrounding whitespace (idWhitespace: refuse)` };
      }
      const idProblem = checkText(trimmed);
      if (idProblem) return { kind: 'quarantine', field: '(source id)', reason: `source id ${idProblem}` };
      return { kind: 'key', sourceId: trimmed };
    },
    transform(sourceId: string, fields: Fields): Outcome {
      for (const cond of skips) {
        if (cond.every(([k, v]) => getPath(fields, k) === v)) return { kind: 'skip', reason: `skipWhen ${cond.map(([k, v]) => `${k}=${String(v)}`).join(',')}` };
      }
      const id = targetId(tenantId, mapping.sourceSystem, idEntity, sourceId);
      const values: (string | null)[] = new Array(columns.length).fill(null);
      values[0] = id;
      values[1] = tenantId;
      values[2] = mapping.sourceSystem;
      values[3] = entity;
      values[4] = sourceId;
      const refs: RefValue[] = [];
      for (const { colIndex, ev } of evaluators) {
        const r = ev(sourceId, fields, refs);
        if (r instanceof FieldFailure) return { kind: 'quarantine', field: r.field, reason: r.reason };
        values[colIndex] = r;
      }
      if (metaIndex >= 0) {
        const extra: Record<string, unknown> = {};
        let any = false;
        for (const k of Object.keys(fields)) {
          if (consumed.has(k) || k.startsWith('__')) continue;
          extra[k] = fields[k];
          any = true;
          if (!reported.has(k)) {
            reported.add(k);
            ctx.warnings.unmappedField(entity, k);
          }
        }
        const meta = keepUnmapped && any ? JSON.stringify(jsonSafe({ source: extra })) : '{}';
        const tooBig = metadataTooBig(meta, extra);
        if (tooBig) return { kind: 'quarantine', field: tooBig.field, reason: tooBig.reason };
        values[metaIndex] = meta;
      }
      return { kind: 'row', id, values, refs };
    },
  };
}

/** Unmapped source fields kept in metadata may total at most this many bytes per record (FORMAT.md). */
export const METADATA_MAX_BYTES = 256 * 1024;

const kb = (n: number): string => (n >= 1000 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`);

/** A record whose unmapped fields would make an oversized metadata value, naming the largest field. */
function metadataTooBig(meta: string, extra: Record<string, unknown>): { field: string; reason: string } | null {
  if (meta.length <= METADATA_MAX_BYTES / 3) return null; // at most 3 UTF-8 bytes per UTF-16 unit
  const bytes = Buffer.byteLength(meta, 'utf8');
  if (bytes <= METADATA_MAX_BYTES) return null;
  let field = '';
  let size = -1;
  for (const [k, v] of Object.entries(extra)) {
    const n = Buffer.byteLength(typeof v === 'string' ? v : JSON.stringify(v) ?? '', 'utf8');
    if (n > size) [field, size] = [k, n];
  }
  return {
    field,
    reason: `unmapped fields would make metadata ${kb(bytes)}, over the ${kb(METADATA_MAX_BYTES)} limit; ${field} alone is ${kb(size)} (map it to a column with a maxLength, or list it in ignoreFields)`,
  };
}

/**
 * Parent ids are UUIDv5 hashes; many children name the same parent, so recent ones are cached per
 * (tenant, source system, entity), keyed by the short source id. Bounded: a map that fills is
 * cleared, so memory stays flat however large the run. A key is copied before it is kept: a
 * decoded id is often a V8 slice of a much larger string (msgpack and CSV decoders slice), and a
 * cached slice would keep its whole parent alive (a heap snapshot of a 300k agent run showed
 * 66 MB held that way).
 */
const REF_CACHE_MAX = 50_000;
/** V8 makes slices only of strings of 13 characters or more; shorter ones are already copies. */
const ownCopy = (s: string): string => (s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8'));
const refCaches = new Map<string, Map<string, string>>();

function refIdCache(tenantId: string, sourceSystem: string): { get(entity: string, sourceId: string): string } {
  const byEntity = new Map<string, Map<string, string>>();
  const cacheFor = (entity: string): Map<string, string> => {
    let m = byEntity.get(entity);
    if (!m) {
      const key = `${tenantId}\u0000${sourceSystem}\u0000${entity}`;
      m = refCaches.get(key);
      if (!m) {
        if (refCaches.size >= 32) refCaches.clear(); // a long-lived control plane serves many tenants
        m = new Map<string, string>();
        refCaches.set(key, m);
      }
      byEntity.set(entity, m);
    }
    return m;
  };
  return {
    get(entity, sourceId) {
      const cache = cacheFor(entity);
      let id = cache.get(sourceId);
      if (id === undefined) {
        if (cache.size >= REF_CACHE_MAX) cache.clear();
        id = targetId(tenantId, sourceSystem, entity, sourceId);
        cache.set(ownCopy(sourceId), id);
      }
      return id;
    },
  };
}

function compileField(ctx: CompileContext, entity: string, column: string, col: TargetColumn, rule: FieldRule, colIndex: number, deferred: boolean): Evaluator {
  const { mapping, tenantId, warnings } = ctx;
  const field = rule.from ?? rule.owner ?? column;
  const compute = rule.compute ? compileCompute(rule.compute) : null;
  const unmapped = rule.unmapped ?? mapping.picklists.unmapped;
  const lowerValues = rule.values ? new Map(Object.entries(rule.values).map(([k, v]) => [k.toLowerCase(), v])) : null;
  const policy: OrphanPolicy = rule.ref?.onOrphan ?? mapping.orphans;
  const opts = { truncate: rule.truncate, assumeZone: rule.assumeZone, maxLength: rule.maxLength, minDate: rule.minDate, maxDate: rule.maxDate, locale: rule.locale };
  const trustedId = (rule.ref !== undefined || rule.owner !== undefined) && rule.values === undefined && rule.default === undefined;
  const refIds = refIdCache(tenantId, mapping.sourceSystem);
  const declared: TargetColumn | null = rule.type && rule.type !== col.kind ? { ...col, kind: rule.type as TargetColumn['kind'], maxLength: null, allowed: null, precision: null, scale: null } : null;

  const raw = (sourceId: string, f: Fields, refs: RefValue[]): unknown => {
    if (rule.const !== undefined) return rule.const;
    if (rule.address) return composeObject(f, rule.address);
    if (rule.object) return composeObject(f, rule.object);
    if (compute) return compute(f);
    if (rule.owner !== undefined) {
      const u = getPath(f, rule.owner);
      return u === null || u === undefined || u === '' ? null : ctx.owners.resolve(String(u));
    }
    const v = getPath(f, rule.from ?? column);
    if (rule.ref && v !== null && v !== undefined && v !== '') {
      const refSourceId = String(v);
      let refEntity = rule.ref.entity;
      if (rule.ref.byPrefix) refEntity = Object.entries(rule.ref.byPrefix).find(([p]) => refSourceId.startsWith(p))?.[1] ?? refEntity;
      if (rule.ref.byField) refEntity = rule.ref.byField.map[String(getPath(f, rule.ref.byField.field))] ?? refEntity;
      if (!refEntity) return null; // polymorphic reference to an entity this mapping does not load
      const refMapping = mapping.entities[refEntity]!;
      const refId = refIds.get(refMapping.idEntity ?? refEntity, refSourceId);
      refs.push({ colIndex, column, refEntity, refTable: refMapping.target, refSourceId, refId, deferred, policy });
      void sourceId;
      return deferred ? null : refId;
    }
    return v;
  };

  // Composed objects (address, object) hold source text: check each piece as a text column would be.
  const composed = rule.address ?? rule.object;
  return (sourceId, f, refs) => {
    let v = raw(sourceId, f, refs);
    if (composed && v !== null && typeof v === 'object') {
      for (const [key, path] of Object.entries(composed)) {
        const piece = (v as Record<string, unknown>)[key];
        const problem = typeof piece === 'string' ? checkText(piece) : null;
        if (problem) return new FieldFailure(path, `${path} ${problem} (column ${column}.${key})`);
      }
    }
    if (rule.values && v !== null && v !== undefined && v !== '') {
      const key = String(v);
      const mapped = rule.values[key] ?? lowerValues!.get(key.toLowerCase());
      if (mapped !== undefined) v = mapped;
      else {
        warnings.picklist(entity, field, key, unmapped.policy);
        if (unmapped.policy === 'quarantine') return new FieldFailure(field, `value ${JSON.stringify(key)} of ${field} has no mapping for ${column} (add it to the picklist map)`);
        if (unmapped.policy === 'default') v = unmapped.value;
        else if (unmapped.policy === 'null') v = null;
      }
    }
    if ((v === null || v === undefined || v === '') && rule.default !== undefined) v = rule.default;
    if ((v === null || v === undefined || v === '') && (rule.required || (!col.nullable && !col.hasDefault))) {
      if (deferred) return null;
      return new FieldFailure(field, `required ${field} is missing (column ${column})`);
    }
    // References and owners are ids this engine computed: already valid uuids.
    if (trustedId && typeof v === 'string' && col.kind === 'uuid') return v;
    if (declared && v !== null && v !== undefined && v !== '') {
      // A declared `type` is enforced: the value must parse as that type, then loads in the column.
      const d = convertValue(v, declared, opts);
      if (d instanceof ConversionFailure) return new FieldFailure(field, `${field} ${d.reason} (declared type ${rule.type}, column ${column})`);
      v = d;
    }
    const c = convertValue(v, col, opts);
    if (c instanceof ConversionFailure) return new FieldFailure(field, `${field} ${c.reason} (column ${column})`);
    if (c === null && !col.nullable && col.hasDefault) {
      // COPY cannot say DEFAULT: write the column's default value itself.
      if (col.defaultText === undefined) return new FieldFailure(field, `${field} is missing and column ${column} has a default the loader cannot evaluate`);
      return col.defaultText === 'now()' ? new Date().toISOString() : col.defaultText;
    }
    return c;
  };
}
