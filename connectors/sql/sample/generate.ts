/**
 * Sample-row generation from a platform description: table sizes from weights (children sized
 * by their parent), rows as a pure function of (seed, table, index), references drawn from
 * parent indexes so the data is referentially consistent without keeping any parent in memory.
 * With bad data on, columns listed under `bad` are corrupted at a low, seeded rate.
 */
import type { ColumnSpec, EntitySpec, Gen, PlatformDescription } from '../platform-description.ts';
import { rowRng, seededUuid } from './prng.ts';
import * as W from './words.ts';

export type SampleValue = string | number | boolean | null;

export interface TableCount { table: string; rows: number }

/** BASE for generated times: fixed, so data does not depend on the day it is generated. */
const BASE = Date.UTC(2025, 5, 1, 0, 0, 0);
const DAY = 86_400_000;
const BAD_RATE = 0.02;
const MEMO_BYTES = 1024 * 1024;

function parentPer(e: EntitySpec): { ref: string; per: number } | undefined {
  for (const c of e.columns) if (c.gen && typeof c.gen === 'object' && 'ref' in c.gen && c.gen.per) return { ref: c.gen.ref, per: c.gen.per };
  return undefined;
}

/** Rows per table for about `total` rows overall. Children with `per` get parent × per rows. */
export function tableCounts(d: PlatformDescription, total: number): Map<string, number> {
  const weights = d.entities.reduce((s, e) => s + e.weight, 0);
  const counts = new Map<string, number>();
  const pending = [...d.entities];
  let guard = 0;
  while (pending.length > 0) {
    if (guard++ > 1000) throw new Error(`${d.platform}: circular 'per' sizing among ${pending.map((e) => e.table).join(', ')}`);
    const e = pending.shift()!;
    const pp = parentPer(e);
    if (!pp) counts.set(e.table, Math.max(1, Math.floor((total * e.weight) / weights)));
    else if (counts.has(pp.ref)) counts.set(e.table, counts.get(pp.ref)! * pp.per);
    else { pending.push(e); continue; }
  }
  return counts;
}

/** Tables in an order where every table with `per` follows its parent (for reading back). */
export function keyValue(d: PlatformDescription, seed: number, table: string, index: number): SampleValue {
  const e = d.entities.find((x) => x.table === table)!;
  const k = e.columns.find((c) => c.name === e.key[0])!;
  if (k.gen && typeof k.gen === 'object' && 'code' in k.gen) return `${k.gen.code}${String(index + 1).padStart(9, '0')}`;
  if (k.type === 'uuid') return seededUuid(seed, table, index);
  return index + 1;
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

function fmtTime(ms: number, type: string): string {
  const iso = new Date(ms).toISOString();
  return type === 'date' ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

function containerNumber(r: () => number): string {
  const owner = pick(r, W.OWNER_CODES);
  const serial = String(Math.floor(r() * 1_000_000)).padStart(6, '0');
  // ISO 6346 check digit: letters map to 10..38 skipping multiples of 11; weights 2^i.
  const letter = (ch: string): number => { let v = 10; for (let c = 65; c < ch.charCodeAt(0); c++) { v++; if (v % 11 === 0) v++; } return v; };
  let sum = 0;
  [...owner + serial].forEach((ch, i) => { sum += (/[A-Z]/.test(ch) ? letter(ch) : Number(ch)) * 2 ** i; });
  return `${owner}${serial}${(sum % 11) % 10}`;
}

export interface GenContext {
  d: PlatformDescription;
  seed: number;
  counts: Map<string, number>;
  badData: boolean;
}

function genValue(ctx: GenContext, e: EntitySpec, c: ColumnSpec, i: number, r: () => number, row: Record<string, SampleValue>): SampleValue {
  const g: Gen | undefined = c.gen;
  if (!g) return null;
  if (g === 'key') {
    if (c.name === e.key[0]) return keyValue(ctx.d, ctx.seed, e.table, i);
    // A secondary unique id (SAP's PARTNER_GUID next to PARTNER): its own seeded stream.
    return c.type === 'uuid' ? seededUuid(ctx.seed, `${e.table}.${c.name}`, i) : i + 1;
  }
  if (g === 'modified') {
    const ms = BASE - Math.floor(r() * 400) * DAY - Math.floor(r() * 8) * 3_600_000;
    // SAP-style DEC(15) timestamps: YYYYMMDDhhmmss.
    if (c.type === 'decimal' || c.type === 'bigint') return new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);
    return fmtTime(ms, c.type);
  }
  if (g === 'memo') return `${pick(r, W.WORDS)}, ${pick(r, W.WORDS)} and ${pick(r, W.WORDS)}; ${Math.floor(r() * 900) + 10} packages`;
  if ('ref' in g) {
    const n = ctx.counts.get(g.ref) ?? 1;
    if (g.nullRate && r() < g.nullRate) return null;
    const idx = g.per ? Math.min(Math.floor(i / g.per), n - 1) : Math.floor(r() * n);
    return keyValue(ctx.d, ctx.seed, g.ref, idx);
  }
  if ('seq' in g) return (i % g.seq) + 1;
  if ('pick' in g) return pick(r, g.pick);
  if ('code' in g) return `${g.code}${String(i + 1).padStart(9, '0')}`;
  if ('num' in g) {
    const v = g.num[0] + r() * (g.num[1] - g.num[0]);
    return v.toFixed(Math.min(c.scale ?? 2, 4));
  }
  if ('int' in g) return g.int[0] + Math.floor(r() * (g.int[1] - g.int[0] + 1));
  if ('bool' in g) return r() < g.bool;
  if ('time' in g) {
    const days = g.time[0] + r() * (g.time[1] - g.time[0]);
    const base = g.after && typeof row[g.after] === 'string' ? Date.parse(`${(row[g.after] as string).replace(' ', 'T')}${(row[g.after] as string).length > 10 ? 'Z' : 'T00:00:00Z'}`) : BASE;
    if (Number.isNaN(base)) return null;
    const ms = Math.min(base + Math.floor(days * 24) * 3_600_000, Date.UTC(9999, 11, 31, 23, 59, 59));
    return fmtTime(ms, c.type);
  }
  if ('port' in g) return pick(r, W.PORTS);
  if ('country' in g) return pick(r, W.COUNTRIES);
  if ('container' in g) return containerNumber(r);
  switch (g.text) {
    case 'company': return `${pick(r, W.COMPANY_A)} ${pick(r, W.COMPANY_B)} ${pick(r, W.COMPANY_C)}`;
    case 'person_first': return pick(r, W.FIRST);
    case 'person_last': return pick(r, W.LAST);
    case 'email': return `${pick(r, W.FIRST).toLowerCase()}.${pick(r, W.LAST).toLowerCase().replace('ü', 'u')}${i}@example.com`;
    case 'phone': return `+${10 + Math.floor(r() * 89)} ${Math.floor(r() * 900 + 100)} ${Math.floor(r() * 9_000_000 + 1_000_000)}`;
    case 'city': return pick(r, W.CITIES);
    case 'street': return `${Math.floor(r() * 400) + 1} ${pick(r, W.STREETS)}`;
    case 'postcode': return String(Math.floor(r() * 90000) + 10000);
    case 'sentence': return `${pick(r, W.WORDS)} ${pick(r, ['handling', 'freight', 'surcharge', 'fee', 'clearance'])}`;
    case 'vessel': return pick(r, W.VESSELS);
    case 'flight': return `${pick(r, ['V', 'W', 'E', 'N'])}${Math.floor(r() * 900) + 100}${pick(r, ['E', 'W', 'N', 'S'])}`;
  }
}

function corrupt(ctx: GenContext, e: EntitySpec, c: ColumnSpec, i: number, r: () => number, value: SampleValue, row: Record<string, SampleValue>): SampleValue {
  for (const kind of c.bad) {
    // Memo bombs are rare and capped: at most 20 one-megabyte values per table.
    if (kind === 'memo') { if (i % 5000 === 7 && i < 100_000) return 'M'.repeat(MEMO_BYTES - 16) + ' end of memo'; continue; }
    if (r() >= BAD_RATE) continue;
    switch (kind) {
      case 'nullify': return null;
      case 'duplicate': return i > 0 ? genValue(ctx, e, c, i - 1, r, row) : value;
      case 'orphan': {
        const target = c.gen && typeof c.gen === 'object' && 'ref' in c.gen ? c.gen.ref : e.table;
        return keyValue(ctx.d, ctx.seed, target, (ctx.counts.get(target) ?? 0) + 1_000_000 + i);
      }
      case 'date': return c.type === 'date' ? pick(r, ['1753-01-01', '9999-12-31']) : pick(r, ['1753-01-01 00:00:00', '9999-12-31 23:59:59', '1900-01-01 00:00:00']);
      case 'encoding': return typeof value === 'string' || value === null ? pick(r, W.MOJIBAKE).slice(0, c.length ?? 200) : value;
    }
  }
  return value;
}

/** One row as an array in column order. */
export function generateRow(ctx: GenContext, e: EntitySpec, i: number): SampleValue[] {
  const r = rowRng(ctx.seed, e.table, i);
  // Corruption draws from its own stream, so bad-data rows differ from clean ones only where corrupted.
  const rb = rowRng(ctx.seed ^ 0x0bad0bad, e.table, i);
  const row: Record<string, SampleValue> = {};
  for (const c of e.columns) {
    let v = genValue(ctx, e, c, i, r, row);
    if (ctx.badData && c.bad.length > 0 && !e.key.includes(c.name)) v = corrupt(ctx, e, c, i, rb, v, row);
    row[c.name] = v;
  }
  return e.columns.map((c) => row[c.name]!);
}

/** Stream the rows of one table in chunks (never the whole table in memory). */
export function* generateChunks(ctx: GenContext, e: EntitySpec, chunkRows: number, maxChunkBytes = 4 * 1024 * 1024): Generator<SampleValue[][]> {
  const n = ctx.counts.get(e.table) ?? 0;
  let chunk: SampleValue[][] = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const row = generateRow(ctx, e, i);
    for (const v of row) bytes += typeof v === 'string' ? v.length : 8;
    chunk.push(row);
    if (chunk.length >= chunkRows || bytes >= maxChunkBytes) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
  }
  if (chunk.length > 0) yield chunk;
}
