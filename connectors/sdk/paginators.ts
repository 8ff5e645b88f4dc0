/**
 * The closed set of paginators, one async generator each. Every generator yields one page at a
 * time (nothing is buffered beyond the page), stops on its documented condition, and throws
 * PaginationLoopError when a page token repeats.
 */
import type { PaginatorDefinition } from './definition.ts';
import { PaginationLoopError, ResponseShapeError } from './errors.ts';
import { getPath } from './json-path.ts';

/** Serializable position of a page: what is needed to request it again. null = the first page. */
export type PageState = { token?: string; url?: string; offset?: number } | null;

export interface PageRequest {
  /** Absolute or base-relative URL replacing the stream path (next-URL and link paginators). */
  url?: string;
  query: Record<string, string>;
  body?: Record<string, unknown>;
}

export interface FetchedPage {
  body: unknown;
  headers: Headers;
}

export interface Page<R extends PageRecords = PageRecords> {
  /** The state this page was fetched with. */
  state: PageState;
  /** The state of the following page; undefined on the last page. */
  next: PageState | undefined;
  /**
   * The page's raw records: an array, or an async iterable consumed one record at a time (a streamed
   * CSV body, a Bulk results page). Consumers use `for await`, which takes both; see `recordsOf`.
   */
  records: R;
  body: unknown;
  headers: Headers;
}

export type PageRecords = readonly unknown[] | AsyncIterable<unknown>;

/** Iterate a page's records whether they are an array or an async iterable. */
export async function* recordsOf(records: PageRecords): AsyncGenerator<unknown> {
  yield* records as AsyncIterable<unknown>;
}

/** A page's records as an array (buffers a streamed page: for code that needs the whole page, e.g. enrich). */
export async function collectRecords(records: PageRecords): Promise<unknown[]> {
  if (Array.isArray(records)) return records as unknown[];
  const out: unknown[] = [];
  for await (const r of records as AsyncIterable<unknown>) out.push(r);
  return out;
}

export type PageFetcher = (request: PageRequest) => Promise<FetchedPage>;

export interface PaginateContext {
  vendor: string;
  stream: string;
  recordSelector: string;
  pageSize: number;
  /** Resume at this page instead of the first. */
  start?: PageState;
  /** Set by `paginateStreaming`: a fetched body may be an async iterable of records. */
  streamed?: boolean;
}

class LoopGuard {
  private readonly seen = new Set<string>();
  constructor(private readonly ctx: PaginateContext) {}
  check(token: string): void {
    if (this.seen.has(token)) throw new PaginationLoopError(this.ctx.vendor, this.ctx.stream, token);
    this.seen.add(token);
  }
}

function selectRecords(body: unknown, ctx: PaginateContext): PageRecords {
  if (isAsyncIterable(body)) {
    if (ctx.streamed) return body;
    throw new ResponseShapeError(ctx.vendor, ctx.stream, 'a streamed body reached paginate(); use paginateStreaming()');
  }
  const records = getPath(body, ctx.recordSelector);
  if (records === undefined || records === null) return [];
  if (!Array.isArray(records)) throw new ResponseShapeError(ctx.vendor, ctx.stream, `"${ctx.recordSelector}" is not an array`);
  return records;
}

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Symbol.asyncIterator in v;
}

function stringAt(body: unknown, path: string): string | undefined {
  const v = getPath(body, path);
  if (v === undefined || v === null || v === '') return undefined;
  return String(v);
}

async function* cursorInBody(def: Extract<PaginatorDefinition, { type: 'cursor-in-body' }>, ctx: PaginateContext, fetchPage: PageFetcher): AsyncGenerator<Page> {
  const guard = new LoopGuard(ctx);
  let state: PageState = ctx.start ?? null;
  if (state?.token) guard.check(state.token);
  for (;;) {
    const req: PageRequest = { query: {} };
    if (state?.token) {
      if (def.tokenIn === 'body') req.body = { [def.param]: state.token };
      else req.query[def.param] = state.token;
    }
    const res = await fetchPage(req);
    const token = stringAt(res.body, def.cursorPath);
    const next: PageState | undefined = token === undefined ? undefined : { token };
    yield { state, next, records: selectRecords(res.body, ctx), ...res };
    if (!next) return;
    guard.check(token!);
    state = next;
  }
}

async function* nextUrlInBody(def: Extract<PaginatorDefinition, { type: 'next-url-in-body' }>, ctx: PaginateContext, fetchPage: PageFetcher): AsyncGenerator<Page> {
  const guard = new LoopGuard(ctx);
  let state: PageState = ctx.start ?? null;
  if (state?.url) guard.check(state.url);
  for (;;) {
    const res = await fetchPage(state?.url ? { url: state.url, query: {} } : { query: {} });
    const url = stringAt(res.body, def.nextUrlPath);
    const next: PageState | undefined = url === undefined ? undefined : { url };
    yield { state, next, records: selectRecords(res.body, ctx), ...res };
    if (!next) return;
    guard.check(url!);
    state = next;
  }
}

async function* offsetPages(def: Extract<PaginatorDefinition, { type: 'offset' }>, ctx: PaginateContext, fetchPage: PageFetcher): AsyncGenerator<Page> {
  let offset = ctx.start?.offset ?? def.startAt;
  let seenRecords = 0;
  for (;;) {
    const state: PageState = offset === def.startAt && !ctx.start ? null : { offset };
    const res = await fetchPage({ query: { [def.param]: String(offset) } });
    const records = selectRecords(res.body, ctx);
    if (!Array.isArray(records)) throw new ResponseShapeError(ctx.vendor, ctx.stream, 'offset paging needs whole pages (not a streamed body)');
    seenRecords += records.length;
    const step = def.mode === 'page' ? 1 : records.length;
    let more = records.length > 0 && records.length >= ctx.pageSize;
    if (def.hasMorePath) more = getPath(res.body, def.hasMorePath) === true && records.length > 0;
    if (def.totalPath) {
      const total = Number(getPath(res.body, def.totalPath));
      if (Number.isFinite(total)) more = records.length > 0 && (def.mode === 'page' ? seenRecords < total : offset + records.length < total);
    }
    const next: PageState | undefined = more ? { offset: offset + step } : undefined;
    yield { state, next, records, ...res };
    if (!next) return;
    offset = next.offset!;
  }
}

/** Parses `<url>; rel="next", <url>; rel="last"` and returns the URL for `rel`. */
export function linkFor(header: string | null, rel: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const m = /<([^>]+)>\s*;(.*)/.exec(part.trim());
    if (m && new RegExp(`rel\\s*=\\s*"?([^"]*\\s)?${rel}(\\s[^"]*)?"?`).test(m[2]!)) return m[1];
  }
  return undefined;
}

async function* linkHeader(def: Extract<PaginatorDefinition, { type: 'link-header' }>, ctx: PaginateContext, fetchPage: PageFetcher): AsyncGenerator<Page> {
  const guard = new LoopGuard(ctx);
  let state: PageState = ctx.start ?? null;
  if (state?.url) guard.check(state.url);
  for (;;) {
    const res = await fetchPage(state?.url ? { url: state.url, query: {} } : { query: {} });
    const url = linkFor(res.headers.get('link'), def.rel);
    const next: PageState | undefined = url === undefined ? undefined : { url };
    yield { state, next, records: selectRecords(res.body, ctx), ...res };
    if (!next) return;
    guard.check(url!);
    state = next;
  }
}

async function* headerCursor(def: Extract<PaginatorDefinition, { type: 'header-cursor' }>, ctx: PaginateContext, fetchPage: PageFetcher): AsyncGenerator<Page> {
  const guard = new LoopGuard(ctx);
  let state: PageState = ctx.start ?? null;
  if (state?.token) guard.check(state.token);
  for (;;) {
    const res = await fetchPage(state?.token ? { query: { [def.param]: state.token } } : { query: {} });
    const raw = res.headers.get(def.header);
    const token = raw === null || def.stopValues.includes(raw) ? undefined : raw;
    const next: PageState | undefined = token === undefined ? undefined : { token };
    yield { state, next, records: selectRecords(res.body, ctx), ...res };
    if (!next) return;
    guard.check(token!);
    state = next;
  }
}

async function* graphqlCursor(def: Extract<PaginatorDefinition, { type: 'graphql-cursor' }>, ctx: PaginateContext, fetchPage: PageFetcher): AsyncGenerator<Page> {
  const guard = new LoopGuard(ctx);
  let state: PageState = ctx.start ?? null;
  if (state?.token) guard.check(state.token);
  for (;;) {
    const variables: Record<string, unknown> = { ...def.variables, [def.pageSizeVariable]: ctx.pageSize };
    if (state?.token) variables[def.cursorVariable] = state.token;
    const res = await fetchPage({ query: {}, body: { query: def.query, variables } });
    const errors = getPath(res.body, 'errors');
    if (Array.isArray(errors) && errors.length > 0 && getPath(res.body, def.connectionPath) == null) {
      const first = errors[0] as { message?: unknown } | undefined;
      throw new ResponseShapeError(ctx.vendor, ctx.stream, `GraphQL error: ${String(first?.message ?? 'unknown')}`);
    }
    const info = getPath(res.body, def.connectionPath ? `${def.connectionPath}.pageInfo` : 'pageInfo') as { hasNextPage?: unknown; endCursor?: unknown } | undefined;
    if (!info || typeof info !== 'object') throw new ResponseShapeError(ctx.vendor, ctx.stream, `"${def.connectionPath}.pageInfo" is missing`);
    const token = info.hasNextPage === true && typeof info.endCursor === 'string' && info.endCursor !== '' ? info.endCursor : undefined;
    const next: PageState | undefined = token === undefined ? undefined : { token };
    yield { state, next, records: selectRecords(res.body, ctx), ...res };
    if (!next) return;
    guard.check(token!);
    state = next;
  }
}

async function* singlePage(ctx: PaginateContext, fetchPage: PageFetcher): AsyncGenerator<Page> {
  const res = await fetchPage({ query: {} });
  yield { state: null, next: undefined, records: selectRecords(res.body, ctx), ...res };
}

/** Run the paginator a definition names. Every page's records are an array. */
export function paginate(def: PaginatorDefinition, ctx: PaginateContext, fetchPage: PageFetcher): AsyncGenerator<Page<unknown[]>> {
  return paginateAny(def, { ...ctx, streamed: false }, fetchPage) as AsyncGenerator<Page<unknown[]>>;
}

/** Like `paginate`, but a fetched body that is an async iterable (a streamed CSV page) is passed on as the page's records. */
export function paginateStreaming(def: PaginatorDefinition, ctx: PaginateContext, fetchPage: PageFetcher): AsyncGenerator<Page> {
  return paginateAny(def, { ...ctx, streamed: true }, fetchPage);
}

function paginateAny(def: PaginatorDefinition, ctx: PaginateContext, fetchPage: PageFetcher): AsyncGenerator<Page> {
  switch (def.type) {
    case 'cursor-in-body':
      return cursorInBody(def, ctx, fetchPage);
    case 'next-url-in-body':
      return nextUrlInBody(def, ctx, fetchPage);
    case 'offset':
      return offsetPages(def, ctx, fetchPage);
    case 'link-header':
      return linkHeader(def, ctx, fetchPage);
    case 'header-cursor':
      return headerCursor(def, ctx, fetchPage);
    case 'graphql-cursor':
      return graphqlCursor(def, ctx, fetchPage);
    case 'none':
      return singlePage(ctx, fetchPage);
  }
}
