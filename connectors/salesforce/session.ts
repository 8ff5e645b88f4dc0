/**
 * One authenticated Salesforce session on top of the SDK: the authenticator (web-server refresh or
 * client credentials), the per-credential rate limiter and the SDK's requester (JSON, or Bulk CSV
 * bodies handed over unread with `streamBody`), watching Sforce-Limit-Info.
 */
import type { Logger } from '../../shared/log/logger.ts';
import { vendorFetch } from '../../shared/net/outbound.ts';
import { silentLogger } from '../../shared/log/logger.ts';
import {
  ConnectorConfigError, createAuthenticator, CredentialRateLimiter, HttpClient, TokenRefreshError, type Authenticator,
  type ConnectorDefinition, type HttpRequest, type HttpResponse,
} from '../sdk/index.ts';
import { ReauthorizeRequiredError } from './auth.ts';
import { parseLimitInfo } from './readers.ts';

export interface SessionOptions {
  definition: ConnectorDefinition;
  credentials: Record<string, string>;
  /** Instance URL override (emulator); otherwise instance_url from the token response. */
  instanceUrl?: string;
  tokenUrl: string;
  logger?: Logger;
  fetch?: typeof fetch;
}

export class SalesforceSession {
  readonly http: HttpClient;
  readonly auth: Authenticator;
  readonly limiter: CredentialRateLimiter;
  readonly log: Logger;
  /** The org's daily allowance as last reported by Sforce-Limit-Info. */
  apiUsage: { used: number; max: number } | undefined;

  constructor(opts: SessionOptions) {
    const def = opts.definition;
    const send = vendorFetch('salesforce', { fetch: opts.fetch, endpoints: [opts.tokenUrl, opts.instanceUrl] });
    this.log = (opts.logger ?? silentLogger).child({ vendor: 'salesforce' });
    this.auth = createAuthenticator(def.auth, { vendor: def.sourceSystem, credentials: opts.credentials, tokenUrl: opts.tokenUrl, fetch: send });
    // One limiter per connector instance: the SDK registry would share it across instances of a process,
    // which is right for production but would couple independent test runs against one emulator.
    this.limiter = new CredentialRateLimiter(def.rateLimits);
    const baseUrl = opts.instanceUrl ? `${opts.instanceUrl.replace(/\/+$/, '')}${new URL(def.baseUrl.replace('${instance_url}', 'http://x')).pathname}` : undefined;
    this.http = new HttpClient({ definition: def, auth: this.auth, limiter: this.limiter, baseUrl, fetch: send, logger: this.log });
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const res = await this.http.request(req);
    this.observe(res.headers);
    return res;
  }

  /** Sforce-Limit-Info: api-usage=used/max — never believe more daily budget than the org reports. */
  private observe(headers: Headers): void {
    const info = parseLimitInfo(headers.get('sforce-limit-info'));
    if (!info) return;
    this.apiUsage = info;
    this.limiter.buckets.find((b) => b.name === 'daily')?.bucket.clampTo(info.max - info.used);
  }
}

/** A refresh that came back invalid_grant (or a 401 after refreshing) means: a person must re-authorize. */
export function toReauthorize(e: unknown, entity: string, checkpoint: Record<string, unknown> | undefined): ReauthorizeRequiredError | undefined {
  if (e instanceof ReauthorizeRequiredError) return e;
  if (e instanceof TokenRefreshError && /invalid_grant|expired access\/refresh token/.test(e.message)) return new ReauthorizeRequiredError(entity, checkpoint, 'invalid_grant');
  if (e instanceof ConnectorConfigError && /re-authorize/.test(e.message) && e.status === 401) return new ReauthorizeRequiredError(entity, checkpoint, 'session rejected after refresh');
  return undefined;
}
