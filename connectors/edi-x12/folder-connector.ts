/**
 * A SourceConnector over a folder of X12 files (the EDI route of TMS platforms: MercuryGate,
 * BluJay). Each read parses every file, folds transaction sets into records (fold.ts) and emits one
 * entity's records sorted by source id. Anything that cannot be read (an envelope mismatch, a
 * malformed segment, a missing element, a unit the definition lacks) is emitted rejected with a
 * named reason, in the entity of its transaction type; the rest of the file keeps loading.
 *
 * Checkpoint: { loaded: [file fingerprints already loaded] } after a pass, plus { after: n } inside one.
 * A pass that starts from a finished pass's checkpoint (an incremental run, a second batch of files)
 * emits only the records a file not in `loaded` contributed to, folded with every file in the folder,
 * so a corrected 204 replaces its tender and an older one re-sent changes nothing.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CheckResult, DiscoveredSchema, ReadOptions, SourceConnector } from '../../shared/connector.ts';
import { rejectRecord, type Checkpoint, type RecordBatch, type SourceRecord } from '../../shared/record-batch.ts';
import { RecordFold, type Contribution, type Version } from './fold.ts';
import { parseX12, transactionKey, type X12Problem, type X12Transaction } from './parser.ts';

export interface X12Rejection { reason: string; field: string | null }

/** One readable unit of a file (an X12 transaction set, an XML message) with its version order. */
export interface FileUnit<T> { key: string; type: string; version: Version; item: T }
export interface FileProblem { reason: string; field: string | null; type?: string; key: string | null }
/** `ordinal`: the file's place in name order, for formats that carry no control numbers. */
export type FileParser<T> = (text: string, file: string, ordinal: number) => { units: FileUnit<T>[]; problems: FileProblem[] };

/** X12: units are transaction sets, versioned by ISA13, GS06, ST02. */
export const x12Parser: FileParser<X12Transaction> = (text, file) => {
  const r = parseX12(text, file);
  return {
    units: r.transactions.map((tx) => ({ key: transactionKey(tx), type: tx.type, version: [Number(tx.isa) || 0, Number(tx.gs) || 0, Number(tx.st) || 0] as Version, item: tx })),
    problems: r.problems.map((p: X12Problem) => ({ reason: `${p.code}: ${p.message}`, field: p.field, key: p.transaction, ...(p.type ? { type: p.type } : {}) })),
  };
};

/** What a vendor supplies: data about its message types plus the one function that reads a unit. */
export interface EdiFolderDefinition<T = X12Transaction> {
  sourceSystem: string;
  /** What the files are, for messages ("EDI", "XML"). */
  kind?: string;
  /** How a file becomes units; default X12. */
  parse?: FileParser<T>;
  /** File name endings read from the folder (lower case). */
  extensions: string[];
  /** Entities in the order the fold fills them, with their fields for discovery. */
  entities: { name: string; primaryKey: string; fields: string[] }[];
  /** ST01 → the entity whose records a rejected set of that type is quarantined under. */
  rejectEntityOf: Record<string, string>;
  /** The entity for problems that belong to no transaction set (a whole interchange, a non-X12 file). */
  defaultRejectEntity: string;
  layerOrder: string[];
  /** Read one transaction set into contributions, or reject it with a named reason. */
  interpret(item: T): Contribution[] | X12Rejection;
}

interface LoadedFile<T> { name: string; fingerprint: string; units: FileUnit<T>[]; problems: FileProblem[] }
interface Folded<T> { fold: RecordFold; rejects: Map<string, { record: SourceRecord; file: string }[]>; files: LoadedFile<T>[] }

export class EdiFolderConnector<T = X12Transaction> implements SourceConnector {
  private cache: { key: string; folded: Folded<T> } | null = null;
  constructor(private readonly def: EdiFolderDefinition<T>, private readonly dir: string) {}

  private get kind(): string {
    return this.def.kind ?? 'EDI';
  }

  get sourceSystem(): string {
    return this.def.sourceSystem;
  }

  private async listFiles(): Promise<string[]> {
    const names = await readdir(this.dir);
    return names.filter((n) => this.def.extensions.some((e) => n.toLowerCase().endsWith(e))).sort();
  }

  async check(): Promise<CheckResult> {
    try {
      const files = await this.listFiles();
      return files.length > 0
        ? { ok: true, message: `${files.length} ${this.kind} files in ${this.dir}` }
        : { ok: false, message: `no ${this.kind} files (${this.def.extensions.join(', ')}) in ${this.dir}` };
    } catch (err) {
      return { ok: false, message: `cannot read ${this.kind} folder: ${(err as Error).message}` };
    }
  }

  async discover(): Promise<DiscoveredSchema> {
    const f = await this.folded();
    return {
      sourceSystem: this.def.sourceSystem,
      streams: this.def.entities.map((e) => ({
        entity: e.name, primaryKey: [e.primaryKey],
        fields: e.fields.map((name) => ({ name, type: 'string', nullable: true })),
        estimatedCount: f.fold.records(e.name).length + (f.rejects.get(e.name)?.length ?? 0),
        supportsIncremental: true, supportsDeletes: false,
      })),
      warnings: [],
    };
  }

  async entities(): Promise<string[]> {
    return this.def.entities.map((e) => e.name);
  }

  /** Parse and fold the folder once per set of file contents (reads of several entities share it). */
  private async folded(): Promise<Folded<T>> {
    const names = await this.listFiles();
    const files: LoadedFile<T>[] = [];
    const parse = (this.def.parse ?? (x12Parser as unknown as FileParser<T>));
    for (const [ordinal, name] of names.entries()) {
      const bytes = await readFile(path.join(this.dir, name));
      const fingerprint = createHash('sha256').update(bytes).digest('hex').slice(0, 20);
      const parsed = parse(bytes.toString('utf8'), name, ordinal);
      files.push({ name, fingerprint, ...parsed });
    }
    const key = files.map((f) => f.fingerprint).join(',');
    if (this.cache?.key === key) return this.cache.folded;
    const fold = new RecordFold(this.def.layerOrder);
    const rejects = new Map<string, { record: SourceRecord; file: string }[]>();
    const reject = (entity: string, record: SourceRecord, file: string) => {
      if (!rejects.has(entity)) rejects.set(entity, []);
      rejects.get(entity)!.push({ record, file });
    };
    const seenFingerprints = new Set<string>();
    for (const f of files) {
      // The same bytes delivered twice under two names are one delivery.
      if (seenFingerprints.has(f.fingerprint)) continue;
      seenFingerprints.add(f.fingerprint);
      for (const [n, p] of f.problems.entries()) {
        const entity = this.rejectEntity(p.type);
        reject(entity, rejectRecord(p.key ?? `${f.name}#problem${n + 1}`, p.reason, p.field), f.fingerprint);
      }
      for (const u of f.units) {
        const out = this.def.interpret(u.item);
        if (!Array.isArray(out)) {
          reject(this.rejectEntity(u.type), rejectRecord(u.key, out.reason, out.field), f.fingerprint);
          continue;
        }
        for (const c of out) fold.add(c, u.version, f.fingerprint, JSON.stringify(c.fields));
      }
    }
    const folded = { fold, rejects, files };
    this.cache = { key, folded };
    return folded;
  }

  private rejectEntity(type: string | undefined): string {
    return (type && this.def.rejectEntityOf[type]) || this.def.defaultRejectEntity;
  }

  async *read(entity: string, options: ReadOptions): AsyncIterable<RecordBatch> {
    if (!this.def.entities.some((e) => e.name === entity)) throw new Error(`${this.kind} source ${this.def.sourceSystem} has no entity "${entity}"; known: ${this.def.entities.map((e) => e.name).join(', ')}`);
    const cp = options.checkpoint;
    const base = new Set(Array.isArray(cp?.['loaded']) ? (cp['loaded'] as string[]) : []);
    const skip = typeof cp?.['after'] === 'number' ? cp['after'] : 0;
    const f = await this.folded();
    const isNew = (fp: string) => !base.has(fp);
    const records: SourceRecord[] = [];
    for (const r of f.fold.records(entity)) if ([...r.files].some(isNew)) records.push(r.superseded ? { sourceId: r.sourceId, op: 'delete', fields: {} } : { sourceId: r.sourceId, op: 'upsert', fields: r.fields });
    for (const r of f.rejects.get(entity) ?? []) if (isNew(r.file)) records.push(r.record);
    const loaded = [...base].sort();
    const all = [...new Set([...base, ...f.files.map((x) => x.fingerprint)])].sort();
    const batchSize = Math.max(1, options.batchSize);
    let seq = 0;
    let i = skip;
    while (i < records.length) {
      options.signal?.throwIfAborted();
      const chunk = records.slice(i, i + batchSize);
      i += chunk.length;
      const final = i >= records.length;
      const checkpoint: Checkpoint = final ? { loaded: all } : { loaded, after: i };
      yield { v: 1, sourceSystem: this.def.sourceSystem, entity, seq: seq++, records: chunk, checkpoint, final };
    }
    if (seq === 0) yield { v: 1, sourceSystem: this.def.sourceSystem, entity, seq: 0, records: [], checkpoint: { loaded: all }, final: true };
  }

  async sample(entity: string, limit: number): Promise<RecordBatch> {
    for await (const b of this.read(entity, { batchSize: limit })) return { ...b, final: true };
    return { v: 1, sourceSystem: this.def.sourceSystem, entity, seq: 0, records: [], checkpoint: {}, final: true };
  }

  async close(): Promise<void> {
    this.cache = null;
  }
}

