/**
 * Salesforce OAuth 2.0 helpers: login hosts (production, sandbox, My Domain, emulator), the web-server
 * flow's authorize URL and code exchange, and the error a revoked credential turns into.
 */
import { registerSecret, redactText } from '../../shared/log/redact.ts';
import { vendorFetch } from '../../shared/net/outbound.ts';
import { PRODUCTION_LOGIN, SANDBOX_LOGIN } from './definition.ts';
import { parseOAuthError, parseTokenResponse } from './readers.ts';

export type LoginEnvironment = 'production' | 'sandbox';

/** The login host: an explicit URL (My Domain, emulator) wins, else production or sandbox. */
export function loginUrl(opts: { loginUrl?: string; environment?: LoginEnvironment }): string {
  if (opts.loginUrl) return opts.loginUrl.replace(/\/+$/, '');
  return opts.environment === 'sandbox' ? SANDBOX_LOGIN : PRODUCTION_LOGIN;
}

export function tokenUrlFor(login: string): string {
  return `${login}/services/oauth2/token`;
}

/** Step 1 of the web-server flow: where to send the admin's browser. */
export function authorizeUrl(login: string, clientId: string, redirectUri: string, state: string): string {
  const u = new URL(`${login}/services/oauth2/authorize`);
  u.searchParams.set('response_type', 'code');
  u.searchParams.set('client_id', clientId);
  u.searchParams.set('redirect_uri', redirectUri);
  u.searchParams.set('scope', 'api refresh_token');
  u.searchParams.set('state', state);
  return u.toString();
}

export class SalesforceAuthError extends Error {
  override readonly name = 'SalesforceAuthError';
  constructor(message: string, readonly oauthError?: string) {
    super(redactText(message));
  }
}

/** Step 2: exchange the one-time code for a refresh token and the instance URL. */
export async function exchangeAuthorizationCode(opts: {
  login: string; clientId: string; clientSecret: string; redirectUri: string; code: string; fetch?: typeof fetch;
}): Promise<{ refresh_token: string; access_token: string; instance_url: string }> {
  registerSecret(opts.clientSecret);
  registerSecret(opts.code);
  const res = await vendorFetch('salesforce', { fetch: opts.fetch, endpoints: [opts.login] })(tokenUrlFor(opts.login), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: opts.code, client_id: opts.clientId, client_secret: opts.clientSecret, redirect_uri: opts.redirectUri }).toString(),
  });
  const body = (await res.json().catch(() => ({}))) as unknown;
  if (!res.ok) {
    const err = parseOAuthError(body);
    throw new SalesforceAuthError(`Salesforce refused the authorization code (HTTP ${res.status}${err ? `, ${err.error}: ${err.description ?? ''}` : ''})`, err?.error);
  }
  const t = parseTokenResponse(body);
  registerSecret(t.accessToken);
  registerSecret(t.refreshToken);
  if (!t.refreshToken) throw new SalesforceAuthError('Salesforce issued no refresh token: add the "refresh_token" scope to the connected app');
  return { refresh_token: t.refreshToken, access_token: t.accessToken, instance_url: t.instanceUrl };
}

/**
 * The refresh token was revoked or expired (invalid_grant): nothing but a person re-authorizing the
 * connected app can fix it. The migration stops; `checkpoint` is the last one emitted, so the run
 * resumes from there once the connection is re-authorized.
 */
export class ReauthorizeRequiredError extends Error {
  override readonly name = 'ReauthorizeRequiredError';
  constructor(readonly entity: string, readonly checkpoint: Record<string, unknown> | undefined, detail: string) {
    super(redactText(`Salesforce revoked or expired the connection's refresh token while reading ${entity} (${detail}); ` +
      're-authorize the Salesforce connection (web-server OAuth flow), then resume the run: it continues from the last checkpoint'));
  }
}
