/**
 * A seeded, deterministic table of `count` records that is never held in memory: record i is a pure
 * function of (seed, table, i), and its last-modified time rises with i (groups of `tieGroup` share a
 * timestamp, so cursor ties exist). Only what changes while the emulator runs is stored, in bounded
 * overlays: edits (field overrides and a new time), archives/deletions. Time windows map to index
 * ranges without scanning, so 1M top-level records cost nothing until served.
 */
export interface TimelineOptions {
  count: number;
  /** First and last generated modification times (epoch ms). */
  baseTime: number;
  endTime: number;
  tieGroup?: number;
  /** Timestamps are whole multiples of this (default 1000: whole seconds). */
  resolutionMs?: number;
  /** At most this many overlay entries are kept (default 100,000). */
  maxOverlay?: number;
}

type Fields = Record<string, unknown>;

export class TimelineTable {
  readonly count: number;
  readonly tieGroup: number;
  readonly step: number;
  private readonly baseTime: number;
  private readonly maxOverlay: number;
  private readonly modified = new Map<number, number>();
  private readonly removed = new Map<number, number>();
  private readonly edits = new Map<number, Fields>();
  /** A sequence number per change, and each record's latest (change tracking, snapshots). */
  private seq = 0;
  private readonly changeSeq = new Map<number, number>();

  constructor(opts: TimelineOptions) {
    this.count = Math.max(0, Math.floor(opts.count));
    this.tieGroup = opts.tieGroup ?? 3;
    this.baseTime = opts.baseTime;
    this.maxOverlay = opts.maxOverlay ?? 100_000;
    const res = opts.resolutionMs ?? 1000;
    const groups = Math.max(1, Math.ceil(this.count / this.tieGroup));
    this.step = Math.max(res, Math.floor((opts.endTime - opts.baseTime) / groups / res) * res);
  }

  get sequence(): number {
    return this.seq;
  }

  baseUpdatedAt(index: number): number {
    return this.baseTime + Math.floor(index / this.tieGroup) * this.step;
  }

  /** The newest generated timestamp. */
  get lastBaseTime(): number {
    return this.baseUpdatedAt(Math.max(0, this.count - 1));
  }

  updatedAt(index: number): number {
    return this.modified.get(index) ?? this.baseUpdatedAt(index);
  }

  has(index: number): boolean {
    return Number.isInteger(index) && index >= 0 && index < this.count;
  }

  private room(m: Map<number, unknown>, index: number): boolean {
    return m.has(index) || m.size < this.maxOverlay;
  }

  private bump(index: number): void {
    this.changeSeq.set(index, ++this.seq);
  }

  /** The record changed at `at` (fault: modified during extraction). */
  touch(index: number, at: number): void {
    if (!this.has(index)) throw new RangeError(`no record at index ${index}`);
    if (this.room(this.modified, index)) this.modified.set(index, at);
    this.bump(index);
  }

  /** A user edit: `fields` override the generated values; the time moves to `at`. */
  edit(index: number, fields: Fields, at: number): void {
    if (!this.has(index)) throw new RangeError(`no record at index ${index}`);
    if (this.room(this.edits, index)) this.edits.set(index, { ...this.edits.get(index), ...fields });
    this.touch(index, at);
  }

  /** Field overrides of an edited record. */
  overrides(index: number): Fields | undefined {
    return this.edits.get(index);
  }

  /** Delete (or archive) the record at `at`. */
  remove(index: number, at: number): void {
    if (!this.has(index)) throw new RangeError(`no record at index ${index}`);
    if (this.room(this.removed, index)) this.removed.set(index, at);
    this.bump(index);
  }

  isRemoved(index: number): boolean {
    return this.removed.has(index);
  }

  removedAt(index: number): number | undefined {
    return this.removed.get(index);
  }

  /** Change sequence of the record's latest change (0: never changed). */
  changedAt(index: number): number {
    return this.changeSeq.get(index) ?? 0;
  }

  /** Removed [index, at] pairs, by index. */
  removedEntries(): [number, number][] {
    return [...this.removed.entries()].sort((a, b) => a[0] - b[0]);
  }

  /** Live modified [index, at] pairs, by (time, index). */
  modifiedEntries(): [number, number][] {
    return [...this.modified.entries()].filter(([i]) => !this.removed.has(i)).sort((a, b) => a[1] - b[1] || a[0] - b[0]);
  }

  /** Indices changed since sequence `after`, oldest change first. */
  changedSince(after: number): number[] {
    return [...this.changeSeq.entries()].filter(([, s]) => s > after).sort((a, b) => a[1] - b[1]).map(([i]) => i);
  }

  /** Indices no longer in their generated slot (modified or removed), sorted. */
  displacedIndices(): number[] {
    return [...new Set([...this.modified.keys(), ...this.removed.keys()])].sort((a, b) => a - b);
  }

  /** [lo, hi) of indices whose generated time lies in [from, to). */
  baseRange(from: number, to: number): [number, number] {
    const groupAt = (t: number): number => Math.max(0, Math.ceil((t - this.baseTime) / this.step));
    const lo = Math.min(this.count, groupAt(from) * this.tieGroup);
    const hi = Math.min(this.count, groupAt(Math.min(to, 8.64e15)) * this.tieGroup);
    return [lo, Math.max(lo, hi)];
  }

  /**
   * Live records with time in [from, to), ordered by (time, index): the total and the indices at
   * positions [offset, offset + limit). Modified records come after the generated ones (their new
   * times are later than every generated time).
   */
  window(from: number, to: number, offset: number, limit: number): { total: number; indices: number[] } {
    const [lo, hi] = this.baseRange(Math.max(from, 0), to);
    const movedIdx = this.displacedIndices().filter((i) => i >= lo && i < hi);
    const moved = new Set(movedIdx);
    const modifiedIn = this.modifiedEntries().filter(([, at]) => at >= from && at < to);
    const baseTotal = hi - lo - movedIdx.length;
    const indices: number[] = [];
    if (offset < baseTotal) {
      let x = lo + offset;
      while (x - lo - countBelow(movedIdx, x) < offset) x++;
      for (; x < hi && indices.length < limit; x++) if (!moved.has(x)) indices.push(x);
    }
    for (let k = Math.max(0, offset - baseTotal); k < modifiedIn.length && indices.length < limit; k++) indices.push(modifiedIn[k]![0]);
    return { total: baseTotal + modifiedIn.length, indices };
  }
}

function countBelow(sorted: number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
