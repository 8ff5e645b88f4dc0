/**
 * Checkpoint shapes of the SQL source (small JSON, a pure function of the rows emitted):
 * - keyset: a full pass in key order; `after` is the last key emitted, `hw` the highest
 *   (modified, key) seen so far, `lo`/`hi` a partition's key range, `done` once the pass ended.
 *   Resuming a done keyset checkpoint continues incrementally from `hw`.
 * - incremental: the compound (modified, key) cursor of the last row emitted.
 */
import type { Checkpoint, FieldValue } from '../../shared/record-batch.ts';

export interface HighWater { modified: FieldValue; key: FieldValue[] }

export type SqlCheckpoint =
  | { mode: 'keyset'; after: FieldValue[] | null; hw: HighWater | null; lo?: FieldValue; hi?: FieldValue; done: boolean }
  | { mode: 'incremental'; modified: FieldValue; key: FieldValue[]; done?: boolean };

export function toCheckpoint(c: SqlCheckpoint): Checkpoint {
  return JSON.parse(JSON.stringify(c)) as Checkpoint;
}

export function fromCheckpoint(c: Checkpoint | undefined): SqlCheckpoint | undefined {
  if (!c || Object.keys(c).length === 0) return undefined;
  if (c.mode === 'incremental') return { mode: 'incremental', modified: c.modified ?? null, key: (c.key as FieldValue[]) ?? [], done: c.done === true };
  if (c.mode === 'keyset') {
    return {
      mode: 'keyset',
      after: (c.after as FieldValue[] | null) ?? null,
      hw: (c.hw as unknown as HighWater | null) ?? null,
      lo: c.lo ?? undefined,
      hi: c.hi ?? undefined,
      done: c.done === true,
    };
  }
  throw new TypeError(`unrecognised SQL checkpoint: ${JSON.stringify(c).slice(0, 200)}`);
}

/** Sortable form of a timestamp text: instant in ms, then sub-millisecond digits. */
function timeKey(v: string): [number, string] | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?))?(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/.exec(v);
  if (!m) return undefined;
  const frac = (m[3] ?? '').padEnd(9, '0');
  const ms = Date.parse(`${m[1]}T${m[2] ?? '00:00:00'}.${frac.slice(0, 3)}${m[4] ?? 'Z'}`);
  return Number.isNaN(ms) ? undefined : [ms, frac.slice(3)];
}

export function compareValues(a: FieldValue, b: FieldValue): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  const ta = timeKey(sa);
  const tb = timeKey(sb);
  if (ta && tb) return ta[0] !== tb[0] ? ta[0] - tb[0] : ta[1] < tb[1] ? -1 : ta[1] > tb[1] ? 1 : 0;
  if (/^-?\d+$/.test(sa) && /^-?\d+$/.test(sb)) {
    const d = BigInt(sa) - BigInt(sb);
    return d < 0n ? -1 : d > 0n ? 1 : 0;
  }
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

export function compareHighWater(a: HighWater, b: HighWater): number {
  const c = compareValues(a.modified, b.modified);
  if (c !== 0) return c;
  for (let i = 0; i < Math.max(a.key.length, b.key.length); i++) {
    const k = compareValues(a.key[i] ?? null, b.key[i] ?? null);
    if (k !== 0) return k;
  }
  return 0;
}

/** The highest high-water of several (e.g. the partitions of one entity), to start the next incremental pass. */
export function mergeHighWater(checkpoints: Checkpoint[]): Checkpoint | undefined {
  let best: HighWater | null = null;
  for (const c of checkpoints) {
    const s = fromCheckpoint(c);
    const hw = s?.mode === 'keyset' ? s.hw : s?.mode === 'incremental' ? { modified: s.modified, key: s.key } : null;
    if (hw && (!best || compareHighWater(hw, best) > 0)) best = hw;
  }
  return best ? toCheckpoint({ mode: 'incremental', modified: best.modified, key: best.key, done: true }) : undefined;
}
