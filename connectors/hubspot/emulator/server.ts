/**
 * The HubSpot sandbox emulator's HTTP server: OAuth token endpoint, bearer auth, CRM v3 object
 * lists, get-by-id, search (with the 10,000-result cap), properties, owners and associations v4
 * batch read, in HubSpot's wire format (error bodies, X-HubSpot-RateLimit-* headers, ISO timestamps).
 */
import { randomUUID } from 'node:crypto';
import type { FaultOptions } from '../../sdk/index.ts';
import { BudgetSet, FaultSwitches, OAuthServer, bearerToken, readBody, retryAfterSeconds, send, serve, type EmulatorRequest, type EmulatorServer } from '../../sdk/emulator/index.ts';
import { Dataset, objectType, OBJECT_TYPES, type ObjectType } from './dataset.ts';
import { hubspotBudgets, limitHeaders, POLICY, searchBudget } from './limits.ts';
import { PROPERTIES, propertyJson } from './properties.ts';
import { handleSearch } from './search.ts';
import { HttpError, hubspotError } from './http-error.ts';

export { HttpError, hubspotError } from './http-error.ts';

export interface EmulatorConfig {
  dataset: Dataset;
  faults: FaultOptions;
  rateLimits: boolean;
  credentials: { accessToken: string; clientId: string; clientSecret: string; refreshToken: string };
}
const ASSOCIATION_TYPE: Record<string, number> = {
  'contacts>companies': 279, 'companies>contacts': 280, 'deals>companies': 341, 'deals>contacts': 3,
  'calls>companies': 182, 'calls>contacts': 194, 'calls>deals': 206, 'meetings>companies': 188, 'meetings>contacts': 200, 'meetings>deals': 212,
  'tasks>companies': 192, 'tasks>contacts': 204, 'tasks>deals': 216, 'notes>companies': 190, 'notes>contacts': 202, 'notes>deals': 214,
};
const PRIMARY_TYPE: Record<string, number> = { 'contacts>companies': 1, 'deals>companies': 5 };
const OAUTH_FAILURE: Record<string, string> = { unsupported_grant_type: 'UNSUPPORTED_GRANT_TYPE', invalid_client: 'BAD_CLIENT_ID', invalid_grant: 'BAD_REFRESH_TOKEN' };
const JSON_TYPE = 'application/json;charset=utf-8';
const rateLimited = (words: string, policyName: string, headers: Record<string, string>): HttpError =>
  new HttpError(429, { status: 'error', message: `You have reached your ${words} limit.`, errorType: 'RATE_LIMIT', correlationId: randomUUID(), policyName, requestId: randomUUID() }, headers);
export class HubSpotEmulator {
  private readonly budgets = new BudgetSet(hubspotBudgets());
  private readonly search = searchBudget();
  readonly faults: FaultSwitches;
  readonly oauth: OAuthServer;
  readonly stats = { requests: 0, rateLimited: 0, faults: 0 };
  baseUrl = '';
  constructor(private readonly cfg: EmulatorConfig) {
    this.faults = new FaultSwitches(cfg.faults, cfg.dataset.seed);
    const c = cfg.credentials;
    this.oauth = new OAuthServer({
      clientId: c.clientId, clientSecret: c.clientSecret, grants: ['refresh_token'], ttlSeconds: cfg.faults.tokenTtlSeconds ?? 1800, refreshNeedsSecret: true,
      initialRefreshToken: c.refreshToken, mintAccess: () => `CO${Buffer.from(`${cfg.dataset.seed}:${randomUUID()}`).toString('base64url')}`,
      tokenBody: (t) => ({ token_type: 'bearer', refresh_token: t.refreshToken, access_token: t.accessToken, expires_in: t.expiresIn }),
      errorBody: (f, detail) => ({ status: 400, body: { status: OAUTH_FAILURE[f] ?? 'BAD_REQUEST', message: detail, correlationId: randomUUID() } }),
    });
    this.oauth.addStaticToken(c.accessToken);
  }
  listen(port = 0): Promise<EmulatorServer> {
    return serve((r) => this.handle(r), { port, jsonContentType: JSON_TYPE, internalError: () => hubspotError(500, 'INTERNAL_ERROR', 'internal error').body });
  }
  /** Fault: every OAuth access token expires now. */
  expireAccessTokens(): void {
    this.oauth.expireAccessTokens();
  }
  private async handle({ req, res, url, method, path }: EmulatorRequest): Promise<void> {
    this.stats.requests++;
    const headers = { 'x-hubspot-correlation-id': randomUUID() };
    const text = await readBody(req);
    const isForm = String(req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded');
    if (method === 'POST' && path === '/oauth/v1/token') return send(res, 200, this.oauth.token(new URLSearchParams(text)), headers, JSON_TYPE);
    const auth = this.oauth.check(bearerToken(req));
    if (!auth.ok) {
      if (auth.reason === 'missing') throw hubspotError(401, 'INVALID_AUTHENTICATION', 'Authentication credentials not found. This API supports OAuth 2.0 authentication.');
      throw auth.reason === 'expired' ? hubspotError(401, 'EXPIRED_AUTHENTICATION', 'The OAuth token used to make this call expired.') : hubspotError(401, 'INVALID_AUTHENTICATION', 'Authentication credentials are invalid.');
    }
    if (this.cfg.rateLimits) {
      const verdict = this.budgets.admit(auth.owner, path.endsWith('/search') ? [this.search] : []);
      Object.assign(headers, limitHeaders(verdict.usage));
      if (!verdict.ok) {
        this.stats.rateLimited++;
        const p = POLICY[verdict.refusal.name]!;
        throw rateLimited(p.words, p.name, { ...headers, 'Retry-After': retryAfterSeconds(verdict.refusal.retryAfterMs) });
      }
    }
    await this.faults.slow();
    const fault = this.faults.draw();
    if (fault) {
      this.stats.faults++;
      if (fault.kind === '429') throw rateLimited('ten_secondly_rolling', 'TEN_SECONDLY_ROLLING', { ...headers, 'Retry-After': '1' });
      throw hubspotError(fault.status, 'INTERNAL_ERROR', 'The server encountered a temporary error.');
    }
    let json: unknown;
    if (text && !isForm) {
      try {
        json = JSON.parse(text) as unknown;
      } catch {
        throw hubspotError(400, 'VALIDATION_ERROR', 'Invalid input JSON on line 1');
      }
    }
    const [status, payload] = this.route(method, url, { json, form: new URLSearchParams() });
    send(res, status, payload, headers, JSON_TYPE);
  }
  private route(method: string, url: URL, body: Body): [number, unknown] {
    const p = url.pathname.replace(/\/+$/, '');
    let m: RegExpExecArray | null;
    if (method === 'GET' && (m = /^\/crm\/v3\/objects\/([^/]+)$/.exec(p))) return [200, this.list(type(m[1]!), url)];
    if (method === 'GET' && (m = /^\/crm\/v3\/objects\/([^/]+)\/([^/]+)$/.exec(p))) return [200, this.getById(type(m[1]!), decodeURIComponent(m[2]!), url)];
    if (method === 'POST' && (m = /^\/crm\/v3\/objects\/([^/]+)\/search$/.exec(p))) {
      const t = type(m[1]!);
      const page = handleSearch(this.cfg.dataset, t, body.json ?? {});
      this.maybeModify(t);
      return [200, page];
    }
    if (method === 'GET' && (m = /^\/crm\/v3\/properties\/([^/]+)$/.exec(p))) return [200, { results: PROPERTIES[type(m[1]!)]!.map(propertyJson) }];
    if (method === 'GET' && p === '/crm/v3/owners') return [200, this.owners(url)];
    if (method === 'GET' && (m = /^\/crm\/v3\/owners\/([^/]+)$/.exec(p))) return [200, this.owner(m[1]!)];
    if (method === 'POST' && (m = /^\/crm\/v4\/associations\/([^/]+)\/([^/]+)\/batch\/read$/.exec(p))) return this.associations(type(m[1]!), type(m[2]!), body.json);
    throw hubspotError(404, 'OBJECT_NOT_FOUND', `Unable to route ${method} ${p}`);
  }

  private requestedProperties(url: URL): string[] | undefined {
    const all = url.searchParams.getAll('properties').flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
    return all.length ? all : undefined;
  }

  private list(t: ObjectType, url: URL): unknown {
    const ds = this.cfg.dataset;
    const limit = Math.min(100, Math.max(1, Number(url.searchParams.get('limit') ?? '10') || 10));
    if (url.searchParams.get('archived') === 'true') return this.listArchived(t, url, limit);
    const afterRaw = url.searchParams.get('after');
    const start = afterRaw === null ? 0 : Number(afterRaw);
    if (!Number.isInteger(start) || start < 0) throw hubspotError(400, 'VALIDATION_ERROR', `Invalid input: after=${afterRaw} is not a valid paging cursor.`);
    const props = this.requestedProperties(url);
    const assocTypes = url.searchParams.getAll('associations').flatMap((v) => v.split(',')).map((s) => objectType(s.trim())).filter((x): x is ObjectType => Boolean(x));
    const end = Math.min(ds.count(t), start + limit);
    const results = [];
    for (let i = start; i < end; i++) {
      if (ds.isArchived(t, i)) continue;
      const rec = ds.record(t, i, props);
      if (assocTypes.length) rec['associations'] = Object.fromEntries(assocTypes.map((to) => [to, { results: ds.associations(t, to, i).map((j) => ({ id: ds.idOf(to, j), type: `${singular(t)}_to_${singular(to)}` })) }]));
      results.push(rec);
    }
    this.maybeModify(t);
    const out: Record<string, unknown> = { results };
    if (end < ds.count(t)) {
      const link = new URL(`${this.baseUrl}/crm/v3/objects/${t}`);
      for (const [k, v] of url.searchParams) if (k !== 'after') link.searchParams.append(k, v);
      link.searchParams.set('after', String(end));
      out['paging'] = { next: { after: String(end), link: link.toString() } };
    }
    return out;
  }

  private listArchived(t: ObjectType, url: URL, limit: number): unknown {
    const entries = this.cfg.dataset.archivedEntries(t);
    const start = Number(url.searchParams.get('after') ?? '0') || 0;
    const props = this.requestedProperties(url);
    const results = entries.slice(start, start + limit).map(([i]) => this.cfg.dataset.record(t, i, props));
    const end = start + results.length;
    return end < entries.length ? { results, paging: { next: { after: String(end), link: `${this.baseUrl}/crm/v3/objects/${t}?archived=true&after=${end}` } } } : { results };
  }

  /** Fault: a record (anywhere in the set) is modified while the extraction runs. */
  private maybeModify(t: ObjectType): void {
    const p = this.cfg.faults.modifyDuringExtraction;
    const n = this.cfg.dataset.count(t);
    const i = this.faults.modification(n);
    if (p && i !== undefined) this.cfg.dataset.touch(t, i, Date.now());
  }

  private getById(t: ObjectType, id: string, url: URL): unknown {
    const i = this.cfg.dataset.indexOf(t, id);
    if (i === undefined || (this.cfg.dataset.isArchived(t, i) && url.searchParams.get('archived') !== 'true')) {
      throw hubspotError(404, 'OBJECT_NOT_FOUND', 'Object not found.  objectId are usually numeric.', { context: { id: [id] } });
    }
    return this.cfg.dataset.record(t, i, this.requestedProperties(url));
  }

  private owners(url: URL): unknown {
    const ds = this.cfg.dataset;
    const limit = Math.min(500, Math.max(1, Number(url.searchParams.get('limit') ?? '100') || 100));
    const start = Number(url.searchParams.get('after') ?? '0') || 0;
    const email = url.searchParams.get('email');
    const n = ds.ownerCount();
    const all = [];
    for (let i = start; i < Math.min(n, start + limit); i++) all.push(ds.owner(i));
    const results = email ? all.filter((o) => o.email === email.toLowerCase()) : all;
    const end = Math.min(n, start + limit);
    return end < n ? { results, paging: { next: { after: String(end), link: `${this.baseUrl}/crm/v3/owners/?after=${end}` } } } : { results };
  }

  private owner(id: string): unknown {
    const i = Number(id) - 70_000_000;
    if (!Number.isInteger(i) || i < 0 || i >= this.cfg.dataset.ownerCount()) throw hubspotError(404, 'OBJECT_NOT_FOUND', `Owner ${id} not found`);
    return this.cfg.dataset.owner(i);
  }

  private associations(from: ObjectType, to: ObjectType, json: unknown): [number, unknown] {
    const inputs = (json as { inputs?: { id?: unknown }[] } | undefined)?.inputs;
    if (!Array.isArray(inputs)) throw hubspotError(400, 'VALIDATION_ERROR', 'Invalid input JSON: "inputs" is required.');
    if (inputs.length > 1000) throw hubspotError(400, 'VALIDATION_ERROR', 'Batch input limit exceeded: at most 1000 inputs.');
    const startedAt = new Date().toISOString();
    const ds = this.cfg.dataset;
    const key = `${from}>${to}`;
    const results = [];
    const errors = [];
    for (const input of inputs) {
      const id = String(input.id ?? '');
      const i = ds.indexOf(from, id);
      const targets = i === undefined ? [] : ds.associations(from, to, i);
      if (targets.length === 0) {
        errors.push({ status: 'error', category: 'OBJECT_NOT_FOUND', subCategory: 'crm.associations.NO_ASSOCIATIONS_FOUND', message: `No ${singular(to)} is associated with ${singular(from)} ${id}.`, context: { fromObjectId: [id], fromObjectType: [singular(from)], toObjectType: [singular(to)] } });
        continue;
      }
      results.push({
        from: { id },
        to: targets.map((j, k) => ({
          toObjectId: Number(ds.idOf(to, j)),
          associationTypes: [
            ...(k === 0 && PRIMARY_TYPE[key] ? [{ category: 'HUBSPOT_DEFINED', typeId: PRIMARY_TYPE[key], label: 'Primary' }] : []),
            { category: 'HUBSPOT_DEFINED', typeId: ASSOCIATION_TYPE[key] ?? 1, label: null },
          ],
        })),
      });
    }
    const payload: Record<string, unknown> = { status: 'COMPLETE', results, startedAt, completedAt: new Date().toISOString() };
    if (errors.length) Object.assign(payload, { errors, numErrors: errors.length });
    return [errors.length ? 207 : 200, payload];
  }
}

function type(name: string): ObjectType {
  const t = objectType(name);
  if (!t) throw hubspotError(400, 'VALIDATION_ERROR', `Unable to infer object type from: ${name}. Known: ${OBJECT_TYPES.join(', ')}`);
  return t;
}

function singular(t: ObjectType): string {
  return t === 'companies' ? 'company' : t.slice(0, -1);
}

interface Body {
  json?: unknown;
  form: URLSearchParams;
}

