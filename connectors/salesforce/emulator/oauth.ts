/**
 * OAuth 2.0 for the emulated org: /services/oauth2/authorize (web-server flow, auto-approved),
 * /services/oauth2/token (authorization_code, refresh_token, client_credentials) and /revoke, with
 * Salesforce's token and error body shapes. Tokens are random, expire, and can be revoked.
 */
import { randomBytes } from 'node:crypto';

export interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  signature: string;
  scope: string;
  instance_url: string;
  id: string;
  token_type: 'Bearer';
  issued_at: string;
}

export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  constructor(readonly status: number, readonly error: string, readonly description: string) {
    super(`${error}: ${description}`);
  }
  body(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}

export const ORG_ID = '00D5g000004ZbCdEAK';

export class TokenService {
  readonly clientId = `3MVG9${randomBytes(24).toString('base64url')}`;
  readonly clientSecret = randomBytes(32).toString('hex').toUpperCase();
  private readonly codes = new Map<string, { redirectUri: string }>();
  private readonly refreshTokens = new Set<string>();
  private readonly accessTokens = new Map<string, { expiresAt: number; refreshToken?: string }>();
  /** A refresh token issued at start so that headless clients can run without the browser step. */
  readonly initialRefreshToken: string;

  constructor(private readonly instanceUrl: string, private readonly ttlSeconds: number, private readonly userId: string) {
    this.initialRefreshToken = this.newRefreshToken();
  }

  private newRefreshToken(): string {
    const t = `5Aep861${randomBytes(40).toString('base64url')}`;
    this.refreshTokens.add(t);
    return t;
  }

  private issue(refreshToken: string | undefined, includeRefresh: boolean): TokenResponse {
    const access = `${ORG_ID}!AR${randomBytes(48).toString('base64url')}`;
    this.accessTokens.set(access, { expiresAt: Date.now() + this.ttlSeconds * 1000, refreshToken });
    const issuedAt = String(Date.now());
    return {
      access_token: access,
      ...(includeRefresh && refreshToken ? { refresh_token: refreshToken } : {}),
      signature: randomBytes(32).toString('base64'),
      scope: 'api refresh_token',
      instance_url: this.instanceUrl,
      id: `${this.instanceUrl}/id/${ORG_ID}/${this.userId}`,
      token_type: 'Bearer',
      issued_at: issuedAt,
    };
  }

  /** GET /services/oauth2/authorize: approve at once and redirect back with a one-time code. */
  authorize(params: URLSearchParams): string {
    if (params.get('response_type') !== 'code') throw new OAuthError(400, 'unsupported_response_type', 'response type not supported');
    if (params.get('client_id') !== this.clientId) throw new OAuthError(400, 'invalid_client_id', 'client identifier invalid');
    const redirectUri = params.get('redirect_uri');
    if (!redirectUri) throw new OAuthError(400, 'redirect_uri_mismatch', 'redirect_uri must match configuration');
    const code = `aPrx${randomBytes(30).toString('base64url')}`;
    this.codes.set(code, { redirectUri });
    const target = new URL(redirectUri);
    target.searchParams.set('code', code);
    const state = params.get('state');
    if (state) target.searchParams.set('state', state);
    return target.toString();
  }

  /** POST /services/oauth2/token */
  token(form: URLSearchParams, basicAuth?: { id: string; secret: string }): TokenResponse {
    const clientId = form.get('client_id') ?? basicAuth?.id;
    const secret = form.get('client_secret') ?? basicAuth?.secret;
    if (clientId !== this.clientId) throw new OAuthError(400, 'invalid_client_id', 'client identifier invalid');
    const grant = form.get('grant_type');
    switch (grant) {
      case 'authorization_code': {
        if (secret !== this.clientSecret) throw new OAuthError(400, 'invalid_client', 'invalid client credentials');
        const code = form.get('code') ?? '';
        const entry = this.codes.get(code);
        this.codes.delete(code);
        if (!entry) throw new OAuthError(400, 'invalid_grant', 'invalid authorization code');
        if (form.get('redirect_uri') !== entry.redirectUri) throw new OAuthError(400, 'redirect_uri_mismatch', 'redirect_uri must match configuration');
        return this.issue(this.newRefreshToken(), true);
      }
      case 'refresh_token': {
        if (secret !== undefined && secret !== null && secret !== this.clientSecret) throw new OAuthError(400, 'invalid_client', 'invalid client credentials');
        const rt = form.get('refresh_token') ?? '';
        if (!this.refreshTokens.has(rt)) throw new OAuthError(400, 'invalid_grant', 'expired access/refresh token');
        return this.issue(rt, false);
      }
      case 'client_credentials': {
        if (secret !== this.clientSecret) throw new OAuthError(400, 'invalid_client', 'invalid client credentials');
        return this.issue(undefined, false);
      }
      default:
        throw new OAuthError(400, 'unsupported_grant_type', 'grant type not supported');
    }
  }

  /** POST /services/oauth2/revoke: a refresh token revokes its access tokens too. */
  revoke(token: string): void {
    if (this.refreshTokens.delete(token)) {
      for (const [a, info] of this.accessTokens) if (info.refreshToken === token) this.accessTokens.delete(a);
    } else this.accessTokens.delete(token);
  }

  /** True when the bearer token is live. */
  check(accessToken: string): boolean {
    const info = this.accessTokens.get(accessToken);
    if (!info) return false;
    if (info.expiresAt <= Date.now()) { this.accessTokens.delete(accessToken); return false; }
    return true;
  }

  /** Fault: every access token expires now (clients must refresh). */
  expireAccessTokens(): void {
    this.accessTokens.clear();
  }

  /** Fault: every refresh token is revoked (clients must be re-authorized). */
  revokeAll(): void {
    this.refreshTokens.clear();
    this.accessTokens.clear();
  }

  /** Issue a fresh refresh token (the admin re-authorized the connected app). */
  reauthorize(): string {
    return this.newRefreshToken();
  }
}
