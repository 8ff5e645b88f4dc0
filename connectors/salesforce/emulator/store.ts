/**
 * The emulated org's data: generated records plus a small overlay of edits and deletions made while
 * the emulator runs (faults, tests, demos). Queries run as resumable cursors over record indices, so
 * a result set is never materialised. Every mutation gets a sequence number; a query or Bulk job sees
 * the org as of the sequence number it started at (a snapshot), as Salesforce's own cursors do.
 */
import type { SfObject } from './catalog.ts';
import { OBJECT_BY_PREFIX } from './catalog.ts';
import { counts, generate, modstampOf, type DataSet, type RawRecord, type RawValue } from './generate.ts';
import { parseSfId, sfDate, sfId } from './ids.ts';
import type { Condition, Literal, SoqlQuery } from './soql.ts';

interface Mutation { seq: number; modstamp: number; fields: RawRecord; deleted: boolean }

export interface Row { id: string; deleted: boolean; values: Record<string, unknown>; raw: RawRecord }

export interface Cursor {
  query: SoqlQuery;
  includeDeleted: boolean;
  snapshot: number;
  /** First generated index that can match (binary search on monotonic timestamp/Id bounds). */
  start: number;
  /** Overlay indices visible to this snapshot, in mutation order (they come after generated rows). */
  overlay: number[];
  phase: 0 | 1;
  next: number;
  matched: number;
  done: boolean;
}

const MONOTONIC = new Set(['SystemModstamp', 'LastModifiedDate', 'CreatedDate', 'Id']);

export class OrgStore {
  private seq = 0;
  private lastStamp = 0;
  private readonly overlay = new Map<string, Map<number, Mutation>>();

  constructor(readonly data: DataSet) {}

  get sequence(): number {
    return this.seq;
  }

  count(obj: SfObject): number {
    return counts(this.data, obj);
  }

  /**
   * Edit a record now: its SystemModstamp and LastModifiedDate move to the current time, or to `at`
   * (epoch ms, floored to the second) when given, e.g. to land exactly on a client's high-water mark.
   */
  modify(obj: SfObject, index: number, fields: RawRecord, at?: number): void {
    this.mutate(obj, index, fields, false, at);
  }

  /** Delete a record now (it goes to the recycle bin: visible to queryAll with IsDeleted = true). */
  remove(obj: SfObject, index: number): void {
    this.mutate(obj, index, {}, true);
  }

  private mutate(obj: SfObject, index: number, fields: RawRecord, deleted: boolean, at?: number): void {
    if (index < 0 || index >= this.count(obj)) throw new RangeError(`no ${obj.name} record at index ${index}`);
    let m = this.overlay.get(obj.name);
    if (!m) this.overlay.set(obj.name, (m = new Map()));
    const prev = m.get(index);
    // Salesforce timestamps have whole-second resolution: edits in the same second tie (clients must
    // compare with >= and remember the ids at the boundary).
    const stamp = at === undefined ? (this.lastStamp = Math.max(Math.floor(Date.now() / 1000) * 1000, this.lastStamp)) : Math.floor(at / 1000) * 1000;
    m.delete(index);
    m.set(index, { seq: ++this.seq, modstamp: stamp, fields: { ...prev?.fields, ...fields }, deleted: deleted || (prev?.deleted ?? false) });
  }

  /** Ids of records edited or deleted while the emulator ran, oldest change first. */
  changed(obj: SfObject): string[] {
    return [...(this.overlay.get(obj.name)?.entries() ?? [])].sort((a, b) => a[1].seq - b[1].seq).map(([i]) => sfId(obj.keyPrefix, i));
  }

  /** Record `index` as seen by `snapshot` (mutations after it are invisible). */
  record(obj: SfObject, index: number, snapshot = Number.MAX_SAFE_INTEGER): { values: RawRecord; deleted: boolean } {
    const base = generate(this.data, obj, index);
    const m = this.overlay.get(obj.name)?.get(index);
    if (!m || m.seq > snapshot) return { values: base, deleted: false };
    const values: RawRecord = { ...base, ...m.fields, SystemModstamp: m.modstamp, LastModifiedDate: m.modstamp };
    if (m.deleted) values.IsDeleted = true;
    return { values, deleted: m.deleted };
  }

  /** Look a record up by id (for child-to-parent fields). */
  byId(id: string, snapshot: number): RawRecord | undefined {
    const parsed = parseSfId(id);
    const obj = parsed && OBJECT_BY_PREFIX.get(parsed.keyPrefix);
    if (!parsed || !obj || parsed.index >= this.count(obj)) return undefined;
    const r = this.record(obj, parsed.index, snapshot);
    return r.deleted ? undefined : r.values;
  }

  open(query: SoqlQuery, includeDeleted: boolean): Cursor {
    const snapshot = this.seq;
    const entries = [...(this.overlay.get(query.object.name)?.entries() ?? [])].filter(([, m]) => m.seq <= snapshot);
    entries.sort((a, b) => a[1].seq - b[1].seq);
    return { query, includeDeleted, snapshot, start: this.lowerBound(query), overlay: entries.map(([i]) => i), phase: 0, next: 0, matched: 0, done: false };
  }

  /** Up to `max` more rows from the cursor (fewer only at the end). */
  take(c: Cursor, max: number): Row[] {
    const out: Row[] = [];
    const { query } = c;
    const n = this.count(query.object);
    const moved = new Set(c.overlay);
    if (c.phase === 0 && c.next < c.start) c.next = c.start;
    while (out.length < max && !c.done) {
      if (query.limit !== undefined && c.matched >= (query.offset ?? 0) + query.limit) { c.done = true; break; }
      let index: number;
      if (c.phase === 0) {
        if (c.next >= n) { c.phase = 1; c.next = 0; continue; }
        index = c.next++;
        if (moved.has(index)) continue;
      } else {
        if (c.next >= c.overlay.length) { c.done = true; break; }
        index = c.overlay[c.next++]!;
      }
      const r = this.record(query.object, index, c.snapshot);
      if (r.deleted && !c.includeDeleted) continue;
      if (!this.matches(query, r.values, c.snapshot)) continue;
      c.matched++;
      if (c.matched <= (query.offset ?? 0)) continue;
      out.push({ id: String(r.values.Id), deleted: r.deleted, values: this.project(query, r.values, c.snapshot), raw: r.values });
    }
    return out;
  }

  /**
   * Advance the cursor past up to `max` rows without producing them; returns how many it passed. Rows
   * of a query filtered only by a timestamp/Id lower bound need no generation in the generated phase.
   */
  skip(c: Cursor, max: number): number {
    const { query } = c;
    const simple = query.where.length === 0 || (query.where.length === 1 && query.where[0]!.every((x) => isLowerBound(x)));
    if (!simple || c.phase !== 0 || query.limit !== undefined || query.offset !== undefined) return this.take(c, max).length;
    const n = this.count(query.object);
    const moved = new Set(c.overlay);
    if (c.next < c.start) c.next = c.start;
    let passed = 0;
    while (passed < max && c.next < n) {
      if (!moved.has(c.next)) passed++;
      c.next++;
    }
    if (passed < max) {
      c.phase = 1;
      c.next = 0;
      passed += this.take(c, max - passed).length;
    }
    return passed;
  }

  /** The number of rows the query returns (cheap when the filter is only a timestamp/Id lower bound). */
  total(query: SoqlQuery, includeDeleted: boolean): number {
    const c = this.open(query, includeDeleted);
    const n = this.count(query.object);
    const simple = query.where.length === 0 || (query.where.length === 1 && query.where[0]!.every((x) => isLowerBound(x)));
    let total: number;
    if (simple && query.offset === undefined) {
      total = Math.max(0, n - c.start) - c.overlay.filter((i) => i >= c.start).length;
      c.phase = 1;
      while (this.take(c, 10_000).length > 0) { /* counts overlay matches */ }
      total += c.matched;
    } else {
      while (this.take(c, 10_000).length > 0) { /* scan */ }
      total = Math.max(0, c.matched - (query.offset ?? 0));
    }
    return query.limit === undefined ? total : Math.min(total, query.limit);
  }

  private project(query: SoqlQuery, values: RawRecord, snapshot: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const f of query.fields) out[f.path] = this.output(f, values, snapshot);
    return out;
  }

  private valueOf(f: SoqlQuery['fields'][number], values: RawRecord, snapshot: number): RawValue {
    if (!f.via) return values[f.field.name] ?? null;
    const parentId = values[f.via.reference.name];
    if (typeof parentId !== 'string') return null;
    return this.byId(parentId, snapshot)?.[f.field.name] ?? null;
  }

  /** A selected value; compound address fields become Salesforce's address object. */
  private output(f: SoqlQuery['fields'][number], values: RawRecord, snapshot: number): unknown {
    if (f.field.type !== 'address' || f.via) return this.valueOf(f, values, snapshot);
    const prefix = f.field.name === 'Address' ? '' : f.field.name.replace(/Address$/, '');
    const part = (n: string): RawValue => values[`${prefix}${n}`] ?? null;
    if (['Street', 'City', 'State', 'PostalCode', 'Country'].every((n) => part(n) === null)) return null;
    return { city: part('City'), country: part('Country'), geocodeAccuracy: null, latitude: null, longitude: null,
      postalCode: part('PostalCode'), state: part('State'), street: part('Street') };
  }

  private matches(query: SoqlQuery, values: RawRecord, snapshot: number): boolean {
    if (query.where.length === 0) return true;
    return query.where.some((group) => group.every((cond) => test(cond, this.valueOf(cond.field, values, snapshot))));
  }

  /** Smallest generated index that can satisfy a lower bound on a monotonic field. */
  private lowerBound(query: SoqlQuery): number {
    if (query.where.length !== 1) return 0;
    let start = 0;
    const obj = query.object;
    for (const cond of query.where[0]!) {
      if (!isLowerBound(cond)) continue;
      const name = cond.field.field.name;
      if (name === 'Id') {
        const p = parseSfId(String(cond.value));
        if (p && p.keyPrefix === obj.keyPrefix) start = Math.max(start, p.index + (cond.op === '>' ? 1 : 0));
        continue;
      }
      const target = literalMs(cond.value as Literal);
      if (target === undefined) continue;
      const stampAt = name === 'CreatedDate' ? (i: number) => modstampOf(obj, i) - 86_400_000 : (i: number) => modstampOf(obj, i);
      let lo = 0;
      let hi = this.count(obj);
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const v = stampAt(mid);
        if (cond.op === '>' ? v > target : v >= target) hi = mid;
        else lo = mid + 1;
      }
      start = Math.max(start, lo);
    }
    return start;
  }
}

function isLowerBound(c: Condition): boolean {
  return !c.field.via && MONOTONIC.has(c.field.field.name) && (c.op === '>=' || c.op === '>') && !Array.isArray(c.value);
}

function literalMs(v: Literal): number | undefined {
  if (v && typeof v === 'object' && 'datetime' in v) return v.datetime;
  if (v && typeof v === 'object' && 'date' in v) return Date.parse(`${v.date}T00:00:00Z`);
  return undefined;
}

function comparable(value: RawValue, lit: Literal, type: string): [RawValue, RawValue] {
  if (lit && typeof lit === 'object' && 'datetime' in lit) return [value, lit.datetime];
  if (lit && typeof lit === 'object' && 'date' in lit) return [typeof value === 'number' ? sfDate(value) : value, lit.date];
  if (type === 'date' && typeof value === 'number') return [sfDate(value), lit];
  return [value, lit as RawValue];
}

function test(cond: Condition, value: RawValue): boolean {
  const type = cond.field.field.type;
  if (cond.op === 'IN' || cond.op === 'NOT IN') {
    const hit = (cond.value as Literal[]).some((l) => { const [a, b] = comparable(value, l, type); return a === b; });
    return cond.op === 'IN' ? hit : !hit;
  }
  const [a, b] = comparable(value, cond.value as Literal, type);
  switch (cond.op) {
    case '=': return a === b;
    case '!=': return a !== b;
    case 'LIKE': {
      if (typeof a !== 'string' || typeof b !== 'string') return false;
      const re = new RegExp(`^${b.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.')}$`, 'is');
      return re.test(a);
    }
    default: {
      if (a === null || b === null) return false;
      if (cond.op === '<') return a < b;
      if (cond.op === '<=') return a <= b;
      if (cond.op === '>') return a > b;
      return a >= b;
    }
  }
}

export { sfId };
