/**
 * Bulk API 2.0 query jobs, the SDK's code escape hatch for Salesforce: create the job, poll it to
 * JobComplete, then page the CSV results with locator/maxRecords through the SDK's header-cursor
 * paginator until Sforce-Locator is "null". Each page's CSV is streamed through csv-parse.
 */
import { Readable } from 'node:stream';
import type { SourceRecord } from '../../shared/record-batch.ts';
import { ConnectorHttpError, paginate, realClock, type PageState } from '../sdk/index.ts';
import { redactText } from '../../shared/log/redact.ts';
import { BULK_DELIMITERS, csvRecords, parseJobInfo, type JobInfo, type SfTypeMap } from './readers.ts';
import type { SalesforceSession } from './session.ts';

export interface RecordPage {
  /** Re-fetch position of this page (null = first page). */
  state: PageState;
  records: AsyncIterable<SourceRecord>;
}

export interface BulkQueryOptions {
  entity: string;
  soql: string;
  operation: 'query' | 'queryAll';
  /** Resume an existing job instead of creating one. */
  jobId?: string;
  start?: PageState;
  maxRecords: number;
  types: SfTypeMap;
  pollIntervalMs: number;
  signal?: AbortSignal;
}

export class BulkJobFailedError extends Error {
  override readonly name = 'BulkJobFailedError';
  constructor(entity: string, jobId: string, state: string, detail?: string) {
    super(redactText(`Bulk API 2.0 query job ${jobId} for ${entity} ended ${state}${detail ? `: ${detail}` : ''}`));
  }
}

/** True when Salesforce refused to create a Bulk job for this object (fall back to REST query). */
export function isBulkUnsupported(e: unknown): boolean {
  return e instanceof ConnectorHttpError && e.status === 400 && /INVALIDENTITY|not supported by the Bulk API/i.test(e.message);
}

/** True when a job or locator the checkpoint names no longer exists (jobs are deleted after 7 days). */
export function isGone(e: unknown): boolean {
  return e instanceof ConnectorHttpError && (e.status === 404 || (e.status === 400 && /INVALIDLOCATOR|INVALID_QUERY_LOCATOR/i.test(e.message)));
}

export async function createQueryJob(s: SalesforceSession, o: Pick<BulkQueryOptions, 'entity' | 'soql' | 'operation' | 'signal'>): Promise<JobInfo> {
  const res = await s.request({ method: 'POST', path: '/jobs/query', body: { operation: o.operation, query: o.soql, contentType: 'CSV', columnDelimiter: 'COMMA', lineEnding: 'LF' }, stream: o.entity, signal: o.signal });
  return parseJobInfo(res.body);
}

/** Poll until JobComplete; Failed or Aborted throw BulkJobFailedError. Backs off from pollIntervalMs to 5 s. */
export async function waitForJob(s: SalesforceSession, entity: string, jobId: string, pollIntervalMs: number, signal?: AbortSignal): Promise<JobInfo> {
  let wait = pollIntervalMs;
  for (;;) {
    const info = parseJobInfo((await s.request({ path: `/jobs/query/${jobId}`, stream: entity, signal })).body);
    if (info.state === 'JobComplete') return info;
    if (info.state === 'Failed' || info.state === 'Aborted') throw new BulkJobFailedError(entity, jobId, info.state, info.errorMessage);
    await realClock.sleep(wait, signal);
    wait = Math.min(5000, Math.round(wait * 1.5));
  }
}

/** Pages of a completed job, from `start`. The caller must finish (or abandon) each page's records before asking for the next. */
export async function* resultPages(s: SalesforceSession, o: BulkQueryOptions & { jobId: string; delimiter?: string }): AsyncGenerator<RecordPage> {
  let current: ReadableStream<Uint8Array> | undefined;
  const pages = paginate(
    { type: 'header-cursor', header: 'Sforce-Locator', param: 'locator', stopValues: ['', 'null'] },
    { vendor: 'salesforce', stream: o.entity, recordSelector: '', pageSize: o.maxRecords, start: o.start ?? null },
    async (req) => {
      const res = await s.request({ path: `/jobs/query/${o.jobId}/results`, query: { ...req.query, maxRecords: String(o.maxRecords) }, headers: { accept: 'text/csv' }, streamBody: true, stream: o.entity, signal: o.signal });
      current = res.body as ReadableStream<Uint8Array> | undefined;
      return { body: undefined, headers: res.headers };
    },
  );
  for await (const page of pages) {
    const body = current;
    current = undefined;
    const source = body ? Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>) : Readable.from([]);
    try {
      yield { state: page.state, records: csvRecords(source, { types: o.types, delimiter: o.delimiter }) };
    } finally {
      // A page abandoned half-read (abort, error) must not keep its socket.
      source.destroy();
    }
  }
}

/** Best-effort cleanup once every page is read: a finished job only costs org storage. */
export async function deleteJob(s: SalesforceSession, entity: string, jobId: string): Promise<void> {
  try {
    await s.request({ method: 'DELETE', path: `/jobs/query/${jobId}`, stream: entity });
  } catch (e) {
    s.log.warn('could not delete finished Bulk query job', { entity, jobId, error: e instanceof Error ? e.message : String(e) });
  }
}

export function delimiterOf(info: JobInfo): string {
  return BULK_DELIMITERS[info.columnDelimiter ?? 'COMMA'] ?? ',';
}
