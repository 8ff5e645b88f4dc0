/**
 * The one HTTP path every declarative stream and code hook uses: auth, per-credential rate limiting,
 * error classification, retry with backoff + jitter, Retry-After, refresh-then-retry on 401.
 */
import type { Logger } from '../../shared/log/logger.ts';
import { silentLogger } from '../../shared/log/logger.ts';
import type { Authenticator } from './auth.ts';
import { realClock, type Clock } from './clock.ts';
import type { ConnectorDefinition } from './definition.ts';
import { backoffMs, classify, errorDetail } from './error-handler.ts';
import { ConnectorConfigError, ConnectorHttpError, RecordQuarantineError, RetriesExhaustedError, type HttpErrorContext } from './errors.ts';
import { OutboundRefusedError, vendorFetch } from '../../shared/net/outbound.ts';
import { interpolate } from './json-path.ts';
import { acceptOf, csvRows, decodeBody, encodeBody, SoapFaultError, type CodecDefinition } from './codecs.ts';
import { ResponseShapeError } from './errors.ts';
import type { CredentialRateLimiter } from './rate-limiter.ts';
import { retryAfterMs } from './rate-limiter.ts';

export interface HttpRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path relative to the base URL (interpolated), or an absolute URL. */
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /** For error context. */
  stream?: string;
  signal?: AbortSignal;
  /** Body codec (codecs.ts); default: JSON when it looks like JSON, else text. */
  codec?: CodecDefinition;
  /**
   * Hand a successful body over unread: CSV codec → an async iterable of rows, otherwise the web
   * ReadableStream. The caller consumes or cancels it. Errors are still read, classified and retried.
   */
  streamBody?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

export interface HttpClientOptions {
  definition: Pick<ConnectorDefinition, 'sourceSystem' | 'baseUrl' | 'headers' | 'errors' | 'retry'>;
  auth: Authenticator;
  limiter: CredentialRateLimiter;
  /** Overrides definition.baseUrl (emulator, sandbox). */
  baseUrl?: string;
  fetch?: typeof fetch;
  clock?: Clock;
  random?: () => number;
  logger?: Logger;
}

export interface HttpStats {
  requests: number;
  retries: number;
  rateLimited: number;
  refreshes: number;
}

export class HttpClient {
  readonly stats: HttpStats = { requests: 0, retries: 0, rateLimited: 0, refreshes: 0 };
  private readonly clock: Clock;
  private readonly fetchImpl: typeof fetch;
  private readonly log: Logger;

  constructor(private readonly opts: HttpClientOptions) {
    this.clock = opts.clock ?? realClock;
    this.fetchImpl = vendorFetch(opts.definition.sourceSystem, { fetch: opts.fetch, endpoints: [opts.baseUrl, opts.definition.baseUrl] });
    this.log = (opts.logger ?? silentLogger).child({ vendor: opts.definition.sourceSystem });
  }

  get vendor(): string {
    return this.opts.definition.sourceSystem;
  }

  /** Resolve a path or absolute URL against the (interpolated) base URL. */
  resolveUrl(path: string): URL {
    const vars = this.opts.auth.vars();
    const p = interpolate(path, vars);
    if (/^https?:\/\//i.test(p)) return new URL(p);
    const base = interpolate(this.opts.baseUrl ?? this.opts.definition.baseUrl, vars).replace(/\/+$/, '');
    if (p.startsWith('/') && new URL(base).pathname !== '/' && p.startsWith(new URL(base).pathname + '/')) {
      // Next-page URLs are often server-relative and already include the base path (nextRecordsUrl).
      return new URL(p, new URL(base).origin);
    }
    return new URL(base + (p.startsWith('/') ? p : `/${p}`));
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const def = this.opts.definition;
    const method = req.method ?? 'GET';
    let refreshed = false;
    // A base URL built from the token response (Salesforce ${instance_url}) needs a token first.
    if (/\$\{/.test(interpolate(this.opts.baseUrl ?? def.baseUrl, this.opts.auth.vars()))) await this.opts.auth.apply({}, new URL('http://unresolved.invalid'), req.signal);
    for (let attempt = 1; ; attempt++) {
      const url = this.resolveUrl(req.path);
      for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
      const ctx: HttpErrorContext = { vendor: def.sourceSystem, stream: req.stream, method, path: url.pathname };
      const headers: Record<string, string> = { accept: acceptOf(req.codec) };
      for (const [k, v] of Object.entries(def.headers)) headers[k.toLowerCase()] = interpolate(v, this.opts.auth.vars());
      for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = interpolate(v, this.opts.auth.vars());
      const encoded = req.body === undefined ? undefined : await encodeBody(req.codec, req.body);
      if (encoded) {
        headers['content-type'] ??= encoded.contentType;
        Object.assign(headers, encoded.headers);
      }
      await this.opts.auth.apply(headers, url, req.signal);

      const release = await this.opts.limiter.acquire(req.signal);
      let res: Response;
      let body: unknown;
      try {
        this.stats.requests++;
        res = await this.fetchImpl(url, {
          method,
          headers,
          body: encoded?.text,
          signal: req.signal,
        });
        if (req.streamBody && res.ok) {
          const stream = res.body ?? new ReadableStream<Uint8Array>();
          this.opts.limiter.observe(res.headers);
          const streamed = req.codec?.type === 'csv' ? csvRows(stream as never, req.codec.delimiter) : stream;
          return { status: res.status, headers: res.headers, body: streamed };
        }
        body = await readBody(res, req.codec, { ...ctx, status: res.status });
      } catch (err) {
        if (req.signal?.aborted) throw err;
        // The dispatcher refused the host: not transient, and never retried elsewhere.
        if (err instanceof OutboundRefusedError) throw new ConnectorConfigError({ ...ctx, detail: err.message }, 'the endpoint is not one of the vendor\'s documented hosts nor an admin override');
        if (attempt >= def.retry.maxAttempts) throw new RetriesExhaustedError({ ...ctx, detail: err instanceof Error ? err.message : String(err) }, attempt);
        this.stats.retries++;
        await this.clock.sleep(backoffMs(attempt, def.retry.baseDelayMs, def.retry.maxDelayMs, this.opts.random), req.signal);
        continue;
      } finally {
        release();
      }
      this.opts.limiter.observe(res.headers);
      const verdict = classify(res.status, body, def.errors);
      if (!verdict || verdict.action === 'ignore') return { status: res.status, headers: res.headers, body };

      const full: HttpErrorContext = { ...ctx, status: res.status, detail: errorDetail(body) };
      switch (verdict.action) {
        case 'fail-config':
          throw new ConnectorConfigError(full, verdict.message ?? 'check the connection settings');
        case 'quarantine-record':
          throw new RecordQuarantineError(full);
        case 'refresh-token-then-retry': {
          if (refreshed) throw new ConnectorConfigError(full, 're-authorize: the token was refreshed and is still rejected');
          refreshed = true;
          this.stats.refreshes++;
          if (!(await this.opts.auth.refresh(req.signal))) throw new ConnectorConfigError(full, 're-authorize: the token is invalid or revoked');
          attempt--; // a refresh is not a failed attempt
          continue;
        }
        case 'rate-limited':
        case 'retry': {
          if (attempt >= def.retry.maxAttempts) throw new RetriesExhaustedError(full, attempt);
          const wait = retryAfterMs(res.headers, this.clock.now()) ?? backoffMs(attempt, def.retry.baseDelayMs, def.retry.maxDelayMs, this.opts.random);
          if (verdict.action === 'rate-limited') {
            this.stats.rateLimited++;
            this.opts.limiter.pauseFor(wait);
          } else this.stats.retries++;
          this.log.warn('request will be retried', { stream: req.stream, status: res.status, attempt, waitMs: wait });
          await this.clock.sleep(wait, req.signal);
          continue;
        }
        default:
          throw new ConnectorHttpError(verdict.action, full, 'request failed');
      }
    }
  }
}

async function readBody(res: Response, codec: CodecDefinition | undefined, ctx: HttpErrorContext): Promise<unknown> {
  const text = await res.text();
  try {
    return decodeBody(codec, text, res.headers.get('content-type') ?? '');
  } catch (e) {
    // An error body keeps its fault for the error rules (bodyPath "Fault.faultcode"), else its text.
    if (e instanceof SoapFaultError) return { Fault: { faultcode: e.faultcode, faultstring: e.message } };
    if (!res.ok) return text;
    throw new ResponseShapeError(ctx.vendor, ctx.stream ?? '', e instanceof Error ? e.message : String(e));
  }
}
