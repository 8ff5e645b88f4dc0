/**
 * Dataverse (Dynamics 365) sandbox emulator on the emulator kit. One port serves both the Entra ID
 * token endpoint (/{tenant}/oauth2/v2.0/token, client-credentials grant, the kit's OAuthServer with
 * Entra ID's error bodies) and the Web API (/api/data/v9.2/), behind the kit's budgets and faults.
 * `records` counts accounts.
 */
import { randomBytes } from 'node:crypto';
import type { EmulatorHandle, StartEmulatorOptions } from '../../sdk/emulator-types.ts';
import { EmulatorHttpError, FaultSwitches, OAuthServer, bearerToken, readForm, send, serve, type EmulatorRequest, type OAuthFailure } from '../../sdk/emulator/index.ts';
import { recordGuid, mix32 } from './generate.ts';
import { ODataError } from './odata.ts';
import { DATAVERSE_LIMITS, faultError, protectionBudgets, protectionHeaders, refusal, type ProtectionLimits } from './protection.ts';
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

const JSON_TYPE = 'application/json; odata.metadata=minimal';
const ENTRA_FAILURE: Partial<Record<OAuthFailure, [status: number, error: string, description: string]>> = {
  unsupported_grant_type: [400, 'unsupported_grant_type', 'AADSTS70003: The app requested an unsupported grant type.'],
  invalid_client: [401, 'invalid_client', 'AADSTS7000215: Invalid client secret provided.'],
};

/** Entra ID's error body: the AADSTS code in the description and in error_codes. */
function entraError(status: number, error: string, description: string): EmulatorHttpError {
  return new EmulatorHttpError(status, {
    error, error_description: `${description}\r\nTrace ID: ${randomBytes(8).toString('hex')}`,
    error_codes: [Number(/^AADSTS(\d+)/.exec(description)![1])], timestamp: new Date().toISOString(),
  });
}

export async function startEmulator(opts: DynamicsEmulatorOptions): Promise<DynamicsEmulatorHandle> {
  const seed = opts.seed | 0;
  const store = new RecordStore(seed, Math.max(1, Math.floor(opts.records)));
  const faults = new FaultSwitches(opts.faults ?? {}, seed, [500, 503]);
  const limits = { ...DATAVERSE_LIMITS, ...opts.limits };
  const budgets = opts.rateLimits ? protectionBudgets(limits) : undefined;
  const tenantId = recordGuid(seed, 'tenant', 0);
  const clientId = recordGuid(seed, 'client', 0);
  const oauth = new OAuthServer({
    clientId, clientSecret: `emu~${mix32(seed ^ 0x5ec7).toString(36)}${mix32(seed ^ 0x7e7).toString(36)}.Q8`,
    grants: ['client_credentials'], ttlSeconds: opts.faults?.tokenTtlSeconds ?? 3599, requestBudget: opts.tokenRequestBudget,
    mintAccess: () => `eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.${randomBytes(24).toString('base64url')}.${randomBytes(16).toString('base64url')}`,
    tokenBody: (t) => ({ token_type: 'Bearer', expires_in: t.expiresIn, ext_expires_in: t.expiresIn, access_token: t.accessToken }),
    errorBody: (f, detail) => {
      const [status, error, description] = ENTRA_FAILURE[f] ?? [400, 'invalid_request', `AADSTS900144: ${detail}`];
      return { status, body: entraError(status, error, description).body };
    },
  });
  const api = new WebApi(store, faults, {
    userId: store.guid('systemuser', 0),
    businessUnitId: store.guid('businessunit', userBusinessUnit(0)),
    organizationId: recordGuid(seed, 'organization', 0),
  }, new Set(opts.untrackedTables ?? []));
  let baseUrl = '';

  async function issueToken(r: EmulatorRequest, tenant: string): Promise<void> {
    const { form } = await readForm(r.req);
    if (tenant !== tenantId) throw entraError(400, 'invalid_request', `AADSTS90002: Tenant '${tenant}' not found.`);
    if (form.get('client_id') !== clientId) throw entraError(400, 'unauthorized_client', `AADSTS700016: Application with identifier '${form.get('client_id') ?? ''}' was not found in the directory.`);
    const scope = (form.get('scope') ?? '').replace(/\/+\.default$/, '');
    const body = oauth.token(form);
    if (scope !== baseUrl) throw entraError(400, 'invalid_scope', `AADSTS500011: The resource principal named ${scope} was not found in the tenant.`);
    send(r.res, 200, body, {}, JSON_TYPE);
  }

  async function serveApi(r: EmulatorRequest, version: string, resource: string): Promise<void> {
    const auth = oauth.check(bearerToken(r.req));
    if (!auth.ok) throw new EmulatorHttpError(401, undefined, { 'WWW-Authenticate': `Bearer authorization_uri=${baseUrl}/${tenantId}/oauth2/authorize, resource_id=${baseUrl}/` });
    const verdict = budgets?.admit(auth.owner);
    if (verdict && !verdict.ok) throw refusal(verdict, limits);
    const headers = verdict ? protectionHeaders(verdict) : {};
    try {
      await faults.slow();
      const fault = faults.draw();
      if (fault) throw faultError(fault);
      if (r.method !== 'GET') throw new ODataError(405, '0x80060888', `The emulator is read-only; ${r.method} is not supported.`);
      const out = api.handle({ resource, query: parseQuery(r.url.search), prefer: r.req.headers.prefer, baseUrl, apiVersion: version });
      send(r.res, out.status, out.body, { ...headers, ...out.headers, 'OData-Version': '4.0' }, JSON_TYPE);
    } catch (err) {
      if (err instanceof EmulatorHttpError) Object.assign(err.headers, headers);
      throw err;
    } finally {
      if (verdict) budgets!.release(auth.owner);
    }
  }

  const server = await serve(async (r) => {
    const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(r.url.pathname);
    const api = /^\/api\/data\/(v9\.\d)\/(.+)$/.exec(r.url.pathname);
    if (token && r.method === 'POST') return issueToken(r, token[1]!);
    if (api) return serveApi(r, api[1]!, api[2]!);
    throw new ODataError(404, '0x8006088a', `Resource not found for the segment '${r.url.pathname}'.`);
  }, { port: opts.port, jsonContentType: JSON_TYPE, internalError: () => ({ error: { code: '0x80040216', message: 'An unexpected error occurred.' } }) });
  baseUrl = server.url;
  const table = (entity: string): string => {
    if (!store.spec(entity)) throw new RangeError(`the emulator has no table named ${entity}`);
    return entity;
  };
  return {
    url: baseUrl,
    tokenUrl: `${baseUrl}/${tenantId}/oauth2/v2.0/token`,
    credentials: { tenant_id: tenantId, client_id: clientId, client_secret: oauth.config.clientSecret, environment_url: baseUrl, scope: `${baseUrl}/.default` },
    control: {
      modify(entity, index, fields = {}, modifiedOn) {
        const ms = typeof modifiedOn === 'string' ? Date.parse(modifiedOn) : modifiedOn;
        if (ms !== undefined && !Number.isFinite(ms)) throw new RangeError(`not a timestamp: ${String(modifiedOn)}`);
        return store.edit(table(entity), index, fields, ms === undefined ? undefined : Math.floor(ms / 1000));
      },
      remove: (entity, index) => store.remove(table(entity), index),
      idOf: (entity, index) => store.guid(entity, index),
      count: (entity) => store.count(entity),
      expireAccessTokens: () => oauth.expireAccessTokens(),
    },
    close: () => server.close(),
  };
}
