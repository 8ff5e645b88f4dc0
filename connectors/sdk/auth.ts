/**
 * Authenticators built from an AuthDefinition: static bearer / API key, OAuth 2.0 refresh-token and
 * client-credentials grants. OAuth tokens are refreshed before expiry and again after a 401; concurrent
 * callers share one refresh. Every token value is registered as a secret the moment it is seen.
 */
import { registerSecret } from '../../shared/log/redact.ts';
import { vendorFetch } from '../../shared/net/outbound.ts';
import type { AuthDefinition } from './definition.ts';
import { ConnectorConfigError, TokenRefreshError } from './errors.ts';
import { interpolate } from './json-path.ts';
import { realClock, type Clock } from './clock.ts';

export interface IssuedTokens {
  accessToken: string;
  refreshToken?: string;
  expiresAt: number;
}

export interface AuthOptions {
  vendor: string;
  credentials: Record<string, string>;
  fetch?: typeof fetch;
  clock?: Clock;
  /** Override the definition's token URL (emulators, sandboxes). */
  tokenUrl?: string;
  /** Called after each refresh, so a rotated refresh token can be persisted. */
  onTokens?: (tokens: IssuedTokens) => void;
}

export interface Authenticator {
  /** Add credentials to an outgoing request, refreshing first when the token is about to expire. */
  apply(headers: Record<string, string>, url: URL, signal?: AbortSignal): Promise<void>;
  /** Force a new token (after a 401). False when this kind of auth cannot refresh. */
  refresh(signal?: AbortSignal): Promise<boolean>;
  /** Interpolation variables: the credentials plus string fields from the latest token response. */
  vars(): Record<string, string>;
  /** A stable non-secret-bearing identity for the rate limiter key (hashed there). */
  identity(): string;
}

function required(creds: Record<string, string>, field: string, vendor: string): string {
  const v = creds[field];
  // Nothing to re-authorize yet: the credentials given lack a field (CLI: --credentials-file).
  if (!v) throw new ConnectorConfigError({ vendor }, `the credentials lack the field "${field}": add it to the credentials (the JSON file --credentials-file names, or the connection's credential form)`);
  return v;
}

export function createAuthenticator(def: AuthDefinition, opts: AuthOptions): Authenticator {
  const creds = opts.credentials;
  for (const [k, v] of Object.entries(creds)) if (/token|secret|key|password/i.test(k)) registerSecret(v);
  switch (def.type) {
    case 'bearer': {
      const token = required(creds, def.tokenField, opts.vendor);
      return {
        apply: async (headers) => void (headers['authorization'] = `Bearer ${token}`),
        refresh: async () => false,
        vars: () => ({ ...creds }),
        identity: () => token,
      };
    }
    case 'api-key': {
      const key = required(creds, def.keyField, opts.vendor);
      return {
        apply: async (headers, url) => {
          if (def.in === 'header') headers[def.name.toLowerCase()] = `${def.prefix}${key}`;
          else url.searchParams.set(def.name, key);
        },
        refresh: async () => false,
        vars: () => ({ ...creds }),
        identity: () => key,
      };
    }
    case 'oauth2-refresh':
    case 'client-credentials':
      return new OAuthAuthenticator(def, opts);
  }
}

class OAuthAuthenticator implements Authenticator {
  private tokens: IssuedTokens | undefined;
  private pending: Promise<void> | undefined;
  private extra: Record<string, string> = {};
  private readonly clock: Clock;
  private readonly fetchImpl: typeof fetch;

  constructor(
    private readonly def: Extract<AuthDefinition, { type: 'oauth2-refresh' | 'client-credentials' }>,
    private readonly opts: AuthOptions,
  ) {
    this.clock = opts.clock ?? realClock;
    this.fetchImpl = vendorFetch(opts.vendor, { fetch: opts.fetch, endpoints: [opts.tokenUrl, def.tokenUrl] });
    if (def.type === 'oauth2-refresh' && def.accessTokenField && opts.credentials[def.accessTokenField]) {
      // An access token we were handed: use it until a 401 tells us otherwise.
      const expiresAt = Number(opts.credentials['expiresAt'] ?? '') || this.clock.now() + def.defaultExpiresInSeconds * 1000;
      this.tokens = { accessToken: opts.credentials[def.accessTokenField]!, refreshToken: opts.credentials[def.refreshTokenField], expiresAt };
    }
  }

  vars(): Record<string, string> {
    return { ...this.opts.credentials, ...this.extra };
  }

  identity(): string {
    return `${this.opts.credentials[this.def.clientIdField] ?? ''}:${this.def.type === 'oauth2-refresh' ? this.opts.credentials[this.def.refreshTokenField] ?? '' : ''}`;
  }

  async apply(headers: Record<string, string>, _url: URL, signal?: AbortSignal): Promise<void> {
    const t = this.tokens;
    if (!t || t.expiresAt - this.def.refreshBeforeExpirySeconds * 1000 <= this.clock.now()) await this.refresh(signal);
    headers['authorization'] = `${('scheme' in this.def ? this.def.scheme : undefined) ?? 'Bearer'} ${this.tokens!.accessToken}`;
  }

  async refresh(signal?: AbortSignal): Promise<boolean> {
    this.pending ??= this.requestToken(signal).finally(() => (this.pending = undefined));
    await this.pending;
    return true;
  }

  private async requestToken(signal?: AbortSignal): Promise<void> {
    const vars = this.vars();
    const creds = this.opts.credentials;
    const form = new URLSearchParams();
    form.set('client_id', required(creds, this.def.clientIdField, this.opts.vendor));
    form.set('client_secret', required(creds, this.def.clientSecretField, this.opts.vendor));
    if (this.def.type === 'oauth2-refresh') {
      form.set('grant_type', 'refresh_token');
      form.set('refresh_token', this.tokens?.refreshToken ?? required(creds, this.def.refreshTokenField, this.opts.vendor));
    } else form.set('grant_type', 'client_credentials');
    if (this.def.scope) form.set('scope', interpolate(this.def.scope, vars));
    const url = interpolate(this.opts.tokenUrl ?? this.def.tokenUrl, vars);
    const path = new URL(url).pathname;
    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal,
      });
    } catch (err) {
      throw new TokenRefreshError({ vendor: this.opts.vendor, method: 'POST', path, detail: err instanceof Error ? err.message : String(err) });
    }
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      /* non-JSON error page: reported by status below */
    }
    const access = typeof body['access_token'] === 'string' ? body['access_token'] : undefined;
    if (!res.ok || !access) {
      const detail = [body['error'], body['error_description'], body['message']].filter((x) => typeof x === 'string').join(': ').slice(0, 300);
      throw new TokenRefreshError({ vendor: this.opts.vendor, method: 'POST', path, status: res.status, detail: detail || undefined });
    }
    registerSecret(access);
    const refreshToken = typeof body['refresh_token'] === 'string' ? body['refresh_token'] : this.tokens?.refreshToken;
    registerSecret(refreshToken);
    const expiresIn = Number(body['expires_in']);
    const lifetime = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : this.def.defaultExpiresInSeconds;
    this.tokens = { accessToken: access, refreshToken, expiresAt: this.clock.now() + lifetime * 1000 };
    for (const [k, v] of Object.entries(body)) {
      if (typeof v === 'string' && !/token|secret/i.test(k)) this.extra[k] = v;
    }
    this.opts.onTokens?.(this.tokens);
  }
}
