/**
 * The subset of OData v4 query syntax the Dataverse emulator understands: Prefer headers,
 * $select, $filter (comparisons joined by `and`), $orderby on modifiedon / the primary key, $top,
 * and Dataverse-style `$skiptoken` paging cookies (which carry the delta token of a tracked pass).
 */
import { EmulatorHttpError } from '../../sdk/emulator/index.ts';
import type { EntitySpec, RawRecord, RawValue } from './entity-types.ts';
import { allAttributes, webName } from './serialize.ts';
import type { Bounds, OrderKey } from './store.ts';

/** A Web API error: served as {"error":{"code","message"}} with this status. */
export class ODataError extends EmulatorHttpError {
  constructor(status: number, readonly code: string, message: string, headers: Record<string, string> = {}) {
    super(status, { error: { code, message } }, { 'OData-Version': '4.0', ...headers });
    this.message = message;
  }
}

export interface Preferences {
  maxPageSize?: number;
  includeAnnotations?: string;
  /** `odata.track-changes` was asked for (applied only on tables with change tracking). */
  trackChanges?: boolean;
  /** What to echo in Preference-Applied. */
  applied: string[];
}

/** Split a header on commas outside double quotes. */
function splitOutsideQuotes(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of value) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

export function parsePrefer(header: string | string[] | undefined): Preferences {
  const raw = Array.isArray(header) ? header.join(',') : header ?? '';
  const prefs: Preferences = { applied: [] };
  for (const part of splitOutsideQuotes(raw)) {
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? '' : part.slice(eq + 1).trim().replace(/^"|"$/g, '');
    if (key === 'odata.maxpagesize') {
      const n = Number(value);
      if (Number.isInteger(n) && n > 0) {
        prefs.maxPageSize = Math.min(n, 5000);
        prefs.applied.push(`odata.maxpagesize=${prefs.maxPageSize}`);
      }
    } else if (key === 'odata.include-annotations') {
      prefs.includeAnnotations = value;
      prefs.applied.push(`odata.include-annotations="${value}"`);
    } else if (key === 'odata.track-changes') {
      prefs.trackChanges = true;
    }
  }
  return prefs;
}

const notFoundProperty = (spec: EntitySpec, name: string): ODataError =>
  new ODataError(400, '0x80060888', `Could not find a property named '${name}' on type 'Microsoft.Dynamics.CRM.${spec.logicalName}'.`);

/** Web API property name → attribute logical name, for every readable property of the entity. */
export function propertyMap(spec: EntitySpec): Map<string, string> {
  const map = new Map<string, string>([[spec.primaryId, spec.primaryId]]);
  for (const a of allAttributes(spec)) map.set(webName(a), a.name);
  return map;
}

export function parseSelect(spec: EntitySpec, select: string | null): Set<string> | undefined {
  if (!select) return undefined;
  const props = propertyMap(spec);
  const out = new Set<string>();
  for (const name of select.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!props.has(name)) throw notFoundProperty(spec, name);
    out.add(name);
  }
  return out;
}

type Op = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
export interface ParsedFilter {
  bounds: Bounds;
  predicates: Array<(raw: RawRecord) => boolean>;
}

function parseLiteral(text: string): string | number | boolean | null {
  if (/^'.*'$/.test(text)) return text.slice(1, -1).replace(/''/g, "'");
  if (text === 'null') return null;
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(text)) return text;
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text)) return text.toLowerCase();
  throw new ODataError(400, '0x80060888', `Syntax error: unsupported literal '${text}' in $filter.`);
}

function compare(a: string | number | boolean, b: string | number | boolean, op: Op): boolean {
  switch (op) {
    case 'eq': return a === b;
    case 'ne': return a !== b;
    case 'gt': return a > b;
    case 'ge': return a >= b;
    case 'lt': return a < b;
    case 'le': return a <= b;
  }
}

const comparable = (v: RawValue): string | number | boolean | null =>
  v !== null && typeof v === 'object' ? (v.id ?? null) : v;

export function parseFilter(spec: EntitySpec, filter: string | null): ParsedFilter {
  const parsed: ParsedFilter = { bounds: {}, predicates: [] };
  if (!filter) return parsed;
  const props = propertyMap(spec);
  for (const clause of filter.trim().split(/\s+and\s+/i)) {
    const m = /^\(?\s*([A-Za-z_][\w]*)\s+(eq|ne|gt|ge|lt|le)\s+(.+?)\s*\)?$/.exec(clause.trim());
    if (!m) throw new ODataError(400, '0x80060888', `Syntax error: the emulator supports comparisons joined by 'and'; could not parse '${clause}'.`);
    const [, prop, opText, literalText] = m as unknown as [string, string, Op, string];
    const op = opText as Op;
    const attr = props.get(prop);
    if (!attr) throw notFoundProperty(spec, prop);
    const literal = parseLiteral(literalText.trim());
    if (attr === 'modifiedon' && typeof literal === 'string' && op !== 'eq' && op !== 'ne') {
      const at = Math.floor(Date.parse(literal.length === 10 ? `${literal}T00:00:00Z` : literal) / 1000);
      if (!Number.isFinite(at)) throw new ODataError(400, '0x80060888', `Invalid DateTimeOffset literal '${literal}'.`);
      if (op === 'ge' || op === 'gt') {
        if (!parsed.bounds.from || at > parsed.bounds.from.at) parsed.bounds.from = { at, inclusive: op === 'ge' };
      } else if (!parsed.bounds.to || at < parsed.bounds.to.at) parsed.bounds.to = { at, inclusive: op === 'le' };
      continue;
    }
    parsed.predicates.push((raw) => {
      let v = comparable(raw[attr] ?? null);
      if (attr === spec.primaryId && typeof v === 'string') v = v.toLowerCase();
      if (v === null || literal === null) return op === 'eq' ? v === literal : op === 'ne' ? v !== literal : false;
      if (typeof v === 'string' && typeof literal === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)) return compare(Date.parse(v), Date.parse(literal), op);
      return compare(v, literal, op);
    });
  }
  return parsed;
}

/** Accept `modifiedon [asc]` and/or the primary key ascending: the emulator's one physical order. */
export function checkOrderBy(spec: EntitySpec, orderby: string | null): void {
  if (!orderby) return;
  for (const term of orderby.split(',').map((t) => t.trim())) {
    const [prop, dir = 'asc'] = term.split(/\s+/);
    if ((prop !== 'modifiedon' && prop !== spec.primaryId) || dir.toLowerCase() !== 'asc') {
      throw new ODataError(400, '0x80060888', `The emulator orders ${spec.entitySetName} by 'modifiedon asc' and '${spec.primaryId} asc' only; got '${term}'.`);
    }
  }
}

/** Dataverse paging cookie, as it appears (URL-encoded) in $skiptoken. */
export function encodeSkipToken(spec: EntitySpec, page: number, last: { key: OrderKey; id: string }, first: { key: OrderKey; id: string }, deltaToken?: string): string {
  const iso = (s: number): string => new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const inner =
    `<cookie page="${page}"><modifiedon last="${iso(last.key.modifiedon)}" first="${iso(first.key.modifiedon)}" />` +
    `<${spec.primaryId} last="{${last.id.toUpperCase()}}" first="{${first.id.toUpperCase()}}" /></cookie>`;
  return `<cookie pagenumber="${page + 1}" pagingcookie="${encodeURIComponent(encodeURIComponent(inner))}" istracking="${deltaToken === undefined ? 'False' : `True" deltatoken="${encodeURIComponent(deltaToken)}`}" />`;
}

export interface DecodedSkipToken {
  pageNumber: number;
  lastModified: number;
  lastId: string;
  /** The change-tracking start of a tracked pass (`odata.track-changes` on its first page). */
  deltaToken?: string;
}

export function decodeSkipToken(spec: EntitySpec, token: string): DecodedSkipToken {
  const bad = (): ODataError => new ODataError(400, '0x80040203', `Invalid $skiptoken for ${spec.entitySetName}.`);
  const page = /pagenumber="(\d+)"/.exec(token);
  const cookie = /pagingcookie="([^"]*)"/.exec(token);
  if (!page || !cookie) throw bad();
  let inner: string;
  try {
    inner = decodeURIComponent(decodeURIComponent(cookie[1]!));
  } catch {
    throw bad();
  }
  const mod = /<modifiedon last="([^"]+)"/.exec(inner);
  const id = new RegExp(`<${spec.primaryId} last="\\{?([0-9A-Fa-f-]{36})\\}?"`).exec(inner);
  if (!mod || !id) throw bad();
  const lastModified = Date.parse(mod[1]!) / 1000;
  if (!Number.isFinite(lastModified)) throw bad();
  const tracking = /deltatoken="([^"]*)"/.exec(token)?.[1];
  let deltaToken: string | undefined;
  try {
    deltaToken = tracking === undefined ? undefined : decodeURIComponent(tracking);
  } catch {
    throw bad();
  }
  return { pageNumber: Number(page[1]), lastModified, lastId: id[1]!.toLowerCase(), deltaToken };
}
