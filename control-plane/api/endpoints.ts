/**
 * Where a migration's stored credentials may go (issue 11, defect 1). Credentials are bound to the
 * endpoints they were entered for: the base URL, the OAuth token URL and the endpoint-bearing
 * credential fields (Salesforce login_url/instance_url, Dynamics environment_url). For a SaaS vendor
 * every endpoint must be one of the vendor's documented hosts (shared/net/vendor-hosts.ts) or an
 * origin a tenant admin has overridden (api_endpoint_overrides, audited). Changing an endpoint drops
 * the credentials that were not entered again with it; opening a source whose endpoints differ from
 * the binding is refused.
 */
import type pg from 'pg';
import { originOf } from '../../shared/net/outbound.ts';
import { VENDOR_HOSTS, isVendorEndpoint } from '../../shared/net/vendor-hosts.ts';
import { ApiError } from './http.ts';

/** Credential fields that name an endpoint rather than hold a secret (SaaS login/instance URLs; a database's url, host and port). */
export const ENDPOINT_CREDENTIALS = ['login_url', 'instance_url', 'environment_url', 'url', 'host', 'port'] as const;
/** Added to the binding later (issue 11): bindings recorded before hold none of them. */
const DATABASE_ENDPOINTS = ['url', 'host', 'port'] as const;

export type EndpointSet = Record<string, string>;

/** Normalised (origin + path, no trailing slash, no query) so that cosmetic edits do not count as a change. */
function normalise(url: string): string {
  try {
    const u = new URL(url);
    // protocol//host, not origin: a database URL's origin is "null", which would hide a change of host.
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return url;
  }
}

/** The endpoints a migration's credentials would be sent to, from its config and credential fields. */
export function endpointsOf(config: Record<string, unknown>, credentials: Record<string, string>): EndpointSet {
  const out: EndpointSet = {};
  for (const k of ['baseUrl', 'tokenUrl'] as const) if (typeof config[k] === 'string' && config[k]) out[k] = normalise(config[k] as string);
  for (const k of ENDPOINT_CREDENTIALS) if (credentials[k]) out[k] = normalise(credentials[k]);
  return out;
}

/**
 * The stored credentials' current endpoints, compared with their binding. A binding recorded before
 * database endpoints were bound holds none of them: those are then left out (the next edit that moves
 * them drops the password, as for every endpoint).
 */
export function boundEndpointsMatch(current: EndpointSet, binding: EndpointSet): boolean {
  const legacy = DATABASE_ENDPOINTS.every((k) => binding[k] === undefined);
  const cur = legacy ? Object.fromEntries(Object.entries(current).filter(([k]) => !(DATABASE_ENDPOINTS as readonly string[]).includes(k))) : current;
  return sameEndpoints(cur, binding);
}

export function sameEndpoints(a: EndpointSet, b: EndpointSet): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

/** True for vendors that are reached over HTTP at documented hosts (the SaaS connectors). */
export function isHostedVendor(vendor: string): boolean {
  return (VENDOR_HOSTS[vendor]?.length ?? 0) > 0;
}

/** The origins the tenant's admins have allowed for this vendor (inside the tenant transaction). */
export async function overrideOrigins(c: pg.PoolClient, vendor: string): Promise<string[]> {
  const { rows } = await c.query<{ origin: string }>('SELECT origin FROM api_endpoint_overrides WHERE vendor = $1 ORDER BY origin', [vendor]);
  return rows.map((r) => r.origin);
}

/**
 * 400 unless every endpoint of a hosted vendor is a documented host or an admin override.
 * `fields` maps each endpoint key to the request field it came from, for the error.
 */
export function assertAllowedEndpoints(vendor: string, endpoints: EndpointSet, overrides: readonly string[], fields: Record<string, string>): void {
  if (!isHostedVendor(vendor)) return;
  const bad: Record<string, string> = {};
  for (const [k, url] of Object.entries(endpoints)) {
    if (isVendorEndpoint(vendor, url)) continue;
    const origin = originOf(url);
    if (origin && overrides.includes(origin)) continue;
    bad[fields[k] ?? k] = `must be https at a documented ${vendor} host (${VENDOR_HOSTS[vendor]!.join(', ')}); an admin can allow another endpoint with POST /api/v1/endpoint-overrides`;
  }
  if (Object.keys(bad).length) throw new ApiError(400, 'validation_failed', 'endpoint not allowed for this vendor', bad);
}

export class CredentialsUnboundError extends Error {
  override readonly name = 'CredentialsUnboundError';
  constructor() {
    super('the stored credentials were entered for another endpoint; enter the credentials again for the current endpoint');
  }
}
