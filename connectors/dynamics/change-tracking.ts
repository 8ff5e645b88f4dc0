/**
 * Dataverse change tracking. A full pass asks for `Prefer: odata.track-changes`; its last page carries
 * `@odata.deltaLink`, kept in the pass's final checkpoint. The next pass follows that link: changed
 * records come back whole (upserts) and deletions as `$deletedEntity` entries
 * (`{"@odata.context": "…/$deletedEntity", "id": "<guid>", "reason": "deleted"}`), emitted as
 * `op: 'delete'` with that id. Tables without change tracking return no delta link and stay on the
 * modifiedon cursor (the SDK's incremental path).
 *
 * Checkpoints: `{deltaLink, cursor, ids}` after a finished pass; `{deltaPage, skip, cursor, ids}` inside
 * a delta pass (the delta page's URL and how many of its entries were emitted). cursor/ids keep the
 * modifiedon high-water mark so the cursor path stays usable as a fallback.
 */
import { advanceHighWater, type HighWater } from '../sdk/checkpoint.ts';
import { paginate, type HookContext } from '../sdk/index.ts';
import type { Checkpoint, RecordBatch, SourceRecord } from '../../shared/record-batch.ts';
import type { DataverseTable } from './definition.ts';
import { DataverseResponseError, linkOf, normalizeRecord } from './odata-reader.ts';
import { preferHeader } from './pages.ts';

export interface DeltaPage {
  records: SourceRecord[];
  nextLink?: string;
  deltaLink?: string;
}

/** True for a `$deletedEntity` entry of a delta response. */
export function isDeletedEntity(entry: Record<string, unknown>): boolean {
  const ctx = entry['@odata.context'];
  return typeof ctx === 'string' && /\/\$deletedEntity$/.test(ctx);
}

/** One delta response → upserts for changed records, deletes for `$deletedEntity` entries. */
export function readDeltaPage(body: unknown, entity: string, primaryId: string): DeltaPage {
  if (!body || typeof body !== 'object') throw new DataverseResponseError(entity, 'delta body is not a JSON object');
  const b = body as Record<string, unknown>;
  const value = b['value'];
  if (!Array.isArray(value)) throw new DataverseResponseError(entity, 'delta "value" is not an array');
  const records = value.map((r, i): SourceRecord => {
    if (!r || typeof r !== 'object') throw new DataverseResponseError(entity, `delta value[${i}] is not an object`);
    const entry = r as Record<string, unknown>;
    if (isDeletedEntity(entry)) {
      const id = entry['id'];
      if (typeof id !== 'string' || id === '') throw new DataverseResponseError(entity, `delta value[${i}] ($deletedEntity) has no id`);
      return { sourceId: id.toLowerCase(), op: 'delete', fields: { [primaryId]: id.toLowerCase(), reason: typeof entry['reason'] === 'string' ? entry['reason'] : 'deleted' } };
    }
    const fields = normalizeRecord(entry);
    const id = fields[primaryId];
    if (typeof id !== 'string' || id === '') throw new DataverseResponseError(entity, `delta value[${i}] has no ${primaryId}`);
    return { sourceId: id.toLowerCase(), op: 'upsert', fields };
  });
  return { records, nextLink: linkOf(b, '@odata.nextLink'), deltaLink: linkOf(b, '@odata.deltaLink') };
}

export interface DeltaCheckpoint {
  deltaLink?: string;
  deltaPage?: string;
  skip?: number;
  cursor?: string;
  ids?: string[];
}

export function parseDeltaCheckpoint(cp: Checkpoint | undefined): DeltaCheckpoint | undefined {
  if (!cp) return undefined;
  const deltaLink = typeof cp['deltaLink'] === 'string' ? cp['deltaLink'] : undefined;
  const deltaPage = typeof cp['deltaPage'] === 'string' ? cp['deltaPage'] : undefined;
  // A mid-pass checkpoint of a full pass (page/skip) resumes that pass, even when it carries no delta state.
  if (deltaPage === undefined && (deltaLink === undefined || cp['page'] !== undefined)) return undefined;
  return {
    deltaLink, deltaPage,
    skip: typeof cp['skip'] === 'number' ? cp['skip'] : undefined,
    cursor: typeof cp['cursor'] === 'string' ? cp['cursor'] : undefined,
    ids: Array.isArray(cp['ids']) ? cp['ids'].map(String) : undefined,
  };
}

function toCheckpoint(c: DeltaCheckpoint): Checkpoint {
  const out: Checkpoint = {};
  for (const [k, v] of Object.entries(c)) if (v !== undefined) out[k] = v;
  return out;
}

export interface DeltaPassArgs {
  table: DataverseTable;
  checkpoint: DeltaCheckpoint;
  batchSize: number;
  pageSize: number;
}

/** An incremental pass that follows a delta link, cut into RecordBatches. */
export async function* readDeltaPass(ctx: HookContext, args: DeltaPassArgs): AsyncGenerator<RecordBatch> {
  const { table, checkpoint: cp } = args;
  const startUrl = cp.deltaPage ?? cp.deltaLink!;
  const skipFirst = cp.deltaPage !== undefined ? cp.skip ?? 0 : 0;
  const headers = { prefer: preferHeader(args.pageSize) };
  let hw: HighWater = { cursor: cp.cursor, ids: cp.ids ?? [] };
  let seq = 0;
  let buffer: SourceRecord[] = [];
  let nextDelta: string | undefined;
  const batch = (records: SourceRecord[], c: DeltaCheckpoint, final: boolean): RecordBatch => ({
    v: 1, sourceSystem: ctx.definition.sourceSystem, entity: table.entity, seq: seq++, records, checkpoint: toCheckpoint(c), final,
  });
  const pages = paginate(
    ctx.definition.paginator,
    { vendor: ctx.definition.sourceSystem, stream: table.entity, recordSelector: 'records', pageSize: args.pageSize, start: { url: startUrl } },
    async (req) => {
      const res = await ctx.http.request({ path: req.url ?? startUrl, query: {}, headers, stream: table.entity, signal: ctx.signal });
      const page = readDeltaPage(res.body, table.entity, table.id);
      return { body: { records: page.records, nextLink: page.nextLink, deltaLink: page.deltaLink }, headers: res.headers };
    },
  );
  let first = true;
  for await (const page of pages) {
    const url = page.state?.url ?? startUrl;
    const records = page.records as SourceRecord[];
    for (let i = first ? skipFirst : 0; i < records.length; i++) {
      const rec = records[i]!;
      if (rec.op === 'upsert') {
        const m = rec.fields['modifiedon'];
        const cursor = typeof m === 'string' && Number.isFinite(Date.parse(m)) ? new Date(Date.parse(m)).toISOString() : undefined;
        hw = advanceHighWater(hw, cursor, rec.sourceId);
      }
      buffer.push(rec);
      if (buffer.length >= args.batchSize) {
        yield batch(buffer, { deltaPage: url, skip: i + 1, cursor: hw.cursor, ids: hw.cursor ? hw.ids : undefined }, false);
        buffer = [];
      }
    }
    first = false;
    if (page.next === undefined) nextDelta = (page.body as { deltaLink?: string }).deltaLink;
  }
  // Without a new delta link (should not happen) the next pass falls back to the modifiedon cursor.
  yield batch(buffer, { deltaLink: nextDelta, cursor: hw.cursor, ids: hw.cursor ? hw.ids : undefined }, true);
}
