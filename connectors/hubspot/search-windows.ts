/**
 * Incremental reads through the CRM search API without hitting its 10,000-result cap: the time range
 * [since, until) is cut into windows on the last-modified property, and a window whose `total`
 * exceeds the cap is halved before paging it. Page state is {from, to, until, after} as JSON.
 */
import {
  PaginationLoopError, RateLimitSchema, type CredentialRateLimiter, type HookContext, type Page, type PageState, type RateLimitDefinition,
  type RateLimiterRegistry, type StreamDefinition,
} from '../sdk/index.ts';
import { SearchPageSchema } from './readers.ts';
import { LAST_MODIFIED_PROPERTY, type CrmObject } from './definition.ts';

/** HubSpot returns at most 10,000 results for one search query. */
export const SEARCH_RESULT_CAP = 10_000;
export const SEARCH_PAGE_SIZE = 200;

interface WindowState {
  from: number;
  to: number;
  until: number;
  after?: string;
}

/** The search API has its own budget (a few requests per second per token), on top of the burst budget. */
export const SEARCH_RATE_LIMIT: RateLimitDefinition = RateLimitSchema.parse({ buckets: [{ name: 'search', requests: 4, perSeconds: 1 }], concurrency: 1 });

/** One search limiter per credential, shared through the registry like the main limiter. */
export function searchLimiter(registry: RateLimiterRegistry, credentialIdentity: string): CredentialRateLimiter {
  return registry.forCredential('hubspot-search', credentialIdentity, SEARCH_RATE_LIMIT);
}

export interface SearchWindowArgs {
  stream: StreamDefinition;
  start: PageState;
  since: string;
  properties: string[];
  limiter: CredentialRateLimiter;
  /** End of the pass (defaults to now); fixed at the start so the pass terminates. */
  until?: number;
  cap?: number;
}

export async function* searchWindows(ctx: HookContext, args: SearchWindowArgs): AsyncGenerator<Page> {
  const type = args.stream.name as CrmObject;
  const prop = LAST_MODIFIED_PROPERTY[type];
  const cap = args.cap ?? SEARCH_RESULT_CAP;
  const seen = new Set<string>();
  let w: WindowState = args.start?.token
    ? (JSON.parse(args.start.token) as WindowState)
    : { from: Date.parse(args.since), to: args.until ?? Date.now(), until: args.until ?? Date.now() };
  while (w.from < w.until) {
    const release = await args.limiter.acquire(ctx.signal);
    let res;
    try {
      res = await ctx.http.request({
        method: 'POST',
        path: `/crm/v3/objects/${type}/search`,
        stream: type,
        signal: ctx.signal,
        body: {
          filterGroups: [{ filters: [
            { propertyName: prop, operator: 'GTE', value: String(w.from) },
            { propertyName: prop, operator: 'LT', value: String(w.to) },
          ] }],
          sorts: [{ propertyName: prop, direction: 'ASCENDING' }],
          properties: args.properties,
          limit: SEARCH_PAGE_SIZE,
          ...(w.after ? { after: w.after } : {}),
        },
      });
    } finally {
      release();
    }
    const page = SearchPageSchema.parse(res.body);
    if (!w.after && page.total > cap && w.to - w.from > 1) {
      w = { ...w, to: w.from + Math.floor((w.to - w.from) / 2) }; // too many: halve the window and ask again
      continue;
    }
    const after = page.paging?.next?.after;
    const nextW: WindowState | undefined = after ? { ...w, after } : w.to < w.until ? { from: w.to, to: w.until, until: w.until } : undefined;
    const state: PageState = { token: JSON.stringify(w) };
    const next: PageState | undefined = nextW ? { token: JSON.stringify(nextW) } : undefined;
    yield { state, next, records: page.results, body: res.body, headers: res.headers };
    if (!next) return;
    if (seen.has(next.token!)) throw new PaginationLoopError('hubspot', type, next.token!);
    seen.add(next.token!);
    w = nextW!;
  }
}
