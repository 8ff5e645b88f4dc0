/**
 * Pages of an incremental HubSpot pass: records modified since the cursor (search windows), then
 * records archived since then (the list API with archived=true), which become delete ops. Each page
 * state records its phase so a checkpoint resumes in the right one.
 */
import { paginate, type CredentialRateLimiter, type HookContext, type Page, type PageState, type StreamDefinition } from '../sdk/index.ts';
import type { CrmObject } from './definition.ts';
import { searchWindows } from './search-windows.ts';

export interface IncrementalPagesArgs {
  stream: StreamDefinition;
  start: PageState;
  since: string;
  properties: string[];
  limiter: CredentialRateLimiter;
  searchCap?: number;
}

const ARCHIVED = 'archived:';

/** An archived record's cursor is when it was archived, so it sorts after the writes that preceded it. */
function withArchiveTime(rec: unknown): unknown {
  const r = rec as { updatedAt?: string; archivedAt?: string };
  if (!r.archivedAt || (r.updatedAt && r.updatedAt >= r.archivedAt)) return rec;
  return { ...r, updatedAt: r.archivedAt };
}

export async function* incrementalPages(ctx: HookContext, args: IncrementalPagesArgs): AsyncGenerator<Page> {
  const type = args.stream.name as CrmObject;
  const startToken = args.start?.token;
  const archivedFirstPage: PageState = { token: ARCHIVED };
  if (!startToken?.startsWith(ARCHIVED)) {
    for await (const page of searchWindows(ctx, { stream: args.stream, start: args.start, since: args.since, properties: args.properties, limiter: args.limiter, cap: args.searchCap })) {
      yield page.next === undefined ? { ...page, next: archivedFirstPage } : page;
    }
  }
  const resumeAfter = startToken?.startsWith(ARCHIVED) ? startToken.slice(ARCHIVED.length) : '';
  const pages = paginate(
    { type: 'cursor-in-body', cursorPath: 'paging.next.after', param: 'after', tokenIn: 'query' },
    { vendor: 'hubspot', stream: type, recordSelector: 'results', pageSize: 100, start: resumeAfter ? { token: resumeAfter } : null },
    async (req) => {
      const res = await ctx.http.request({ path: args.stream.path, stream: type, signal: ctx.signal, query: { limit: '100', archived: 'true', ...req.query } });
      return { body: res.body, headers: res.headers };
    },
  );
  for await (const page of pages) {
    yield {
      ...page,
      state: { token: ARCHIVED + (page.state?.token ?? '') },
      next: page.next ? { token: ARCHIVED + page.next.token } : undefined,
      records: page.records.map(withArchiveTime),
    };
  }
}
