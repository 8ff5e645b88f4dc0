/**
 * The Pipedrive sandbox emulator's HTTP server: API v2 cursor lists (`additional_data.next_cursor`,
 * limit ≤ 500, `updated_since`), v2 field definitions, v1 users / notes / recents / stages, the
 * `x-api-token` header (or `api_token` query), Pipedrive's `{success:false, error, errorCode}` bodies,
 * 2-second burst windows with `x-ratelimit-*` headers and a daily token budget.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FaultOptions } from '../../sdk/index.ts';
import { rngFor, type Rng } from '../../sdk/emulator/prng.ts';
import { Dataset, ENTITY_TYPES, FIELDS, RECENTS_ITEM, STAGES, v1Time, type EntityType } from './dataset.ts';

/** Essential plan, api_token: 20 requests per 2 s; 30,000 base tokens × plan multiplier 1 × seats per day. */
export const BURST_MAX = 20;
export const BURST_WINDOW_MS = 2000;
export const BASE_TOKENS_PER_SEAT = 30_000;
/** Token cost per request: v2 lists are the cheap ones; v1 lists cost 20; a single record 1. */
export const COST = { v2List: 10, v1List: 20, single: 1 } as const;

class PdError extends Error {
  constructor(readonly status: number, readonly body: Record<string, unknown>, readonly headers: Record<string, string> = {}) {
    super(String(body['error']));
  }
}
const pdError = (status: number, error: string, extra: Record<string, unknown> = {}) => new PdError(status, { success: false, error, errorCode: status, error_info: 'Please check developers.pipedrive.com for more information about Pipedrive API.', data: null, additional_data: null, ...extra });

const V2_SINGULAR: Record<string, EntityType> = { organization: 'organizations', person: 'persons', deal: 'deals', activity: 'activities' };

export class PipedriveEmulator {
  readonly stats = { requests: 0, rateLimited: 0, faults: 0, tokensSpent: 0 };
  private window = { start: 0, used: 0 };
  private day = { date: '', used: 0 };
  private burst429 = 0;
  private readonly rng: Rng;
  constructor(readonly dataset: Dataset, private readonly cfg: { apiToken: string; faults: FaultOptions; rateLimits: boolean }) {
    this.rng = rngFor(dataset.seed, 'faults', 0);
  }
  get dailyBudget(): number {
    return BASE_TOKENS_PER_SEAT * this.dataset.users.length;
  }

  createServer(): Server {
    return createServer((req, res) => {
      try {
        const out = this.handle(req);
        send(res, 200, out.body, out.headers);
      } catch (err) {
        const e = err instanceof PdError ? err : pdError(500, 'Internal server error');
        send(res, e.status, e.body, e.headers);
      }
    });
  }

  private handle(req: IncomingMessage): { body: unknown; headers: Record<string, string> } {
    this.stats.requests++;
    const url = new URL(req.url ?? '/', 'http://emulator');
    const token = req.headers['x-api-token'] ?? url.searchParams.get('api_token');
    if (token !== this.cfg.apiToken) throw pdError(401, 'unauthorized access');
    const path = url.pathname.replace(/\/+$/, '');
    const cost = /\/\d+$/.test(path) ? COST.single : path.startsWith('/api/v2/') ? COST.v2List : COST.v1List;
    const headers = this.limit(cost);
    this.faults(headers);
    if (req.method !== 'GET') throw new PdError(405, { success: false, error: 'Method not allowed in the read-only sandbox', errorCode: 405 }, headers);
    return { body: this.route(path, url), headers };
  }

  private limit(cost: number): Record<string, string> {
    if (!this.cfg.rateLimits) return {};
    const now = Date.now();
    if (now - this.window.start >= BURST_WINDOW_MS) this.window = { start: now, used: 0 };
    const date = new Date(now).toISOString().slice(0, 10);
    if (date !== this.day.date) this.day = { date, used: 0 };
    const reset = Math.max(1, Math.ceil((this.window.start + BURST_WINDOW_MS - now) / 1000));
    const headers = (): Record<string, string> => ({ 'x-ratelimit-limit': String(BURST_MAX), 'x-ratelimit-remaining': String(Math.max(0, BURST_MAX - this.window.used)), 'x-ratelimit-reset': String(reset) });
    if (this.day.used + cost > this.dailyBudget) {
      this.stats.rateLimited++;
      throw new PdError(429, { success: false, error: 'Daily API token budget exceeded; it resets at midnight UTC.', errorCode: 429, code: 'DAILY_TOKEN_BUDGET_EXCEEDED' }, headers());
    }
    if (this.window.used >= BURST_MAX) {
      this.stats.rateLimited++;
      throw new PdError(429, { success: false, error: 'Request over limit', errorCode: 429 }, { ...headers(), 'retry-after': String(reset) });
    }
    this.window.used++;
    this.day.used += cost;
    this.stats.tokensSpent += cost;
    return headers();
  }

  private faults(headers: Record<string, string>): void {
    const f = this.cfg.faults;
    if (this.burst429 > 0 || (f.rate429 && this.rng.chance(f.rate429))) {
      if (this.burst429 === 0) this.burst429 = f.burst429Length ?? 3;
      this.burst429--;
      this.stats.faults++;
      throw new PdError(429, { success: false, error: 'Request over limit', errorCode: 429 }, { ...headers, 'retry-after': '1' });
    }
    if (f.rate5xx && this.rng.chance(f.rate5xx)) {
      this.stats.faults++;
      throw pdError(this.rng.pick([500, 502, 503]), 'Gateway error, please retry');
    }
  }

  private route(path: string, url: URL): unknown {
    let m: RegExpExecArray | null;
    if ((m = /^\/api\/v2\/(organizations|persons|deals|activities)$/.exec(path))) return this.v2List(m[1] as EntityType, url);
    if ((m = /^\/api\/v2\/(organizations|persons|deals|activities)\/(\d+)$/.exec(path))) {
      const rec = this.dataset.records[m[1] as EntityType].get(Number(m[2]));
      if (!rec) throw pdError(404, `${m[1]!.replace(/s$/, '').replace(/ie$/, 'y')} not found`);
      return { success: true, data: rec };
    }
    if ((m = /^\/api\/v2\/(organization|person|deal|activity)Fields$/.exec(path))) {
      return { success: true, data: FIELDS[V2_SINGULAR[m[1]!] as keyof typeof FIELDS], additional_data: { next_cursor: null } };
    }
    if (path === '/v1/users') return { success: true, data: this.dataset.users };
    if (path === '/v1/stages') return { success: true, data: STAGES };
    if (path === '/v1/notes') return this.v1Page(this.filterSince(this.dataset.list('notes'), 'notes', url.searchParams.get('updated_since')), url);
    if (path === '/v1/recents') return this.recents(url);
    throw pdError(404, `Unknown method .`);
  }

  private limitOf(url: URL, max: number): number {
    const raw = url.searchParams.get('limit');
    const limit = raw === null ? 100 : Number(raw);
    if (!Number.isInteger(limit) || limit < 1 || limit > max) {
      throw new PdError(400, { success: false, error: `Validation failed: limit: Number must be less than or equal to ${max}`, code: 'ERR_SCHEMA_VALIDATION_FAILED', errorCode: 400 });
    }
    return limit;
  }

  private filterSince<T extends { update_time: string; id: number }>(recs: T[], type: EntityType, since: string | null): T[] {
    if (!since) return recs;
    const ms = Date.parse(since);
    if (!Number.isFinite(ms)) throw new PdError(400, { success: false, error: 'Validation failed: updated_since: Invalid datetime', code: 'ERR_SCHEMA_VALIDATION_FAILED', errorCode: 400 });
    return recs.filter((r) => this.dataset.msOf(type, r) >= ms);
  }

  private v2List(type: EntityType, url: URL): unknown {
    const limit = this.limitOf(url, 500);
    const sortBy = url.searchParams.get('sort_by') === 'update_time' ? 'update_time' : 'id';
    let recs = this.filterSince(this.dataset.list(type, sortBy), type, url.searchParams.get('updated_since'));
    const ownerId = url.searchParams.get('owner_id');
    if (ownerId) recs = recs.filter((r) => String(r['owner_id']) === ownerId);
    const cursor = url.searchParams.get('cursor');
    if (cursor) {
      let after: [number, number];
      try {
        after = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [number, number];
        if (!Array.isArray(after) || after.length !== 2) throw new Error('shape');
      } catch {
        throw new PdError(400, { success: false, error: 'Invalid cursor', code: 'ERR_SCHEMA_VALIDATION_FAILED', errorCode: 400 });
      }
      if (sortBy === 'id') {
        // Id order: binary search for the first id after the cursor.
        let lo = 0;
        let hi = recs.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (recs[mid]!.id <= after[1]) lo = mid + 1;
          else hi = mid;
        }
        recs = recs.slice(lo, lo + limit + 1);
      } else {
        recs = recs.filter((r) => { const k: [number, number] = [this.dataset.msOf(type, r), r.id]; return k[0] > after[0] || (k[0] === after[0] && k[1] > after[1]); });
      }
    }
    const page = recs.slice(0, limit);
    const last = page[page.length - 1];
    const more = recs.length > limit && last;
    const nextCursor = more ? Buffer.from(JSON.stringify(sortBy === 'id' ? [last.id, last.id] : [this.dataset.msOf(type, last), last.id])).toString('base64url') : null;
    return { success: true, data: page, additional_data: { next_cursor: nextCursor } };
  }

  private v1Page(all: unknown[], url: URL): unknown {
    const limit = this.limitOf(url, 500);
    const start = Number(url.searchParams.get('start') ?? '0');
    const data = all.slice(start, start + limit);
    const more = start + limit < all.length;
    return { success: true, data, additional_data: { pagination: { start, limit, more_items_in_collection: more, ...(more ? { next_start: start + limit } : {}) } } };
  }

  /** v1 recents: changes since a UTC "YYYY-MM-DD HH:MM:SS", including deletions (`active_flag: false`). */
  private recents(url: URL): unknown {
    const since = url.searchParams.get('since_timestamp');
    const ms = since ? Date.parse(`${since.replace(' ', 'T')}Z`) : NaN;
    if (!Number.isFinite(ms)) throw new PdError(400, { success: false, error: 'since_timestamp must be YYYY-MM-DD HH:MM:SS', errorCode: 400 });
    const items = (url.searchParams.get('items') ?? '').split(',').filter(Boolean);
    const rows: { item: string; id: number; data: Record<string, unknown>; at: number }[] = [];
    for (const type of ENTITY_TYPES) {
      const item = RECENTS_ITEM[type];
      if (items.length && !items.includes(item)) continue;
      for (const r of this.dataset.list(type)) {
        const at = this.dataset.msOf(type, r);
        if (at >= ms) rows.push({ item, id: r.id, data: { ...r, update_time: v1Time(at), active_flag: true }, at });
      }
      for (const d of this.dataset.deleted) {
        if (d.type === type && d.at >= ms) rows.push({ item, id: d.id, data: { id: d.id, active_flag: false, update_time: v1Time(d.at) }, at: d.at });
      }
    }
    rows.sort((a, b) => a.at - b.at || a.id - b.id);
    const page = this.v1Page(rows.map(({ item, id, data }) => ({ item, id, data })), url) as { additional_data: Record<string, unknown> };
    page.additional_data = { since_timestamp: since, last_timestamp_on_page: v1Time(rows[rows.length - 1]?.at ?? ms), ...page.additional_data };
    return page;
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
