/**
 * The Salesforce sandbox emulator: one Node http server speaking the documented wire format for
 * OAuth 2.0, REST (describe, query/queryAll) and Bulk API 2.0 query jobs, over a deterministic,
 * generated org of `records` Accounts and their Contacts, Leads, Opportunities, Tasks, Events, Users
 * and a custom object. See ../README.md.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EmulatorHandle, StartEmulatorOptions } from '../../sdk/emulator-types.ts';
import { OBJECT_BY_NAME } from './catalog.ts';
import { BulkApi } from './bulk.ts';
import { ApiGuard, DEFAULT_LIMITS, type LimitsConfig } from './guard.ts';
import { ApiError, readBody, sendError, sendJson, type Ctx } from './http.ts';
import { sfId } from './ids.ts';
import { OAuthError, TokenService } from './oauth.ts';
import { RestApi } from './rest.ts';
import { OrgStore } from './store.ts';

export interface SalesforceEmulatorOptions extends StartEmulatorOptions {
  /** Override the daily allowance and the short-window ceiling used when `rateLimits` is on. */
  limits?: Partial<LimitsConfig>;
  /** Fault: revoke every refresh token (and its access tokens) once this many API requests were served. */
  revokeRefreshTokenAfter?: number;
}

/** Test and demo controls (not part of Salesforce's API). */
export interface SalesforceEmulatorControl {
  /**
   * Edit record `index` of `object` now (SystemModstamp moves to the current time, or to `at`, an
   * ISO timestamp or epoch ms, to stage an edit that ties with a cursor).
   */
  modify(object: string, index: number, fields?: Record<string, string | number | boolean | null>, at?: string | number): string;
  /** Delete record `index` of `object` now (queryAll then reports it with IsDeleted = true). */
  remove(object: string, index: number): string;
  expireAccessTokens(): void;
  /** Revoke every refresh token (the admin revoked the connected app). */
  revokeRefreshTokens(): void;
  /** Issue a new refresh token (the admin re-authorized). */
  reauthorize(): string;
  /** The id of record `index` of `object`. */
  idOf(object: string, index: number): string;
  count(object: string): number;
  /** Ids of `object` records edited or deleted since start (by faults or this control), oldest first. */
  changed(object: string): string[];
  stats(): { apiRequests: number; refused: number; bulkJobs: number };
  readonly limits: LimitsConfig;
}

export type SalesforceEmulatorHandle = EmulatorHandle & { control: SalesforceEmulatorControl };

const VERSIONS = ['55.0', '56.0', '57.0', '58.0', '59.0', '60.0', '61.0', '62.0'];

export async function startEmulator(opts: SalesforceEmulatorOptions): Promise<SalesforceEmulatorHandle> {
  const records = Math.max(1, Math.floor(opts.records));
  const store = new OrgStore({ seed: opts.seed, accounts: records });
  const limits: LimitsConfig = { ...DEFAULT_LIMITS, ...opts.limits };
  const guard = new ApiGuard(opts.seed, opts.faults ?? {}, opts.rateLimits ?? false, limits);
  const userId = sfId('005', 0);
  let url = '';
  let tokens!: TokenService;
  let rest!: RestApi;
  let bulk!: BulkApi;

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) sendError(res, 500, 'UNKNOWN_EXCEPTION', e instanceof Error ? e.message : String(e));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', url);
    const path = u.pathname.replace(/\/+$/, '');
    try {
      if (path.startsWith('/services/oauth2/')) return await oauth(req, res, u, path);
      if (path === '/services/data') {
        sendJson(res, 200, VERSIONS.map((v) => ({ label: `v${v}`, url: `/services/data/v${v}`, version: v })));
        return;
      }
      const m = /^\/services\/data\/v(\d+\.\d)(\/.*)?$/.exec(path);
      if (!m) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
      const auth = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(String(req.headers.authorization ?? ''));
      if (!auth || !tokens.check(auth[1]!)) throw new ApiError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
      const refusal = guard.admit();
      if (refusal) return sendJson(res, refusal.status, refusal.body, { ...refusal.headers, 'Sforce-Limit-Info': guard.limitInfo() });
      if (opts.revokeRefreshTokenAfter !== undefined && guard.used === opts.revokeRefreshTokenAfter) tokens.revokeAll();
      const delay = guard.delayMs();
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      const ctx: Ctx = { req, res, url: u, version: m[1]!, extraHeaders: { 'Sforce-Limit-Info': guard.limitInfo() } };
      await route(ctx, req.method ?? 'GET', m[2] ?? '/');
    } catch (e) {
      if (e instanceof ApiError) return sendError(res, e.status, e.errorCode, e.message, { 'Sforce-Limit-Info': guard.limitInfo() });
      throw e;
    }
  }

  async function oauth(req: IncomingMessage, res: ServerResponse, u: URL, path: string): Promise<void> {
    try {
      if (path === '/services/oauth2/authorize' && req.method === 'GET') {
        res.writeHead(302, { Location: tokens.authorize(u.searchParams) });
        res.end();
        return;
      }
      if (req.method !== 'POST') throw new OAuthError(405, 'invalid_request', 'must use HTTP POST');
      const form = new URLSearchParams(await readBody(req));
      if (path === '/services/oauth2/revoke') {
        tokens.revoke(form.get('token') ?? '');
        res.writeHead(200);
        res.end();
        return;
      }
      if (path !== '/services/oauth2/token') throw new OAuthError(404, 'invalid_request', 'unknown endpoint');
      const basic = /^Basic\s+(.+)$/i.exec(String(req.headers.authorization ?? ''));
      const [id, secret] = basic ? Buffer.from(basic[1]!, 'base64').toString('utf8').split(':') : [];
      sendJson(res, 200, tokens.token(form, id ? { id, secret: secret ?? '' } : undefined));
    } catch (e) {
      if (e instanceof OAuthError) return sendJson(res, e.status, e.body());
      throw e;
    }
  }

  async function route(ctx: Ctx, method: string, sub: string): Promise<void> {
    let m: RegExpExecArray | null;
    if (sub === '/limits' && method === 'GET') return rest.limits(ctx, bulk.created);
    if (sub === '/sobjects' && method === 'GET') return rest.sobjects(ctx);
    if ((m = /^\/sobjects\/([A-Za-z0-9_]+)\/describe$/.exec(sub)) && method === 'GET') return rest.describe(ctx, m[1]!);
    if ((sub === '/query' || sub === '/queryAll') && method === 'GET') return rest.query(ctx, sub === '/queryAll');
    if ((m = /^\/(query|queryAll)\/([A-Za-z0-9]+-\d+)$/.exec(sub)) && method === 'GET') return rest.more(ctx, m[2]!, m[1] === 'queryAll');
    if (sub === '/jobs/query' && method === 'POST') return bulk.create(ctx);
    if ((m = /^\/jobs\/query\/([A-Za-z0-9]+)$/.exec(sub))) {
      if (method === 'GET') return bulk.info(ctx, m[1]!);
      if (method === 'PATCH') return bulk.patch(ctx, m[1]!);
      if (method === 'DELETE') return bulk.remove(ctx, m[1]!);
    }
    if ((m = /^\/jobs\/query\/([A-Za-z0-9]+)\/results$/.exec(sub)) && method === 'GET') return bulk.results(ctx, m[1]!);
    throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  tokens = new TokenService(url, opts.faults?.tokenTtlSeconds ?? 7200, userId);
  rest = new RestApi(store, guard);
  bulk = new BulkApi(store, guard, userId);

  const objectOf = (name: string) => {
    const obj = OBJECT_BY_NAME.get(name.toLowerCase());
    if (!obj) throw new Error(`the emulator has no object named ${name}`);
    return obj;
  };
  const control: SalesforceEmulatorControl = {
    modify(object, index, fields = {}, at) {
      const o = objectOf(object);
      const ms = typeof at === 'string' ? Date.parse(at) : at;
      if (ms !== undefined && !Number.isFinite(ms)) throw new RangeError(`not a timestamp: ${String(at)}`);
      store.modify(o, index, fields, ms);
      return sfId(o.keyPrefix, index);
    },
    remove(object, index) { const o = objectOf(object); store.remove(o, index); return sfId(o.keyPrefix, index); },
    expireAccessTokens: () => tokens.expireAccessTokens(),
    revokeRefreshTokens: () => tokens.revokeAll(),
    reauthorize: () => tokens.reauthorize(),
    idOf: (object, index) => sfId(objectOf(object).keyPrefix, index),
    count: (object) => store.count(objectOf(object)),
    changed: (object) => store.changed(objectOf(object)),
    stats: () => ({ apiRequests: guard.used, refused: guard.refused, bulkJobs: bulk.created }),
    limits,
  };

  return {
    url,
    tokenUrl: `${url}/services/oauth2/token`,
    credentials: { client_id: tokens.clientId, client_secret: tokens.clientSecret, refresh_token: tokens.initialRefreshToken },
    control,
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((err) => (err ? reject(err) : resolve()));
    }),
  };
}
