/**
 * The Zoho CRM sandbox on the emulator kit: the accounts server's token endpoint (refresh grant; errors
 * as HTTP 200 `{"error": …}` the way Zoho Accounts answers), `Authorization: Zoho-oauthtoken …`, and
 * the v7 REST API: `GET /crm/v7/{module}` (`fields` mandatory, at most 50; `per_page` ≤ 200; `page`
 * up to the 2,000th record, `page_token` from `info.next_page_token` beyond; `If-Modified-Since`;
 * 204 when empty, 304 when nothing changed), `/crm/v7/{module}/deleted`, `/crm/v7/{module}/{id}`,
 * `/crm/v7/users`, `/crm/v7/settings/fields`; errors as `{code, details, message, status: "error"}`;
 * API credits per rolling window and the edition's concurrency cap (429 TOO_MANY_REQUESTS).
 */
import type { FaultOptions } from '../../sdk/emulator-types.ts';
import {
  bearerToken, cursorCodec, dispatch, EmulatorHttpError, FaultSwitches, OAuthServer, readForm, retryAfterSeconds, send, serve,
  type EmulatorRequest, type EmulatorServer, type Route,
} from '../../sdk/emulator/index.ts';
import { Dataset, FIELDS, idFor, indexOf, MODULES, NAME_FIELD, zohoTime, type Module, type Rec } from './dataset.ts';
import { ORG, zohoBudgets, type Edition, type ZohoBudgets } from './limits.ts';

export const MAX_PER_PAGE = 200;
/** Records reachable with `page`; beyond, only `page_token`. */
export const PAGE_PARAM_LIMIT = 2000;
export const MAX_FIELDS = 50;
const TOKEN_TTL_MS = 86_400_000;

export interface ZohoEmulatorConfig {
  credentials: { clientId: string; clientSecret: string; refreshToken: string };
  faults: FaultOptions;
  rateLimits: boolean;
  edition: Edition;
  /** The credits window (default 24 h; a bench scales it). */
  windowMs?: number;
  steadyState?: boolean;
}

export const zohoError = (status: number, code: string, message: string, details: Record<string, unknown> = {}, headers: Record<string, string> = {}): EmulatorHttpError =>
  new EmulatorHttpError(status, { code, details, message, status: 'error' }, headers);

interface PageTokenState { m: Module; s: number | null; a: number; p: number; e: number }
const pageTokens = cursorCodec<PageTokenState>('zoho-records');

export class ZohoEmulator {
  readonly stats = { requests: 0, served: 0, rateLimited: 0, faults: 0 };
  readonly oauth: OAuthServer;
  readonly budgets: ZohoBudgets | undefined;
  private readonly faults: FaultSwitches;
  baseUrl = '';

  constructor(readonly dataset: Dataset, private readonly cfg: ZohoEmulatorConfig) {
    const c = cfg.credentials;
    this.faults = new FaultSwitches(cfg.faults, dataset.seed);
    this.oauth = new OAuthServer({
      clientId: c.clientId, clientSecret: c.clientSecret, grants: ['refresh_token', 'authorization_code'], ttlSeconds: cfg.faults.tokenTtlSeconds ?? 3600, refreshNeedsSecret: true,
      initialRefreshToken: c.refreshToken, mintAccess: () => `1000.${dataset.seed.toString(16).padStart(8, '0')}${Math.random().toString(16).slice(2, 14)}.${Math.random().toString(16).slice(2, 18)}`,
      // A refresh answers no new refresh token; api_domain names where the org's data lives.
      tokenBody: (t) => ({ access_token: t.accessToken, ...(t.grant === 'authorization_code' ? { refresh_token: t.refreshToken } : {}), api_domain: this.baseUrl, token_type: 'Bearer', expires_in: t.expiresIn }),
      errorBody: (failure) => ({ status: 200, body: { error: failure === 'invalid_grant' ? 'invalid_code' : failure } }),
    });
    this.budgets = cfg.rateLimits ? zohoBudgets({ edition: cfg.edition, licences: dataset.userCount, windowMs: cfg.windowMs, steadyState: cfg.steadyState }) : undefined;
  }

  listen(port?: number): Promise<EmulatorServer> {
    return serve((r) => this.handle(r), { port, internalError: () => ({ code: 'INTERNAL_ERROR', details: {}, message: 'Internal Server Error', status: 'error' }) });
  }

  expireAccessTokens(): void {
    this.oauth.expireAccessTokens();
  }

  private async handle(r: EmulatorRequest): Promise<void> {
    this.stats.requests++;
    if (r.method === 'POST' && r.path === '/oauth/v2/token') {
      const { form, basic } = await readForm(r.req);
      // Zoho Accounts takes the grant as query parameters as well as a form body.
      for (const [k, v] of r.url.searchParams) if (!form.has(k)) form.set(k, v);
      return send(r.res, 200, this.oauth.token(form, basic));
    }
    if (!r.req.headers.authorization) throw zohoError(401, 'AUTHENTICATION_FAILURE', 'Authentication failed');
    const auth = this.oauth.check(bearerToken(r.req, ['Zoho-oauthtoken']));
    if (!auth.ok) throw zohoError(401, 'INVALID_TOKEN', 'invalid oauth token');
    const budgets = this.budgets;
    if (budgets) {
      const admission = budgets.set.admit(ORG);
      if (!admission.ok) {
        this.stats.rateLimited++;
        const credits = admission.refusal.name === 'api-credits';
        throw zohoError(429, 'TOO_MANY_REQUESTS', credits ? 'The API credits of the org for the last 24 hours are exhausted' : 'The concurrency limit of the org is exceeded',
          credits ? { credits_limit: budgets.credits } : { concurrency_limit: budgets.concurrency }, { 'Retry-After': retryAfterSeconds(admission.refusal.retryAfterMs) });
      }
    }
    try {
      await this.faults.slow();
      const fault = this.faults.draw();
      if (fault) {
        this.stats.faults++;
        if (fault.kind === '429') throw zohoError(429, 'TOO_MANY_REQUESTS', 'The concurrency limit of the org is exceeded', {}, { 'Retry-After': '1' });
        throw zohoError(fault.status, 'INTERNAL_ERROR', 'Internal Server Error');
      }
      if (r.method !== 'GET') throw zohoError(405, 'METHOD_NOT_ALLOWED', 'The read-only sandbox answers GET only');
      await dispatch(this.routes, r.method, r.path, r, () => zohoError(404, 'INVALID_URL_PATTERN', 'Please check if the URL trying to access is a correct one'));
    } finally {
      budgets?.set.release(ORG);
    }
  }

  private reply(r: EmulatorRequest, status: number, body?: unknown): void {
    this.stats.served++;
    send(r.res, status, body);
  }

  private module(name: string): Module {
    const m = MODULES.find((x) => x.toLowerCase() === name.toLowerCase());
    if (!m) throw zohoError(400, 'INVALID_MODULE', 'the module name given seems to be invalid', { resource_path_index: 0 });
    return m;
  }

  private perPage(url: URL): number {
    const raw = url.searchParams.get('per_page');
    if (raw === null) return MAX_PER_PAGE;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > MAX_PER_PAGE) throw zohoError(400, 'INVALID_DATA', 'invalid data', { param: 'per_page', maximum_length: MAX_PER_PAGE });
    return n;
  }

  private page(url: URL): number {
    const n = Number(url.searchParams.get('page') ?? '1');
    if (!Number.isInteger(n) || n < 1) throw zohoError(400, 'INVALID_DATA', 'invalid data', { param: 'page' });
    return n;
  }

  private since(r: EmulatorRequest): number | null {
    const raw = r.req.headers['if-modified-since'];
    if (raw === undefined) return null;
    const ms = Date.parse(String(raw));
    if (!Number.isFinite(ms)) throw zohoError(400, 'INVALID_DATA', 'invalid data', { header: 'If-Modified-Since', expected_data_type: 'datetime' });
    return Math.floor(ms / 1000) * 1000;
  }

  /** Live indices modified at or after `since`, ascending (ids rise with the index). */
  private changedSince(m: Module, since: number): number[] {
    const t = this.dataset.tables[m];
    return t.window(since, Number.MAX_SAFE_INTEGER, 0, t.count).indices.sort((a, b) => a - b);
  }

  /** Up to `n` live indices after index `after` (ascending), from the changed set when `since` is set. */
  private after(m: Module, since: number | null, after: number, n: number): number[] {
    if (since !== null) {
      const all = this.changedSince(m, since);
      let lo = 0;
      while (lo < all.length && all[lo]! <= after) lo++;
      return all.slice(lo, lo + n);
    }
    const t = this.dataset.tables[m];
    const out: number[] = [];
    for (let i = after + 1; i < t.count && out.length < n; i++) if (!t.isRemoved(i)) out.push(i);
    return out;
  }

  /** The live index at position `pos` (0-based) in id order, or -1 before the first. */
  private indexAtPosition(m: Module, since: number | null, pos: number): number {
    if (pos === 0) return -1;
    if (since !== null) return this.changedSince(m, since)[pos - 1] ?? Number.MAX_SAFE_INTEGER;
    let idx = pos - 1;
    for (const [removed] of this.dataset.tables[m].removedEntries()) if (removed <= idx) idx++;
    return idx;
  }

  private records(r: EmulatorRequest, name: string): void {
    const m = this.module(name);
    const url = r.url;
    const fieldsRaw = url.searchParams.get('fields');
    if (!fieldsRaw) throw zohoError(400, 'REQUIRED_PARAM_MISSING', 'One of the expected parameter is missing', { param: 'fields' });
    const fields = fieldsRaw.split(',').map((s) => s.trim()).filter(Boolean);
    if (fields.length > MAX_FIELDS) throw zohoError(400, 'LIMIT_EXCEEDED', 'the number of fields exceeds the limit', { limit: MAX_FIELDS, param: 'fields' });
    const sortBy = url.searchParams.get('sort_by') ?? 'id';
    const sortOrder = url.searchParams.get('sort_order') ?? 'desc';
    if (sortBy !== 'id' || sortOrder !== 'asc') throw zohoError(400, 'INVALID_DATA', 'the sandbox serves sort_by=id&sort_order=asc only', { param: sortBy !== 'id' ? 'sort_by' : 'sort_order' });
    const perPage = this.perPage(url);
    const token = url.searchParams.get('page_token');
    let since = this.since(r);
    let after: number;
    let pageNo: number;
    if (token !== null) {
      if (url.searchParams.has('page')) throw zohoError(400, 'INVALID_DATA', 'page and page_token cannot be used together', { param: 'page_token' });
      const st = pageTokens.open(token);
      if (!st || st.m !== m) throw zohoError(400, 'INVALID_DATA', 'invalid data', { param: 'page_token' });
      if (st.e < Date.now()) throw zohoError(400, 'INVALID_DATA', 'the page_token has expired', { param: 'page_token' });
      ({ s: since, a: after, p: pageNo } = st);
    } else {
      pageNo = this.page(url);
      if (pageNo * perPage > PAGE_PARAM_LIMIT) {
        throw zohoError(400, 'DISCRETE_PAGINATION_LIMIT_EXCEEDED', `cannot fetch more than ${PAGE_PARAM_LIMIT} records with the page parameter; use page_token`, { limit: PAGE_PARAM_LIMIT });
      }
      after = this.indexAtPosition(m, since, (pageNo - 1) * perPage);
    }
    const indices = this.after(m, since, after, perPage + 1);
    const more = indices.length > perPage;
    const rows = indices.slice(0, perPage).map((i) => pick(this.dataset.record(m, i)!, fields));
    if (rows.length === 0 && token === null) return this.reply(r, since !== null ? 304 : 204);
    const last = indices[Math.min(perPage, indices.length) - 1];
    const expiry = Date.now() + TOKEN_TTL_MS;
    const next = more && last !== undefined ? pageTokens.seal({ m, s: since, a: last, p: pageNo + 1, e: expiry }) : null;
    this.reply(r, 200, {
      data: rows,
      info: { per_page: perPage, next_page_token: next, count: rows.length, sort_by: 'id', page: pageNo, previous_page_token: null, page_token_expiry: next ? zohoTime(expiry) : null, sort_order: 'asc', more_records: more },
    });
  }

  private deleted(r: EmulatorRequest, name: string): void {
    const m = this.module(name);
    const type = r.url.searchParams.get('type') ?? 'all';
    if (!['all', 'recycle', 'permanent'].includes(type)) throw zohoError(400, 'INVALID_DATA', 'invalid data', { param: 'type' });
    const since = this.since(r);
    const perPage = this.perPage(r.url);
    const pageNo = this.page(r.url);
    // Deleted records stay in the recycle bin (type "recycle") for the sandbox's lifetime.
    const entries = type === 'permanent' ? [] : this.dataset.tables[m].removedEntries().filter(([, at]) => since === null || at >= since).sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    const slice = entries.slice((pageNo - 1) * perPage, pageNo * perPage);
    if (slice.length === 0) return this.reply(r, since !== null ? 304 : 204);
    const owner = this.dataset.user(0);
    const data = slice.map(([i, at]) => ({
      deleted_by: { name: owner.full_name, id: owner.id }, id: idFor(m, i), display_name: String(this.dataset.record(m, i, true)?.[NAME_FIELD[m]] ?? ''), type: 'recycle',
      created_by: { name: owner.full_name, id: owner.id }, deleted_time: zohoTime(at),
    }));
    this.reply(r, 200, { data, info: { per_page: perPage, count: data.length, page: pageNo, more_records: pageNo * perPage < entries.length } });
  }

  private readonly routes: Route<EmulatorRequest>[] = [
    ['GET', '/crm/v7/users', (r) => {
      const perPage = this.perPage(r.url);
      const pageNo = this.page(r.url);
      const all = Array.from({ length: this.dataset.userCount }, (_, u) => this.dataset.user(u));
      const users = all.slice((pageNo - 1) * perPage, pageNo * perPage);
      this.reply(r, 200, { users, info: { per_page: perPage, count: users.length, page: pageNo, more_records: pageNo * perPage < all.length } });
    }],
    ['GET', '/crm/v7/settings/fields', (r) => {
      const m = this.module(r.url.searchParams.get('module') ?? '');
      this.reply(r, 200, { fields: [{ api_name: 'id', field_label: 'Record Id', data_type: 'bigint', custom_field: false }, ...FIELDS[m]] });
    }],
    ['GET', /^\/crm\/v7\/([A-Za-z_]+)\/deleted$/, (r, [name]) => this.deleted(r, name!)],
    ['GET', /^\/crm\/v7\/([A-Za-z_]+)\/(\d+)$/, (r, [name, id]) => {
      const m = this.module(name!);
      const i = indexOf(m, id!);
      const rec = i === undefined ? undefined : this.dataset.record(m, i);
      if (!rec) throw zohoError(400, 'INVALID_DATA', 'the related id given seems to be invalid', { api_name: 'id' });
      this.reply(r, 200, { data: [rec] });
    }],
    ['GET', /^\/crm\/v7\/([A-Za-z_]+)$/, (r, [name]) => this.records(r, name!)],
  ];
}

/** The requested fields of a record (Zoho always adds `id`, and `$se_module` beside `What_Id`). */
function pick(rec: Rec, fields: string[]): Rec {
  const out: Rec = {};
  for (const k of fields) if (k in rec) out[k] = rec[k];
  if ('What_Id' in out && '$se_module' in rec) out['$se_module'] = rec['$se_module'];
  out['id'] = rec['id'];
  return out;
}
