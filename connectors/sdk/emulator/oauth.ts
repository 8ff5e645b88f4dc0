/**
 * OAuth 2.0 as a sandbox serves it: authorization code (auto-approved `authorize` redirect), refresh
 * token and client credentials grants; access tokens that expire (the token-expiry fault), can be
 * revoked, or die after a request budget; static tokens (private-app tokens, API keys). Vendors
 * supply only their token body and error shapes.
 */
import { randomBytes } from 'node:crypto';
import { EmulatorHttpError } from './http.ts';

export type Grant = 'authorization_code' | 'refresh_token' | 'client_credentials';

/** Why a token request was refused, in RFC 6749 terms; the vendor's `errorBody` renders it. */
export type OAuthFailure = 'unsupported_grant_type' | 'unsupported_response_type' | 'invalid_client' | 'invalid_grant' | 'invalid_request' | 'redirect_uri_mismatch';

export interface IssuedToken {
  accessToken: string;
  refreshToken?: string;
  expiresIn: number;
  grant: Grant;
  clientId: string;
}

export interface OAuthConfig {
  clientId: string;
  clientSecret: string;
  grants: readonly Grant[];
  /** Access token lifetime in seconds (FaultOptions.tokenTtlSeconds overrides the vendor default). */
  ttlSeconds: number;
  /** Access token minting (vendor prefix); default 43 random base64url characters. */
  mintAccess?: () => string;
  mintRefresh?: () => string;
  /** A refresh token issued at start so headless clients need no browser step. */
  initialRefreshToken?: string;
  /** Require the client secret on the refresh grant (HubSpot does; Salesforce accepts public clients). */
  refreshNeedsSecret?: boolean;
  /** The vendor's token response body. */
  tokenBody?: (t: IssuedToken) => unknown;
  /** The vendor's error response (status and body). */
  errorBody?: (failure: OAuthFailure, detail: string) => { status: number; body: unknown };
  /** Revoke each access token after this many checked requests. */
  requestBudget?: number;
}

interface Live {
  expiresAt: number;
  refreshToken?: string;
  requests: number;
  clientId: string;
}

const defaultMint = (): string => randomBytes(32).toString('base64url');

export class OAuthServer {
  private readonly codes = new Map<string, string>();
  private readonly refreshTokens = new Set<string>();
  private readonly access = new Map<string, Live>();
  private readonly staticTokens = new Map<string, string>();
  readonly initialRefreshToken: string;
  issued = 0;

  constructor(readonly config: OAuthConfig) {
    this.initialRefreshToken = config.initialRefreshToken ?? this.newRefreshToken();
    this.refreshTokens.add(this.initialRefreshToken);
  }

  /** A token that never expires (private-app token, API key). `owner` names it for budgets. */
  addStaticToken(token: string, owner = token): void {
    this.staticTokens.set(token, owner);
  }

  private fail(failure: OAuthFailure, detail: string): EmulatorHttpError {
    const r = this.config.errorBody?.(failure, detail) ?? { status: failure === 'invalid_client' ? 401 : 400, body: { error: failure, error_description: detail } };
    return new EmulatorHttpError(r.status, r.body);
  }

  private newRefreshToken(): string {
    const t = (this.config.mintRefresh ?? defaultMint)();
    this.refreshTokens.add(t);
    return t;
  }

  private issue(grant: Grant, refreshToken: string | undefined): unknown {
    const accessToken = (this.config.mintAccess ?? defaultMint)();
    const ttl = this.config.ttlSeconds;
    this.access.set(accessToken, { expiresAt: Date.now() + ttl * 1000, refreshToken, requests: 0, clientId: this.config.clientId });
    this.issued++;
    const t: IssuedToken = { accessToken, expiresIn: ttl, grant, clientId: this.config.clientId, ...(refreshToken ? { refreshToken } : {}) };
    return this.config.tokenBody ? this.config.tokenBody(t) : { access_token: accessToken, token_type: 'Bearer', expires_in: ttl, ...(refreshToken ? { refresh_token: refreshToken } : {}) };
  }

  /** GET authorize: approve at once and return the redirect location carrying a one-time code. */
  authorize(params: URLSearchParams): string {
    if (!this.config.grants.includes('authorization_code')) throw this.fail('unsupported_response_type', 'authorization code flow not enabled');
    if (params.get('response_type') !== 'code') throw this.fail('unsupported_response_type', 'response type not supported');
    if (params.get('client_id') !== this.config.clientId) throw this.fail('invalid_client', 'client identifier invalid');
    const redirectUri = params.get('redirect_uri');
    if (!redirectUri) throw this.fail('redirect_uri_mismatch', 'redirect_uri must match configuration');
    const code = randomBytes(24).toString('base64url');
    this.codes.set(code, redirectUri);
    const target = new URL(redirectUri);
    target.searchParams.set('code', code);
    const state = params.get('state');
    if (state) target.searchParams.set('state', state);
    return target.toString();
  }

  /** POST token: the grant in `form` (client credentials in the form or HTTP Basic). Returns the body to send. */
  token(form: URLSearchParams, basic?: { id: string; secret: string }): unknown {
    const grant = form.get('grant_type') as Grant | null;
    if (!grant || !this.config.grants.includes(grant)) throw this.fail('unsupported_grant_type', `grant type not supported: ${grant ?? '(none)'}`);
    const clientId = form.get('client_id') ?? basic?.id;
    const secret = form.get('client_secret') ?? basic?.secret;
    if (clientId !== this.config.clientId) throw this.fail('invalid_client', 'client identifier invalid');
    const needsSecret = grant !== 'refresh_token' || this.config.refreshNeedsSecret;
    if ((needsSecret || secret != null) && secret !== this.config.clientSecret) throw this.fail('invalid_client', 'invalid client credentials');
    if (grant === 'authorization_code') {
      const code = form.get('code') ?? '';
      const redirect = this.codes.get(code);
      this.codes.delete(code);
      if (!redirect) throw this.fail('invalid_grant', 'invalid authorization code');
      if (form.get('redirect_uri') !== redirect) throw this.fail('redirect_uri_mismatch', 'redirect_uri must match configuration');
      return this.issue(grant, this.newRefreshToken());
    }
    if (grant === 'refresh_token') {
      const rt = form.get('refresh_token') ?? '';
      if (!this.refreshTokens.has(rt)) throw this.fail('invalid_grant', 'expired or unknown refresh token');
      return this.issue(grant, rt);
    }
    return this.issue(grant, undefined);
  }

  /**
   * Check a bearer token: 'ok' with its owner (for per-credential budgets), or why not. Each check
   * counts against the request budget.
   */
  check(token: string | undefined): { ok: true; owner: string } | { ok: false; reason: 'missing' | 'unknown' | 'expired' } {
    if (!token) return { ok: false, reason: 'missing' };
    const owner = this.staticTokens.get(token);
    if (owner !== undefined) return { ok: true, owner };
    const live = this.access.get(token);
    if (!live) return { ok: false, reason: 'unknown' };
    live.requests++;
    const budget = this.config.requestBudget;
    if (live.expiresAt <= Date.now() || (budget !== undefined && live.requests > budget)) return { ok: false, reason: 'expired' };
    return { ok: true, owner: live.clientId };
  }

  /** Revoke one token; a refresh token takes its access tokens with it. */
  revoke(token: string): void {
    if (this.refreshTokens.delete(token)) {
      for (const [a, l] of this.access) if (l.refreshToken === token) this.access.delete(a);
    } else this.access.delete(token);
  }

  /** Fault: every issued access token expires now. */
  expireAccessTokens(): void {
    for (const l of this.access.values()) l.expiresAt = 0;
  }

  /** Fault: the admin revoked the app; every refresh and access token dies. */
  revokeAll(): void {
    this.refreshTokens.clear();
    this.access.clear();
  }

  /** The admin re-authorized: a new refresh token. */
  reauthorize(): string {
    return this.newRefreshToken();
  }
}
