/**
 * The Salesforce sandbox emulator on the emulator kit: OAuth 2.0 (kit OAuthServer with Salesforce's
 * token and error bodies), REST (versions, describe, query/queryAll, sObject retrieve, limits), the
 * identity URL and Bulk API 2.0 query jobs, over a deterministic generated org of `records` Accounts
 * and their Contacts, Leads, Opportunities, Tasks, Events, Users and a custom object. See ../README.md.
 */
import { randomBytes } from 'node:crypto';
import type { EmulatorHandle, StartEmulatorOptions } from '../../sdk/emulator-types.ts';
import { bearerToken, dispatch, OAuthServer, readForm, send, serve, type EmulatorRequest, type Route } from '../../sdk/emulator/index.ts';
import { OBJECT_BY_NAME } from './catalog.ts';
import { BulkApi } from './bulk.ts';
import { ApiError, sendJson, type Ctx } from './http.ts';
import { sfId } from './ids.ts';
import { DEFAULT_LIMITS, OrgLimits, type LimitsConfig } from './limits.ts';
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
  /** Edit record `index` of `object` now (or at `at`, ISO or epoch ms, to stage a tie with a cursor). */
  modify(object: string, index: number, fields?: Record<string, string | number | boolean | null>, at?: string | number): string;
  /** Delete record `index` of `object` now (queryAll then reports it with IsDeleted = true). */
  remove(object: string, index: number): string;
  expireAccessTokens(): void;
  /** Revoke every refresh token (the admin revoked the connected app). */
  revokeRefreshTokens(): void;
  /** Issue a new refresh token (the admin re-authorized). */
  reauthorize(): string;
  idOf(object: string, index: number): string;
  count(object: string): number;
  /** Ids of `object` records edited or deleted since start, oldest first. */
  changed(object: string): string[];
  stats(): { apiRequests: number; refused: number; bulkJobs: number };
  readonly limits: LimitsConfig;
}

export type SalesforceEmulatorHandle = EmulatorHandle & { control: SalesforceEmulatorControl };

export const ORG_ID = '00D5g000004ZbCdEAK';
const VERSIONS = ['55.0', '56.0', '57.0', '58.0', '59.0', '60.0', '61.0', '62.0'];
const OAUTH_ERROR: Record<string, string> = { invalid_client: 'invalid_client_id' };

export async function startEmulator(opts: SalesforceEmulatorOptions): Promise<SalesforceEmulatorHandle> {
  const store = new OrgStore({ seed: opts.seed, accounts: Math.max(1, Math.floor(opts.records)) });
  const limits: LimitsConfig = { ...DEFAULT_LIMITS, ...opts.limits };
  const guard = new OrgLimits(opts.seed, opts.faults ?? {}, opts.rateLimits ?? false, limits);
  const userId = sfId('005', 0);
  let url = '';
  const identityUrl = () => `${url}/id/${ORG_ID}/${userId}`;
  const oauth = new OAuthServer({
    clientId: `3MVG9${randomBytes(24).toString('base64url')}`, clientSecret: randomBytes(32).toString('hex').toUpperCase(),
    grants: ['authorization_code', 'refresh_token', 'client_credentials'], ttlSeconds: opts.faults?.tokenTtlSeconds ?? 7200,
    mintAccess: () => `${ORG_ID}!AR${randomBytes(48).toString('base64url')}`, mintRefresh: () => `5Aep861${randomBytes(40).toString('base64url')}`,
    tokenBody: (t) => ({
      access_token: t.accessToken, ...(t.grant === 'authorization_code' ? { refresh_token: t.refreshToken } : {}), signature: randomBytes(32).toString('base64'),
      scope: 'api refresh_token', instance_url: url, id: identityUrl(), token_type: 'Bearer', issued_at: String(Date.now()),
    }),
    errorBody: (f, detail) => ({ status: 400, body: { error: OAUTH_ERROR[f] ?? f, error_description: f === 'invalid_grant' && /refresh/.test(detail) ? 'expired access/refresh token' : detail } }),
  });
  const rest = new RestApi(store, guard);
  const bulk = new BulkApi(store, guard, userId);

  const api: Route<Ctx>[] = [
    ['GET', '/', (c) => sendJson(c.res, 200, rest.resources(c, identityUrl()), c.extraHeaders)],
    ['GET', '/limits', (c) => rest.limits(c, bulk.created)],
    ['GET', '/sobjects', (c) => rest.sobjects(c)],
    ['GET', /^\/sobjects\/([A-Za-z0-9_]+)\/describe$/, (c, [o]) => rest.describe(c, o!)],
    ['GET', /^\/sobjects\/([A-Za-z0-9_]+)\/([A-Za-z0-9]{15,18})$/, (c, [o, id]) => rest.retrieve(c, o!, id!)],
    ['GET', /^\/(query|queryAll)$/, (c, [k]) => rest.query(c, k === 'queryAll')],
    ['GET', /^\/(query|queryAll)\/([A-Za-z0-9]+-\d+)$/, (c, [k, loc]) => rest.more(c, loc!, k === 'queryAll')],
    ['POST', '/jobs/query', (c) => bulk.create(c)],
    ['GET', /^\/jobs\/query\/([A-Za-z0-9]+)$/, (c, [id]) => bulk.info(c, id!)],
    ['PATCH', /^\/jobs\/query\/([A-Za-z0-9]+)$/, (c, [id]) => bulk.patch(c, id!)],
    ['DELETE', /^\/jobs\/query\/([A-Za-z0-9]+)$/, (c, [id]) => bulk.remove(c, id!)],
    ['GET', /^\/jobs\/query\/([A-Za-z0-9]+)\/results$/, (c, [id]) => bulk.results(c, id!)],
  ];
  const notFound = () => new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');

  function authorized(r: EmulatorRequest): void {
    const token = bearerToken(r.req, ['Bearer', 'OAuth']) ?? r.url.searchParams.get('oauth_token') ?? undefined;
    if (!oauth.check(token).ok) throw new ApiError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
  }

  async function handle(r: EmulatorRequest): Promise<void> {
    const { req, res, method, path } = r;
    if (path === '/services/oauth2/authorize' && method === 'GET') return send(res, 302, undefined, { Location: oauth.authorize(r.url.searchParams) });
    if (path.startsWith('/services/oauth2/')) {
      if (method !== 'POST') throw new ApiError(405, 'invalid_request', 'must use HTTP POST');
      const { form, basic } = await readForm(req);
      if (path === '/services/oauth2/revoke') return oauth.revoke(form.get('token') ?? ''), send(res, 200, undefined);
      if (path !== '/services/oauth2/token') throw notFound();
      return send(res, 200, oauth.token(form, basic));
    }
    if (path === '/services/data') return sendJson(res, 200, VERSIONS.map((v) => ({ label: `v${v}`, url: `/services/data/v${v}`, version: v })));
    if (path === `/id/${ORG_ID}/${userId}`) {
      authorized(r);
      return sendJson(res, 200, rest.identity(identityUrl(), ORG_ID, userId, url));
    }
    const m = /^\/services\/data\/v(\d+\.\d)(\/.*)?$/.exec(path);
    if (!m) throw notFound();
    authorized(r);
    guard.admit();
    if (opts.revokeRefreshTokenAfter !== undefined && guard.used === opts.revokeRefreshTokenAfter) oauth.revokeAll();
    await guard.faults.slow();
    const ctx: Ctx = { req, res, url: r.url, version: m[1]!, extraHeaders: { 'Sforce-Limit-Info': guard.limitInfo() } };
    await dispatch(api, method, m[2] ?? '/', ctx, notFound);
  }

  const server = await serve(handle, { port: opts.port, internalError: (e) => [{ message: e instanceof Error ? e.message : String(e), errorCode: 'UNKNOWN_EXCEPTION' }] });
  url = server.url;

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
    expireAccessTokens: () => oauth.expireAccessTokens(),
    revokeRefreshTokens: () => oauth.revokeAll(),
    reauthorize: () => oauth.reauthorize(),
    idOf: (object, index) => sfId(objectOf(object).keyPrefix, index),
    count: (object) => store.count(objectOf(object)),
    changed: (object) => store.changed(objectOf(object)),
    stats: () => ({ apiRequests: guard.used, refused: guard.refused, bulkJobs: bulk.created }),
    limits,
  };

  return {
    url, tokenUrl: `${url}/services/oauth2/token`, control, close: () => server.close(),
    credentials: { client_id: oauth.config.clientId, client_secret: oauth.config.clientSecret, refresh_token: oauth.initialRefreshToken },
  };
}
