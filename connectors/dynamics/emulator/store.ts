/**
 * The emulator's virtual table store. Records are generated on demand from their index; only the
 * few records "modified during extraction" are held (as overlays). Every entity is ordered by
 * (modifiedon, index): base modification times grow with the index (three records share each
 * second, so ties are common), and overlaid records move past the newest base time. Edits and
 * deletions get a change number each (change tracking: a delta token is a change number).
 */
import { BASE_EPOCH_S, hashString, isoSeconds, recordGuid, decodeRecordGuid, rng as seededRng } from './generate.ts';
import type { EntitySpec, GenContext, RawRecord } from './entity-types.ts';
import { account, businessunit, contact, lead, opportunity, systemuser } from './entities-crm.ts';
import { appointment, invoice, phonecall, task } from './entities-activity.ts';

export const ENTITY_SPECS: readonly EntitySpec[] = [businessunit, systemuser, account, contact, lead, opportunity, task, appointment, phonecall, invoice];

/** Records sharing one modifiedon second. */
const TIE = 3;
/** Seconds between modifiedon groups. */
const STEP = 41;

export interface OrderKey {
  modifiedon: number;
  index: number;
}

export interface Bounds {
  /** modifiedon lower bound (epoch seconds) and whether it is inclusive. */
  from?: { at: number; inclusive: boolean };
  to?: { at: number; inclusive: boolean };
}

interface Overlay {
  modifiedon: number;
  version: number;
  /** Attribute values set by an edit (control hook), over the generated ones. */
  fields?: RawRecord;
}

export class RecordStore implements GenContext {
  private readonly bySet = new Map<string, EntitySpec>();
  private readonly byName = new Map<string, EntitySpec>();
  private readonly overlays = new Map<string, Map<number, Overlay>>();
  private mutationClock = 0;
  /** Change tracking: a sequence number per edit or deletion, and each record's latest change. */
  private changeSeq = 0;
  private readonly changed = new Map<string, Map<number, number>>();
  private readonly deleted = new Map<string, Set<number>>();

  constructor(readonly seed: number, readonly accounts: number) {
    for (const s of ENTITY_SPECS) {
      this.bySet.set(s.entitySetName, s);
      this.byName.set(s.logicalName, s);
    }
  }

  specBySet(entitySet: string): EntitySpec | undefined {
    return this.bySet.get(entitySet);
  }

  spec(logicalName: string): EntitySpec | undefined {
    return this.byName.get(logicalName);
  }

  count(entity: string): number {
    const s = this.byName.get(entity);
    return s ? s.count(this.accounts) : 0;
  }

  guid(entity: string, index: number): string {
    return recordGuid(this.seed, entity, index);
  }

  indexOf(entity: string, guid: string): number | undefined {
    const i = decodeRecordGuid(this.seed, entity, guid);
    return i !== undefined && i < this.count(entity) ? i : undefined;
  }

  private offset(entity: string): number {
    return BASE_EPOCH_S + (hashString(entity) % 3600);
  }

  /** The generated (pre-overlay) modification time of a record. */
  baseModified(entity: string, index: number): number {
    return this.offset(entity) + Math.floor(index / TIE) * STEP;
  }

  /** Smallest index whose base modification time is >= t (or > t when strict). */
  private firstIndexAt(entity: string, t: number, strict: boolean): number {
    const rel = t - this.offset(entity);
    const group = strict ? Math.floor(rel / STEP) + 1 : Math.ceil(rel / STEP);
    return Math.max(0, group * TIE);
  }

  modifiedOn(entity: string, index: number): number {
    return this.overlays.get(entity)?.get(index)?.modifiedon ?? this.baseModified(entity, index);
  }

  /** The full raw record, including primary id, created/modified times and version. */
  record(spec: EntitySpec, index: number): RawRecord {
    const rng = seededRng(this.seed, spec.logicalName, index);
    const raw = spec.build(this, index, rng);
    const overlay = this.overlays.get(spec.logicalName)?.get(index);
    const modified = overlay?.modifiedon ?? this.baseModified(spec.logicalName, index);
    const created = this.baseModified(spec.logicalName, index) - rng.int(0, 90) * 86400 - rng.int(0, 86399);
    if (overlay && 'description' in raw) raw.description = `Updated during extraction (v${overlay.version})`;
    if (overlay?.fields) Object.assign(raw, overlay.fields);
    return {
      [spec.primaryId]: this.guid(spec.logicalName, index),
      ...raw,
      createdon: isoSeconds(created),
      modifiedon: isoSeconds(modified),
      versionnumber: 1_000_000 + index * 7 + (overlay?.version ?? 0),
    };
  }

  /**
   * Record indexes in (modifiedon, index) order, strictly after `after`, within `bounds`.
   * Lazily enumerated: base records by index (skipping overlaid ones), then overlaid records.
   */
  *scan(entity: string, bounds: Bounds, after?: OrderKey): Generator<OrderKey> {
    const total = this.count(entity);
    const overlays = this.overlays.get(entity);
    const deleted = this.deleted.get(entity);
    const within = (m: number): boolean =>
      (!bounds.from || (bounds.from.inclusive ? m >= bounds.from.at : m > bounds.from.at)) &&
      (!bounds.to || (bounds.to.inclusive ? m <= bounds.to.at : m < bounds.to.at));
    const afterKey = (k: OrderKey): boolean =>
      !after || k.modifiedon > after.modifiedon || (k.modifiedon === after.modifiedon && k.index > after.index);
    let start = bounds.from ? this.firstIndexAt(entity, bounds.from.at, !bounds.from.inclusive) : 0;
    // Base times grow with the index, so nothing before max(first index at the key's time, key index + 1) sorts after the key.
    if (after) start = Math.max(start, this.firstIndexAt(entity, after.modifiedon, false), after.index + 1);
    // Overlaid records merge into the base order by (modifiedon, index): an edit can tie with base times.
    const moved = [...(overlays?.entries() ?? [])].map(([index, o]) => ({ modifiedon: o.modifiedon, index }));
    moved.sort((a, b) => a.modifiedon - b.modifiedon || a.index - b.index);
    let j = 0;
    for (let i = start; i < total; i++) {
      const m = this.baseModified(entity, i);
      for (; j < moved.length && (moved[j]!.modifiedon < m || (moved[j]!.modifiedon === m && moved[j]!.index < i)); j++) {
        if (within(moved[j]!.modifiedon) && afterKey(moved[j]!)) yield moved[j]!;
      }
      if (bounds.to && !within(m)) break;
      if (overlays?.has(i) || deleted?.has(i)) continue;
      const k = { modifiedon: m, index: i };
      if (within(m) && afterKey(k)) yield k;
    }
    for (; j < moved.length; j++) if (within(moved[j]!.modifiedon) && afterKey(moved[j]!)) yield moved[j]!;
  }

  /**
   * Edit a record as a user would (demos, training, tests): `fields` override generated attribute
   * values and modifiedon becomes `modifiedon` (epoch seconds; default: past every base time, so the
   * edit sorts last). Returns the record's id.
   */
  edit(entity: string, index: number, fields: RawRecord, modifiedon?: number): string {
    if (index < 0 || index >= this.count(entity) || this.isDeleted(entity, index)) throw new RangeError(`no ${entity} record at index ${index}`);
    this.track(entity, index);
    let map = this.overlays.get(entity);
    if (!map) this.overlays.set(entity, (map = new Map()));
    const prev = map.get(index);
    this.mutationClock += 1;
    const at = modifiedon ?? this.baseModified(entity, this.count(entity) - 1) + 60 + this.mutationClock;
    map.set(index, { modifiedon: Math.floor(at), version: (prev?.version ?? 0) + 1, fields: { ...prev?.fields, ...fields } });
    return this.guid(entity, index);
  }

  /**
   * Simulate a user editing `n` records that sit after `after` in the extraction order: their
   * modifiedon moves past every base time (so an incremental pass must pick them up again).
   */
  mutateAhead(entity: string, after: OrderKey, n: number, rng: { int(maxExclusive: number): number }): number[] {
    const total = this.count(entity);
    const maxBase = this.baseModified(entity, total - 1);
    // Only while the reader is still in the base range: edits then land past its position, once.
    if (after.index + 1 >= total || after.modifiedon > maxBase) return [];
    let map = this.overlays.get(entity);
    if (!map) this.overlays.set(entity, (map = new Map()));
    const touched: number[] = [];
    for (let k = 0; k < n; k++) {
      const index = after.index + 1 + rng.int(total - 1 - after.index);
      this.mutationClock += 1;
      if (this.isDeleted(entity, index)) continue;
      const prev = map.get(index);
      this.track(entity, index);
      map.set(index, { modifiedon: maxBase + 60 + this.mutationClock, version: (prev?.version ?? 0) + 1 });
      touched.push(index);
    }
    return touched;
  }

  /** Delete a record as a user would (demos, training, tests). Returns its id. */
  remove(entity: string, index: number): string {
    if (index < 0 || index >= this.count(entity) || this.isDeleted(entity, index)) throw new RangeError(`no ${entity} record at index ${index}`);
    this.overlays.get(entity)?.delete(index);
    let set = this.deleted.get(entity);
    if (!set) this.deleted.set(entity, (set = new Set()));
    set.add(index);
    this.track(entity, index);
    return this.guid(entity, index);
  }

  isDeleted(entity: string, index: number): boolean {
    return this.deleted.get(entity)?.has(index) ?? false;
  }

  /** Records of `entity` that exist now (generated minus deleted). */
  liveCount(entity: string): number {
    return this.count(entity) - (this.deleted.get(entity)?.size ?? 0);
  }

  /** The latest change sequence number: a delta token's starting point. */
  currentChange(): number {
    return this.changeSeq;
  }

  /** Records of `entity` changed or deleted after change `since`, in change order. */
  changesSince(entity: string, since: number): Array<{ index: number; seq: number; deleted: boolean }> {
    const out = [...(this.changed.get(entity)?.entries() ?? [])]
      .filter(([, seq]) => seq > since)
      .map(([index, seq]) => ({ index, seq, deleted: this.isDeleted(entity, index) }));
    return out.sort((a, b) => a.seq - b.seq);
  }

  private track(entity: string, index: number): void {
    let map = this.changed.get(entity);
    if (!map) this.changed.set(entity, (map = new Map()));
    map.set(index, ++this.changeSeq);
  }
}
