/**
 * Dataverse (Dynamics 365) sandbox emulator: a Node http server speaking the documented wire
 * format. One port serves both the Entra ID token endpoint (/{tenant}/oauth2/v2.0/token,
 * client-credentials grant) and the Web API (/api/data/v9.2/). `records` counts accounts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readBody, send } from '../../sdk/emulator/http.ts';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { EmulatorHandle, StartEmulatorOptions } from '../../sdk/emulator-types.ts';
import { recordGuid, mix32 } from './generate.ts';
import { ODataError } from './odata.ts';
import { DATAVERSE_LIMITS, FaultInjector, ServiceProtection, type ProtectionLimits, type Rejection } from './protection.ts';
import { RecordStore } from './store.ts';
import { WebApi, parseQuery } from './web-api.ts';
import { userBusinessUnit } from './entity-types.ts';

export interface DynamicsEmulatorOptions extends StartEmulatorOptions {
  /** Override the service protection limits (benches scale the 5-minute window down). */
  limits?: Partial<ProtectionLimits>;
  /** Revoke each access token after this many API requests (a token that dies mid-extraction while the client still trusts it). */
  tokenRequestBudget?: number;
  /** Tables (logical names) without change tracking: `Prefer: odata.track-changes` is not applied to them. */
  untrackedTables?: string[];
}

/** Demo, training and test controls (not part of Dataverse's API). */
export interface DynamicsEmulatorControl {
  /**
   * Edit record `index` of table `entity` (logical name): `fields` override attribute values and
   * modifiedon becomes `modifiedOn` (ISO or epoch ms, whole seconds) or, by default, a time past every
   * generated record. Returns the record's id. The edit shows up in the table's next delta response.
   */
  modify(entity: string, index: number, fields?: Record<string, string | number | boolean | null>, modifiedOn?: string | number): string;
  /**
   * Delete record `index` of table `entity` as a user would: it disappears from queries and the next
   * delta response lists it as a `$deletedEntity` with reason "deleted". Returns the record's id.
   */
  remove(entity: string, index: number): string;
  /** The id of record `index` of `entity`. */
  idOf(entity: string, index: number): string;
  count(entity: string): number;
}

export type DynamicsEmulatorHandle = EmulatorHandle & { control: DynamicsEmulatorControl };

interface IssuedToken {
  clientId: string;
  expiresAt: number;
  requests: number;
}

const DEFAULT_TOKEN_TTL_S = 3599;

export async function startEmulator(opts: DynamicsEmulatorOptions): Promise<DynamicsEmulatorHandle> {
  const seed = opts.seed | 0;
  const store = new RecordStore(seed, Math.max(1, Math.floor(opts.records)));
  const faults = new FaultInjector(opts.faults ?? {}, seed);
  const protection = opts.rateLimits ? new ServiceProtection({ ...DATAVERSE_LIMITS, ...opts.limits }) : undefined;
  const tenantId = recordGuid(seed, 'tenant', 0);
  const credentials = {
    tenant_id: tenantId,
    client_id: recordGuid(seed, 'client', 0),
    client_secret: `emu~${mix32(seed ^ 0x5ec7).toString(36)}${mix32(seed ^ 0x7e7).toString(36)}.Q8`,
  };
  const tokens = new Map<string, IssuedToken>();
  const api = new WebApi(store, faults, {
    userId: store.guid('systemuser', 0),
    businessUnitId: store.guid('businessunit', userBusinessUnit(0)),
    organizationId: recordGuid(seed, 'organization', 0),
  }, new Set(opts.untrackedTables ?? []));
  let baseUrl = '';

  const issueToken = async (req: IncomingMessage, res: ServerResponse, tenant: string): Promise<void> => {
    const form = new URLSearchParams(await readBody(req));
    const fail = (status: number, error: string, description: string): void =>
      sendJson(res, status, { error, error_description: `${description}\r\nTrace ID: ${randomBytes(8).toString('hex')}`, error_codes: [Number(description.slice(6, description.indexOf(':')))], timestamp: new Date().toISOString() });
    if (tenant !== tenantId) return fail(400, 'invalid_request', `AADSTS90002: Tenant '${tenant}' not found.`);
    if (form.get('grant_type') !== 'client_credentials') return fail(400, 'unsupported_grant_type', 'AADSTS70003: The app requested an unsupported grant type.');
    if (form.get('client_id') !== credentials.client_id) return fail(400, 'unauthorized_client', `AADSTS700016: Application with identifier '${form.get('client_id') ?? ''}' was not found in the directory.`);
    if (form.get('client_secret') !== credentials.client_secret) return fail(401, 'invalid_client', 'AADSTS7000215: Invalid client secret provided.');
    const scope = form.get('scope') ?? '';
    if (scope.replace(/\/+\.default$/, '') !== baseUrl) return fail(400, 'invalid_scope', `AADSTS500011: The resource principal named ${scope.replace(/\/\.default$/, '')} was not found in the tenant.`);
    const ttl = opts.faults?.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_S;
    const token = `eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.${randomBytes(24).toString('base64url')}.${randomBytes(16).toString('base64url')}`;
    tokens.set(token, { clientId: credentials.client_id, expiresAt: Date.now() + ttl * 1000, requests: 0 });
    sendJson(res, 200, { token_type: 'Bearer', expires_in: ttl, ext_expires_in: ttl, access_token: token });
  };

  const serveApi = async (req: IncomingMessage, res: ServerResponse, url: URL, version: string, resource: string): Promise<void> => {
    const auth = req.headers.authorization ?? '';
    const issued = tokens.get(auth.replace(/^Bearer\s+/i, ''));
    if (issued) issued.requests += 1;
    if (!issued || issued.expiresAt <= Date.now() || (opts.tokenRequestBudget !== undefined && issued.requests > opts.tokenRequestBudget)) {
      res.writeHead(401, { 'WWW-Authenticate': `Bearer authorization_uri=${baseUrl}/${tenantId}/oauth2/authorize, resource_id=${baseUrl}/`, 'Content-Length': '0' });
      res.end();
      return;
    }
    let admitted = false;
    let headers: Record<string, string> = {};
    try {
      if (protection) {
        const verdict = protection.admit(issued.clientId);
        headers = verdict.headers;
        if (!verdict.ok) return sendError(res, verdict.rejection, headers);
        admitted = true;
      }
      const delay = faults.delayMs();
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      const injected = faults.draw();
      if (injected) return sendError(res, injected, headers);
      if (req.method !== 'GET') throw new ODataError(405, '0x80060888', `The emulator is read-only; ${req.method} is not supported.`);
      const out = api.handle({ resource, query: parseQuery(url.search), prefer: req.headers.prefer, baseUrl, apiVersion: version });
      sendJson(res, out.status, out.body, { ...headers, ...out.headers, 'OData-Version': '4.0' });
    } catch (err) {
      if (err instanceof ODataError) sendError(res, { status: err.status, code: err.code, message: err.message }, headers);
      else sendError(res, { status: 500, code: '0x80040216', message: 'An unexpected error occurred.' }, headers);
    } finally {
      if (admitted) protection?.release(issued.clientId);
    }
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const tokenPath = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
    const apiPath = /^\/api\/data\/(v9\.\d)\/(.+)$/.exec(url.pathname);
    let work: Promise<void>;
    if (tokenPath && req.method === 'POST') work = issueToken(req, res, tokenPath[1]!);
    else if (apiPath) work = serveApi(req, res, url, apiPath[1]!, apiPath[2]!);
    else {
      sendJson(res, 404, { error: { code: '0x8006088a', message: `Resource not found for the segment '${url.pathname}'.` } });
      return;
    }
    work.catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: { code: '0x80040216', message: 'An unexpected error occurred.' } });
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;
  return {
    url: baseUrl,
    tokenUrl: `${baseUrl}/${tenantId}/oauth2/v2.0/token`,
    credentials: { ...credentials, environment_url: baseUrl, scope: `${baseUrl}/.default` },
    control: {
      modify(entity, index, fields = {}, modifiedOn) {
        if (!store.spec(entity)) throw new RangeError(`the emulator has no table named ${entity}`);
        const ms = typeof modifiedOn === 'string' ? Date.parse(modifiedOn) : modifiedOn;
        if (ms !== undefined && !Number.isFinite(ms)) throw new RangeError(`not a timestamp: ${String(modifiedOn)}`);
        return store.edit(entity, index, fields, ms === undefined ? undefined : Math.floor(ms / 1000));
      },
      remove(entity, index) {
        if (!store.spec(entity)) throw new RangeError(`the emulator has no table named ${entity}`);
        return store.remove(entity, index);
      },
      idOf: (entity, index) => store.guid(entity, index),
      count: (entity) => store.count(entity),
      expireAccessTokens: () => {
        for (const t of tokens.values()) t.expiresAt = 0;
      },
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  send(res, status, body, headers, 'application/json; odata.metadata=minimal');
}

function sendError(res: ServerResponse, r: Rejection | { status: number; code: string; message: string; retryAfterSeconds?: number }, headers: Record<string, string>): void {
  const extra: Record<string, string> = { ...headers, 'OData-Version': '4.0' };
  if (r.retryAfterSeconds !== undefined) extra['Retry-After'] = String(r.retryAfterSeconds);
  sendJson(res, r.status, { error: { code: r.code, message: r.message } }, extra);
}
