/**
 * One authenticated Salesforce session on top of the SDK: the authenticator (web-server refresh or
 * client credentials), the per-credential rate limiter, the JSON requester, and a streaming GET for
 * Bulk CSV pages that goes through the same auth, limiter and error classification.
 */
import type { Logger } from '../../shared/log/logger.ts';
import { vendorFetch } from '../../shared/net/outbound.ts';
import { silentLogger } from '../../shared/log/logger.ts';
import {
  backoffMs, classify, ConnectorConfigError, createAuthenticator, CredentialRateLimiter, errorDetail, HttpClient,
  RetriesExhaustedError, retryAfterMs, realClock, TokenRefreshError, type Authenticator, type ConnectorDefinition, type HttpRequest,
  type HttpResponse, type HttpErrorContext,
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
  private readonly fetchImpl: typeof fetch;
  /** The org's daily allowance as last reported by Sforce-Limit-Info. */
  apiUsage: { used: number; max: number } | undefined;

  constructor(private readonly opts: SessionOptions) {
    const def = opts.definition;
    this.fetchImpl = vendorFetch('salesforce', { fetch: opts.fetch, endpoints: [opts.tokenUrl, opts.instanceUrl] });
    this.log = (opts.logger ?? silentLogger).child({ vendor: 'salesforce' });
    this.auth = createAuthenticator(def.auth, { vendor: def.sourceSystem, credentials: opts.credentials, tokenUrl: opts.tokenUrl, fetch: this.fetchImpl });
    // One limiter per connector instance: the SDK registry would share it across instances of a process,
    // which is right for production but would couple independent test runs against one emulator.
    this.limiter = new CredentialRateLimiter(def.rateLimits);
    const baseUrl = opts.instanceUrl ? `${opts.instanceUrl.replace(/\/+$/, '')}${new URL(def.baseUrl.replace('${instance_url}', 'http://x')).pathname}` : undefined;
    this.http = new HttpClient({ definition: def, auth: this.auth, limiter: this.limiter, baseUrl, fetch: this.fetchImpl, logger: this.log });
  }

  /** Get a token before the first request, so ${instance_url} is known when URLs are built. */
  async start(entity: string, signal?: AbortSignal): Promise<void> {
    if (this.auth.vars()['instance_url'] || this.opts.instanceUrl) return;
    await this.guard(entity, undefined, () => this.auth.refresh(signal));
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const res = await this.http.request(req);
    this.observe(res.headers);
    return res;
  }

  /** Run `fn`, turning a rejected refresh token into ReauthorizeRequiredError. */
  async guard<T>(entity: string, checkpoint: Record<string, unknown> | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw toReauthorize(e, entity, checkpoint) ?? e;
    }
  }

  /**
   * GET a response whose body is streamed (Bulk CSV). Same auth, limiter, retry and classification as
   * HttpClient; the caller must consume or cancel the returned body.
   */
  async stream(path: string, query: Record<string, string | undefined>, stream: string, signal?: AbortSignal): Promise<Response> {
    const def = this.opts.definition;
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      const url = this.http.resolveUrl(path);
      for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
      const ctx: HttpErrorContext = { vendor: def.sourceSystem, stream, method: 'GET', path: url.pathname };
      const headers: Record<string, string> = { accept: 'text/csv' };
      await this.auth.apply(headers, url, signal);
      const release = await this.limiter.acquire(signal);
      let res: Response;
      try {
        res = await this.fetchImpl(url, { headers, signal });
      } catch (err) {
        release();
        if (signal?.aborted) throw err;
        if (attempt >= def.retry.maxAttempts) throw new RetriesExhaustedError({ ...ctx, detail: err instanceof Error ? err.message : String(err) }, attempt);
        await realClock.sleep(backoffMs(attempt, def.retry.baseDelayMs, def.retry.maxDelayMs), signal);
        continue;
      }
      release();
      this.limiter.observe(res.headers);
      this.observe(res.headers);
      if (res.ok) return res;
      const text = await res.text();
      let body: unknown = text;
      try { body = JSON.parse(text); } catch { /* keep text */ }
      const verdict = classify(res.status, body, def.errors);
      const full: HttpErrorContext = { ...ctx, status: res.status, detail: errorDetail(body) };
      if (!verdict || verdict.action === 'fail-config' || verdict.action === 'quarantine-record' || verdict.action === 'ignore') {
        throw new ConnectorConfigError(full, verdict?.message ?? 'the request was rejected');
      }
      if (verdict.action === 'refresh-token-then-retry') {
        if (refreshed) throw new ConnectorConfigError(full, 're-authorize: the token was refreshed and is still rejected');
        refreshed = true;
        await this.auth.refresh(signal);
        attempt--;
        continue;
      }
      if (attempt >= def.retry.maxAttempts) throw new RetriesExhaustedError(full, attempt);
      const wait = retryAfterMs(res.headers, Date.now()) ?? backoffMs(attempt, def.retry.baseDelayMs, def.retry.maxDelayMs);
      if (verdict.action === 'rate-limited') this.limiter.pauseFor(wait);
      await realClock.sleep(wait, signal);
    }
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
