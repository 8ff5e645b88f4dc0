/**
 * The Salesforce SourceConnector. Discovery via describeGlobal/describe; extraction via Bulk API 2.0
 * query jobs (REST query fallback for objects Bulk refuses); incremental passes on SystemModstamp with
 * `>=`; queryAll on incremental passes so deletions arrive as op 'delete'. A new pass re-reads the
 * whole second at the previous high-water mark: SystemModstamp has whole-second resolution, so a record
 * already read at that second can be edited again within it without its timestamp moving (a tie that
 * skipping the ids seen at the boundary would lose). The overlap is a few records, loaded as unchanged.
 *
 * Checkpoint (a pure function of the records emitted):
 *   in a pass  {mode, job?, page, skip, since?, sinceIds?, cursor?, ids?, seq}
 *   after one  {cursor, ids} (incremental) or {complete: true} (objects without a cursor field)
 */
import type { CheckResult, DiscoveredSchema, ReadOptions, SourceConnector } from '../../shared/connector.ts';
import type { Checkpoint, RecordBatch, SourceRecord } from '../../shared/record-batch.ts';
import {
  advanceHighWater, afterLowerBound, parseStreamCheckpoint, toCheckpoint, toIsoCursor, type HighWater, type PageState, type StreamCheckpoint,
} from '../sdk/index.ts';
import { createQueryJob, deleteJob, delimiterOf, isBulkUnsupported, isGone, resultPages, waitForJob, type RecordPage } from './bulk-query.ts';
import {
  BULK_UNSUPPORTED, cursorFieldOf, DEFAULT_ENTITIES, parseDescribe, parseGlobal, selectFields, streamInfo, supportsDeletes, typeMap,
  type SObjectDescribe,
} from './discover.ts';
import { restPages } from './rest-query.ts';
import { toReauthorize, type SalesforceSession } from './session.ts';

export interface SalesforceReadTuning {
  /** 'auto' uses Bulk API 2.0 and falls back to REST for objects Bulk refuses. */
  extraction: 'auto' | 'bulk' | 'rest';
  /** maxRecords per Bulk results page. */
  bulkPageSize: number;
  /** First Bulk job poll interval (backs off to 5 s). */
  pollIntervalMs: number;
  /** Entities to expose; default the mapped standard objects plus every custom object. */
  entities?: string[];
}

interface PassCheckpoint extends StreamCheckpoint {
  mode?: 'bulk' | 'rest';
  job?: string;
  seq?: number;
}

function parseCp(cp: Checkpoint | undefined): PassCheckpoint {
  const out: PassCheckpoint = parseStreamCheckpoint(cp);
  if (cp?.mode === 'bulk' || cp?.mode === 'rest') out.mode = cp.mode;
  if (typeof cp?.job === 'string') out.job = cp.job;
  if (typeof cp?.seq === 'number') out.seq = cp.seq;
  return out;
}

/** SOQL datetime literal; Salesforce timestamps are whole seconds, so flooring loses nothing. */
function soqlDateTime(iso: string): string {
  return new Date(Math.floor(Date.parse(iso) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Ids at the cursor timestamp; advanceHighWater keeps at most MAX_TIE_IDS (past that the next pass re-reads that second). */
const tieIds = (hw: HighWater): string[] | undefined => (hw.cursor === undefined ? undefined : hw.ids);

function samePage(a: PageState | undefined, b: PageState | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

export class SalesforceConnector implements SourceConnector {
  readonly sourceSystem = 'salesforce';
  private readonly describes = new Map<string, Promise<SObjectDescribe>>();
  private global: Promise<Array<{ name: string; custom: boolean; queryable: boolean }>> | undefined;

  constructor(readonly session: SalesforceSession, private readonly tuning: SalesforceReadTuning) {}

  async check(): Promise<CheckResult> {
    try {
      const res = await this.session.request({ path: '/limits', stream: 'limits' });
      const daily = (res.body as { DailyApiRequests?: { Max: number; Remaining: number } }).DailyApiRequests;
      return { ok: true, message: daily ? `connected; ${daily.Remaining} of ${daily.Max} daily API requests left` : 'connected', details: daily ? { dailyApiRequests: daily } : {} };
    } catch (e) {
      return { ok: false, message: (toReauthorize(e, 'limits', undefined) ?? (e as Error)).message };
    }
  }

  private objects(): Promise<Array<{ name: string; custom: boolean; queryable: boolean }>> {
    this.global ??= this.session.request({ path: '/sobjects', stream: 'sobjects' }).then((r) => parseGlobal(r.body));
    this.global.catch(() => (this.global = undefined));
    return this.global;
  }

  describe(entity: string): Promise<SObjectDescribe> {
    let d = this.describes.get(entity);
    if (!d) {
      d = this.session.request({ path: `/sobjects/${encodeURIComponent(entity)}/describe`, stream: entity }).then((r) => parseDescribe(r.body));
      this.describes.set(entity, d);
      d.catch(() => this.describes.delete(entity));
    }
    return d;
  }

  async entities(): Promise<string[]> {
    if (this.tuning.entities) return [...this.tuning.entities];
    const all = await this.objects();
    const names = new Set(all.map((o) => o.name));
    return [...DEFAULT_ENTITIES.filter((e) => names.has(e)), ...all.filter((o) => o.custom && o.queryable && o.name.endsWith('__c')).map((o) => o.name)];
  }

  async discover(): Promise<DiscoveredSchema> {
    const warnings: string[] = [];
    const streams = [];
    for (const entity of await this.entities()) {
      const d = await this.describe(entity);
      const info = streamInfo(d);
      if (!info.supportsIncremental) warnings.push(`${entity} has no SystemModstamp/LastModifiedDate: every run re-reads it in full`);
      if (BULK_UNSUPPORTED.has(entity)) warnings.push(`${entity} is not supported by Bulk API 2.0: read with REST query`);
      streams.push(info);
    }
    return { sourceSystem: 'salesforce', version: this.session.http.resolveUrl('/').pathname.split('/').filter(Boolean).pop(), streams, warnings };
  }

  async sample(entity: string, limit: number): Promise<RecordBatch> {
    const d = await this.describe(entity);
    const soql = `SELECT ${selectFields(d).join(', ')} FROM ${d.name} LIMIT ${Math.max(1, Math.floor(limit))}`;
    const records: SourceRecord[] = [];
    for await (const page of restPages(this.session, { entity, soql, all: false, pageSize: 200, types: typeMap(d) })) {
      for await (const r of page.records) if (records.length < limit) records.push(r);
      if (records.length >= limit) break;
    }
    return { v: 1, sourceSystem: 'salesforce', entity, seq: 0, records, checkpoint: {}, final: true };
  }

  async close(): Promise<void> {
    this.describes.clear();
  }

  async *read(entity: string, options: ReadOptions): AsyncIterable<RecordBatch> {
    const cp = parseCp(options.checkpoint);
    let last: Checkpoint | undefined = options.checkpoint;
    try {
      yield* this.pass(entity, options, cp, (c) => (last = c));
    } catch (e) {
      throw toReauthorize(e, entity, last) ?? e;
    }
  }

  private async *pass(entity: string, options: ReadOptions, cp: PassCheckpoint, emitted: (c: Checkpoint) => void): AsyncGenerator<RecordBatch> {
    const s = this.session;
    const d = await this.describe(entity);
    const types = typeMap(d);
    const cursorField = cursorFieldOf(d);
    const inPass = cp.page !== undefined || cp.job !== undefined;
    // The pass's lower bound: carried by an in-progress checkpoint, or the previous pass's high-water mark.
    const since = inPass ? cp.since : cursorField ? cp.cursor : undefined;
    // A pass in progress keeps skipping its own boundary ids; a new pass re-reads the boundary second
    // (the `ids` of a finished pass are informational).
    const sinceIds = inPass ? cp.sinceIds ?? [] : [];
    const all = since !== undefined && supportsDeletes(d);
    const where = since !== undefined && cursorField ? ` WHERE ${cursorField} >= ${soqlDateTime(since)}` : '';
    const soql = `SELECT ${selectFields(d, options.fields).join(', ')} FROM ${d.name}${where}`;
    let mode: 'bulk' | 'rest' = inPass && cp.mode ? cp.mode
      : this.tuning.extraction === 'rest' || (this.tuning.extraction === 'auto' && BULK_UNSUPPORTED.has(d.name)) ? 'rest' : 'bulk';
    let hw: HighWater = inPass ? { cursor: cp.cursor, ids: cp.ids ?? [] } : { ids: [] };
    let seq = inPass ? (cp.seq ?? -1) + 1 : 0;
    let resume: { page: PageState; skip: number } | undefined = inPass ? { page: cp.page ?? null, skip: cp.skip ?? 0 } : undefined;
    let job = inPass ? cp.job : undefined;

    const openPages = async (): Promise<AsyncGenerator<RecordPage>> => {
      if (mode === 'rest') return restPages(s, { entity, soql, all, start: resume?.page, pageSize: options.batchSize, types, signal: options.signal });
      if (!job) {
        try {
          job = (await createQueryJob(s, { entity, soql, operation: all ? 'queryAll' : 'query', signal: options.signal })).id;
        } catch (e) {
          if (this.tuning.extraction === 'bulk' || !isBulkUnsupported(e)) throw e;
          s.log.warn('Bulk API 2.0 refused the object; falling back to REST query', { entity });
          mode = 'rest';
          return openPages();
        }
      }
      const info = await waitForJob(s, entity, job, this.tuning.pollIntervalMs, options.signal);
      return resultPages(s, { entity, soql, operation: all ? 'queryAll' : 'query', jobId: job, start: resume?.page, maxRecords: this.tuning.bulkPageSize,
        types, pollIntervalMs: this.tuning.pollIntervalMs, signal: options.signal, delimiter: delimiterOf(info) });
    };

    // Open the pages and fetch the first one here, so that an expired job, locator or query cursor
    // named by the checkpoint is noticed before anything is emitted.
    const openFirst = async (): Promise<[AsyncGenerator<RecordPage>, IteratorResult<RecordPage>]> => {
      const g = await openPages();
      return [g, await g.next()];
    };
    let opened: [AsyncGenerator<RecordPage>, IteratorResult<RecordPage>];
    try {
      opened = await openFirst();
    } catch (e) {
      if (!resume || !isGone(e)) throw e;
      // The job or query cursor of the checkpoint expired: re-read the pass's window from its lower bound.
      s.log.warn('checkpointed job or query cursor expired; re-reading the pass from its lower bound', { entity });
      resume = undefined;
      job = undefined;
      opened = await openFirst();
    }
    const [rest, first] = opened;
    const pages = (async function* (): AsyncGenerator<RecordPage> {
      if (first.done) return;
      yield first.value;
      yield* rest;
    })();

    let batch: SourceRecord[] = [];
    const checkpointAt = (page: PageState, skip: number): Checkpoint =>
      toCheckpoint({ mode, job, page, skip, since, sinceIds: since !== undefined ? sinceIds : undefined, cursor: hw.cursor, ids: tieIds(hw), seq } as PassCheckpoint);
    for await (const page of pages) {
      const skip = resume && samePage(resume.page, page.state) ? resume.skip : 0;
      resume = undefined;
      let consumed = 0;
      for await (const rec of page.records) {
        consumed++;
        if (consumed <= skip) continue;
        const at = cursorField ? toIsoCursor(rec.fields[cursorField]) : undefined;
        if (!afterLowerBound(at, rec.sourceId, since, sinceIds)) continue;
        hw = advanceHighWater(hw, at, rec.sourceId);
        batch.push(rec);
        if (batch.length >= options.batchSize) {
          const checkpoint = checkpointAt(page.state, consumed);
          yield { v: 1, sourceSystem: 'salesforce', entity, seq, records: batch, checkpoint, final: false };
          emitted(checkpoint);
          seq++;
          batch = [];
        }
      }
    }
    if (mode === 'bulk' && job) await deleteJob(s, entity, job);
    const end: Checkpoint = cursorField
      ? toCheckpoint({ cursor: hw.cursor ?? since, ids: hw.cursor ? tieIds(hw) : sinceIds })
      : { complete: true };
    yield { v: 1, sourceSystem: 'salesforce', entity, seq, records: batch, checkpoint: end, final: true };
    emitted(end);
  }
}
