/**
 * Folding transaction sets into records. EDI carries versions of a business object, not rows: a
 * corrected 204 re-sends the whole tender, a 214 adds events. A contribution names the record it
 * touches and the layer it fills (e.g. "tender", "response"); per (entity, sourceId, layer) the
 * contribution with the highest control-number version wins, and layers merge in a fixed order.
 * Each record remembers which files contributed, so an incremental pass can emit exactly the
 * records a new file changed.
 */
import type { FieldValue } from '../../shared/record-batch.ts';

export interface Contribution {
  entity: string;
  sourceId: string;
  layer: string;
  fields: Record<string, FieldValue>;
  /**
   * The document this record was derived from (e.g. "tender:SHIP1"). When a later version of the owner
   * no longer produces the record (a corrected 204 with one stop fewer), the record is superseded.
   */
  owner?: string;
}

/** A comparable version: ISA13, GS06, ST02 as numbers (a later control number is a later version). */
export type Version = [number, number, number];

export function compareVersion(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

interface LayerState { version: Version; fields: Record<string, FieldValue>; tieBreak: string; owner?: string }
export interface FoldedRecord {
  entity: string;
  sourceId: string;
  fields: Record<string, FieldValue>;
  /** True when every layer comes from a superseded version of its owner: emit as a delete. */
  superseded: boolean;
  /** Fingerprints of every file that contributed (any version, winning or superseded). */
  files: Set<string>;
}

export class RecordFold {
  private readonly layers = new Map<string, Map<string, LayerState>>();
  private readonly files = new Map<string, Set<string>>();
  private readonly meta = new Map<string, { entity: string; sourceId: string }>();
  private readonly ownerVersion = new Map<string, Version>();
  private readonly ownerFile = new Map<string, string>();

  constructor(private readonly layerOrder: string[]) {}

  add(c: Contribution, version: Version, fileFingerprint: string, tieBreak: string): void {
    const key = `${c.entity}\u0000${c.sourceId}`;
    this.meta.set(key, { entity: c.entity, sourceId: c.sourceId });
    let files = this.files.get(key);
    if (!files) this.files.set(key, (files = new Set()));
    files.add(fileFingerprint);
    let layers = this.layers.get(key);
    if (!layers) this.layers.set(key, (layers = new Map()));
    if (c.owner) {
      const v = this.ownerVersion.get(c.owner);
      if (!v || compareVersion(version, v) > 0) {
        this.ownerVersion.set(c.owner, version);
        this.ownerFile.set(c.owner, fileFingerprint);
      }
    }
    const cur = layers.get(c.layer);
    // Later control number wins; the same version twice (a re-sent file) keeps one, chosen without regard to file order.
    if (!cur || compareVersion(version, cur.version) > 0 || (compareVersion(version, cur.version) === 0 && tieBreak < cur.tieBreak)) {
      layers.set(c.layer, { version, fields: c.fields, tieBreak, ...(c.owner ? { owner: c.owner } : {}) });
    }
  }

  /** The folded records of one entity, sorted by source id. */
  records(entity: string): FoldedRecord[] {
    const out: FoldedRecord[] = [];
    for (const [key, m] of this.meta) {
      if (m.entity !== entity) continue;
      const layers = this.layers.get(key)!;
      const fields: Record<string, FieldValue> = {};
      let live = 0;
      const files = new Set(this.files.get(key)!);
      for (const name of this.layerOrder) {
        const l = layers.get(name);
        if (!l) continue;
        const stale = l.owner !== undefined && compareVersion(l.version, this.ownerVersion.get(l.owner)!) < 0;
        // A record its owner's latest version dropped changed in the file that holds that version.
        if (stale) {
          files.add(this.ownerFile.get(l.owner!)!);
          continue;
        }
        live++;
        Object.assign(fields, l.fields);
      }
      out.push({ entity, sourceId: m.sourceId, fields, superseded: live === 0, files });
    }
    return out.sort((a, b) => (a.sourceId < b.sourceId ? -1 : a.sourceId > b.sourceId ? 1 : 0));
  }
}
