/**
 * Bulk API 2.0 query jobs: POST /jobs/query, GET/PATCH/DELETE /jobs/query/{id}, and
 * GET /jobs/query/{id}/results?locator=…&maxRecords=… streaming CSV with Sforce-Locator (the next
 * locator, or the string "null") and Sforce-NumberOfRecords. A job sees the org as of its creation.
 */
import { randomBytes } from 'node:crypto';
import { csvHeader, csvRow } from './format.ts';
import { ApiError, readJson, sendJson, type Ctx } from './http.ts';
import type { OrgLimits } from './limits.ts';
import { sfDateTime } from './ids.ts';
import { parseSoql, SoqlError, type SoqlQuery } from './soql.ts';
import type { Cursor, OrgStore } from './store.ts';
import { snapshot } from './rest.ts';

const DELIMITERS: Record<string, string> = { COMMA: ',', TAB: '\t', PIPE: '|', SEMICOLON: ';', CARET: '^', BACKQUOTE: '`' };
const DEFAULT_PAGE = 50_000;

interface Job {
  info: Record<string, unknown>;
  query?: SoqlQuery;
  cursor?: Cursor;
  /** locator → cursor position at the start of that page; "" is the first page. */
  positions: Map<string, ReturnType<typeof snapshot>>;
  polls: number;
  served: number;
}

export class BulkApi {
  private readonly jobs = new Map<string, Job>();
  created = 0;

  constructor(private readonly store: OrgStore, private readonly guard: OrgLimits, private readonly userId: string) {}

  async create(ctx: Ctx): Promise<void> {
    const body = await readJson(ctx.req);
    const operation = body.operation;
    if (operation !== 'query' && operation !== 'queryAll') throw new ApiError(400, 'INVALIDJOB', `InvalidJob : Invalid operation: ${String(operation)}`);
    if (typeof body.query !== 'string' || !body.query.trim()) throw new ApiError(400, 'INVALIDJOB', 'InvalidJob : query is required');
    const delimiter = String(body.columnDelimiter ?? 'COMMA');
    const lineEnding = String(body.lineEnding ?? 'LF');
    if (!DELIMITERS[delimiter]) throw new ApiError(400, 'INVALIDJOB', `InvalidJob : Invalid column delimiter: ${delimiter}`);
    if (lineEnding !== 'LF' && lineEnding !== 'CRLF') throw new ApiError(400, 'INVALIDJOB', `InvalidJob : Invalid line ending: ${lineEnding}`);
    let query: SoqlQuery;
    try {
      query = parseSoql(body.query);
    } catch (e) {
      if (e instanceof SoqlError) throw new ApiError(400, e.errorCode, e.message);
      throw e;
    }
    if (query.object.bulkUnsupported) throw new ApiError(400, 'INVALIDENTITY', `Entity '${query.object.name}' is not supported by the Bulk API.`);
    const id = `7505g0000${randomBytes(5).toString('hex').slice(0, 9).toUpperCase()}`;
    const now = sfDateTime(Date.now());
    const info: Record<string, unknown> = {
      id, operation, object: query.object.name, createdById: this.userId, createdDate: now, systemModstamp: now, state: 'UploadComplete',
      concurrencyMode: 'Parallel', contentType: 'CSV', apiVersion: Number(ctx.version), lineEnding, columnDelimiter: delimiter,
    };
    const job: Job = { info, query, positions: new Map(), polls: 0, served: 0 };
    if (query.fields.some((f) => f.field.type === 'address')) {
      job.query = undefined;
      info.state = 'Failed';
      info.errorMessage = 'FUNCTIONALITY_NOT_ENABLED : Selecting compound data not supported in Bulk Query';
    } else {
      job.cursor = this.store.open(query, operation === 'queryAll');
      job.positions.set('', snapshot(job.cursor));
    }
    this.jobs.set(id, job);
    this.created++;
    sendJson(ctx.res, 200, info, ctx.extraHeaders);
  }

  /** GET /jobs/query/{id}: the job advances UploadComplete → InProgress → JobComplete as it is polled. */
  info(ctx: Ctx, id: string): void {
    const job = this.get(id);
    job.polls++;
    if (job.info.state === 'UploadComplete') job.info.state = 'InProgress';
    else if (job.info.state === 'InProgress' && job.query) {
      job.info.state = 'JobComplete';
      job.info.numberRecordsProcessed = this.store.total(job.query, job.info.operation === 'queryAll');
      job.info.systemModstamp = sfDateTime(Date.now());
    }
    sendJson(ctx.res, 200, {
      ...job.info, jobType: 'V2Query', numberRecordsProcessed: job.info.numberRecordsProcessed ?? 0, retries: 0, totalProcessingTime: 40 * job.polls,
    }, ctx.extraHeaders);
  }

  /** PATCH {"state":"Aborted"} */
  async patch(ctx: Ctx, id: string): Promise<void> {
    const job = this.get(id);
    const body = await readJson(ctx.req);
    if (body.state !== 'Aborted') throw new ApiError(400, 'INVALIDJOBSTATE', `InvalidJobState : Invalid state: ${String(body.state)}`);
    if (job.info.state === 'JobComplete' || job.info.state === 'Failed') throw new ApiError(400, 'INVALIDJOBSTATE', `InvalidJobState : Job ${id} is already ${String(job.info.state)}`);
    job.info.state = 'Aborted';
    sendJson(ctx.res, 200, job.info, ctx.extraHeaders);
  }

  remove(ctx: Ctx, id: string): void {
    this.get(id);
    this.jobs.delete(id);
    ctx.res.writeHead(204, ctx.extraHeaders);
    ctx.res.end();
  }

  async results(ctx: Ctx, id: string): Promise<void> {
    const job = this.get(id);
    if (job.info.state !== 'JobComplete' || !job.query || !job.cursor) {
      throw new ApiError(400, 'INVALIDJOBSTATE', `InvalidJobState : Job ${id} is not complete (state ${String(job.info.state)})`);
    }
    const locator = ctx.url.searchParams.get('locator') ?? '';
    const pos = job.positions.get(locator);
    if (!pos) throw new ApiError(400, 'INVALIDLOCATOR', `InvalidLocator : Invalid locator: ${locator}`);
    const maxParam = ctx.url.searchParams.get('maxRecords');
    const max = maxParam === null ? DEFAULT_PAGE : Number(maxParam);
    if (!Number.isInteger(max) || max < 1) throw new ApiError(400, 'INVALIDPARAMETER', `maxRecords must be a positive integer: ${maxParam}`);
    const base = job.cursor;
    const query = job.query;
    const offset = locator ? Number(Buffer.from(locator, 'base64').toString('utf8')) : 0;
    const delimiter = DELIMITERS[String(job.info.columnDelimiter)]!;
    const eol = job.info.lineEnding === 'CRLF' ? '\r\n' : '\n';
    // Headers carry the row count and the next locator, so a counting pass sizes the page first;
    // records are generated from their index, so re-running the cursor is cheap and holds nothing.
    // Each request works on its own copy of the cursor, so concurrent page fetches never interfere.
    let cursor: Cursor = { ...base, ...pos };
    let count = 0;
    while (count < max) {
      const n = this.store.skip(cursor, Math.min(max - count, 5000));
      if (n === 0) break;
      count += n;
    }
    const end = snapshot(cursor);
    let nextLocator = 'null';
    if (!cursor.done && this.store.skip(cursor, 1) > 0) {
      nextLocator = Buffer.from(String(offset + count)).toString('base64');
      job.positions.set(nextLocator, end);
    }
    const touched = this.guard.faults.modification(this.store.count(query.object));
    if (touched !== undefined) this.store.modify(query.object, touched, {});
    const res = ctx.res;
    res.writeHead(200, { 'Content-Type': 'text/csv', 'Sforce-Locator': nextLocator, 'Sforce-NumberOfRecords': String(count), ...ctx.extraHeaders });
    if (!res.write(csvHeader(query, delimiter, eol))) await drain(res);
    cursor = { ...base, ...pos };
    for (let left = count; left > 0;) {
      const rows = this.store.take(cursor, Math.min(left, 1000));
      if (rows.length === 0) break;
      left -= rows.length;
      if (!res.write(rows.map((r) => csvRow(query, r, delimiter, eol)).join(''))) await drain(res);
    }
    job.served++;
    res.end();
  }

  private get(id: string): Job {
    const job = this.jobs.get(id);
    if (!job) throw new ApiError(404, 'NOT_FOUND', `The requested resource does not exist`);
    return job;
  }
}

function drain(res: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => res.once('drain', () => resolve()));
}
