/**
 * REST endpoints: describeGlobal, sObject describe, /query and /queryAll with nextRecordsUrl paging
 * (page size from Sforce-Query-Options: batchSize=N, 200..2000, default 2000), /limits.
 */
import { randomBytes } from 'node:crypto';
import { OBJECT_BY_NAME } from './catalog.ts';
import { describeGlobal, describeObject, restRecord } from './format.ts';
import { ApiError, sendJson, type Ctx } from './http.ts';
import type { OrgLimits } from './limits.ts';
import { parseSoql, SoqlError } from './soql.ts';
import type { Cursor, OrgStore } from './store.ts';

type Position = Pick<Cursor, 'phase' | 'next' | 'matched' | 'done'>;

interface OpenQuery {
  cursor: Cursor;
  pageSize: number;
  total: number;
  /** Position at the start of each page offset still fetchable (a retried page returns the same rows). */
  positions: Map<number, Position>;
  lastUsed: number;
}

const QUERY_IDLE_MS = 15 * 60_000;

export class RestApi {
  private readonly queries = new Map<string, OpenQuery>();

  constructor(private readonly store: OrgStore, private readonly guard: OrgLimits) {}

  sobjects(ctx: Ctx): void {
    sendJson(ctx.res, 200, describeGlobal(ctx.version), ctx.extraHeaders);
  }

  describe(ctx: Ctx, name: string): void {
    const obj = OBJECT_BY_NAME.get(name.toLowerCase());
    if (!obj) throw new ApiError(404, 'NOT_FOUND', `The requested resource does not exist`);
    sendJson(ctx.res, 200, describeObject(obj, ctx.version), ctx.extraHeaders);
  }

  limits(ctx: Ctx, bulkJobs: number): void {
    sendJson(ctx.res, 200, this.guard.limitsBody(bulkJobs), ctx.extraHeaders);
  }

  /** GET /services/data/vXX.X: the version's resources (jsforce reads `identity` from here). */
  resources(ctx: Ctx, identity: string): Record<string, string> {
    const base = `/services/data/v${ctx.version}`;
    const names = ['sobjects', 'query', 'queryAll', 'limits', 'jobs', 'search', 'recent'];
    return { ...Object.fromEntries(names.map((n) => [n, `${base}/${n === 'jobs' ? 'jobs/query' : n}`])), identity };
  }

  /** GET /sobjects/{type}/{id}[?fields=a,b]: one record with every (or the named) field. */
  retrieve(ctx: Ctx, type: string, id: string): void {
    const obj = OBJECT_BY_NAME.get(type.toLowerCase());
    if (!obj) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const wanted = ctx.url.searchParams.get('fields');
    const fields = wanted ? wanted.split(',').map((f) => f.trim()).filter(Boolean) : obj.fields.filter((f) => f.type !== 'address').map((f) => f.name);
    if (!/^[A-Za-z0-9]{15,18}$/.test(id)) throw new ApiError(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${id}`);
    const q = this.parse(`SELECT ${fields.join(', ')} FROM ${obj.name} WHERE Id = '${id}'`);
    const [row] = this.store.take(this.store.open(q, false), 1);
    if (!row) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    sendJson(ctx.res, 200, restRecord(q, row, ctx.version), ctx.extraHeaders);
  }

  /** The identity URL's body (GET {instance}/id/{orgId}/{userId}). */
  identity(id: string, orgId: string, userId: string, instance: string): unknown {
    const user = this.store.byId(userId, Number.MAX_SAFE_INTEGER) ?? {};
    const v = '59.0';
    const rest = (p: string) => `${instance}/services/data/v{version}/${p}`;
    return {
      id, asserted_user: true, user_id: userId, organization_id: orgId, username: user.Username, nick_name: String(user.Username ?? '').split('@')[0],
      display_name: user.Name, email: user.Email, email_verified: true, first_name: user.FirstName, last_name: user.LastName, timezone: 'Europe/Amsterdam',
      active: user.IsActive !== false, user_type: 'STANDARD', language: 'en_US', locale: 'en_US', utcOffset: 3600000, is_app_installed: true,
      urls: { rest: rest(''), sobjects: rest('sobjects/'), query: rest('query/'), search: rest('search/'), recent: rest('recent/'), profile: `${instance}/${userId}`,
        enterprise: `${instance}/services/Soap/c/{version}/${orgId.slice(0, 15)}`, partner: `${instance}/services/Soap/u/{version}/${orgId.slice(0, 15)}` },
      last_modified_date: new Date(Number(user.LastModifiedDate ?? 0)).toISOString().replace('Z', '+0000'), api_version: v,
    };
  }

  private parse(q: string) {
    try {
      return parseSoql(q);
    } catch (e) {
      if (e instanceof SoqlError) throw new ApiError(400, e.errorCode, e.message);
      throw e;
    }
  }

  /** GET /query?q=… or /queryAll?q=… */
  query(ctx: Ctx, all: boolean): void {
    const q = ctx.url.searchParams.get('q');
    if (!q) throw new ApiError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
    const parsed = this.parse(q);
    const opt = /batchSize=(\d+)/i.exec(String(ctx.req.headers['sforce-query-options'] ?? ''));
    const pageSize = Math.min(2000, Math.max(200, opt ? Number(opt[1]) : 2000));
    const cursor = this.store.open(parsed, all);
    const id = `01g5g0000${randomBytes(5).toString('hex').slice(0, 9).toUpperCase()}`;
    const open: OpenQuery = { cursor, pageSize, total: this.store.total(parsed, all), positions: new Map([[0, snapshot(cursor)]]), lastUsed: Date.now() };
    this.queries.set(id, open);
    this.page(ctx, id, open, 0, all);
  }

  /** GET /query/01g…-2000 (nextRecordsUrl) */
  more(ctx: Ctx, locator: string, all: boolean): void {
    this.expire();
    const m = /^(.+)-(\d+)$/.exec(locator);
    const open = m ? this.queries.get(m[1]!) : undefined;
    const offset = m ? Number(m[2]) : NaN;
    const pos = open?.positions.get(offset);
    if (!open || !pos) throw new ApiError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    Object.assign(open.cursor, pos);
    this.page(ctx, m![1]!, open, offset, all);
  }

  private page(ctx: Ctx, id: string, open: OpenQuery, offset: number, all: boolean): void {
    open.lastUsed = Date.now();
    const rows = this.store.take(open.cursor, open.pageSize);
    const done = open.cursor.done || rows.length < open.pageSize || this.peekDone(open);
    const nextOffset = offset + rows.length;
    if (!done) open.positions.set(nextOffset, snapshot(open.cursor));
    // Keep only the pages a client might still (re)fetch.
    for (const k of open.positions.keys()) if (k < offset) open.positions.delete(k);
    if (done) this.queries.delete(id);
    const obj = open.cursor.query.object;
    const touched = this.guard.faults.modification(this.store.count(obj));
    if (touched !== undefined) this.store.modify(obj, touched, {});
    const body: Record<string, unknown> = { totalSize: open.total, done };
    if (!done) body.nextRecordsUrl = `/services/data/v${ctx.version}/${all ? 'queryAll' : 'query'}/${id}-${nextOffset}`;
    body.records = rows.map((r) => restRecord(open.cursor.query, r, ctx.version));
    sendJson(ctx.res, 200, body, ctx.extraHeaders);
  }

  /** After a full page, check whether anything is left without losing the position. */
  private peekDone(open: OpenQuery): boolean {
    const saved = snapshot(open.cursor);
    const more = this.store.take(open.cursor, 1).length > 0;
    Object.assign(open.cursor, saved);
    return !more;
  }

  private expire(): void {
    const now = Date.now();
    for (const [id, q] of this.queries) if (now - q.lastUsed > QUERY_IDLE_MS) this.queries.delete(id);
  }
}

export function snapshot(c: Cursor): Position {
  return { phase: c.phase, next: c.next, matched: c.matched, done: c.done };
}
