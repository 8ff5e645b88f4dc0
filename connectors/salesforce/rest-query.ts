/**
 * REST query / queryAll paged by nextRecordsUrl through the SDK's next-url-in-body paginator. Used for
 * objects Bulk API 2.0 does not support, and for samples.
 */
import { paginate, type PageState } from '../sdk/index.ts';
import { restRecord, type SfTypeMap } from './readers.ts';
import type { RecordPage } from './bulk-query.ts';
import type { SalesforceSession } from './session.ts';

export interface RestQueryOptions {
  entity: string;
  soql: string;
  /** queryAll: include deleted and archived records (IsDeleted = true). */
  all: boolean;
  start?: PageState;
  /** Sforce-Query-Options batchSize: 200..2000. */
  pageSize: number;
  types: SfTypeMap;
  signal?: AbortSignal;
}

export async function* restPages(s: SalesforceSession, o: RestQueryOptions): AsyncGenerator<RecordPage> {
  const batchSize = Math.min(2000, Math.max(200, o.pageSize));
  const headers = { 'Sforce-Query-Options': `batchSize=${batchSize}` };
  const pages = paginate(
    { type: 'next-url-in-body', nextUrlPath: 'nextRecordsUrl' },
    { vendor: 'salesforce', stream: o.entity, recordSelector: 'records', pageSize: batchSize, start: o.start ?? null },
    async (req) => {
      const res = req.url
        ? await s.request({ path: req.url, headers, stream: o.entity, signal: o.signal })
        : await s.request({ path: o.all ? '/queryAll' : '/query', query: { q: o.soql }, headers, stream: o.entity, signal: o.signal });
      return { body: res.body, headers: res.headers };
    },
  );
  for await (const page of pages) {
    const raws = page.records as Array<Record<string, unknown>>;
    yield { state: page.state, records: (async function* () { for (const r of raws) yield restRecord(r, o.types); })() };
  }
}
