/**
 * A SourceConnector built from a ConnectorDefinition. Streams are paged by the definition's
 * paginator (or a code hook), cut into RecordBatches of `batchSize`, and checkpointed with
 * checkpoint.ts so a resume yields exactly the records after the last batch.
 */
import type { CheckResult, DiscoveredSchema, ReadOptions, SourceConnector } from '../../shared/connector.ts';
import { vendorFetch } from '../../shared/net/outbound.ts';
import type { Logger } from '../../shared/log/logger.ts';
import type { FieldValue, RecordBatch, SourceRecord } from '../../shared/record-batch.ts';
import { createAuthenticator, type Authenticator, type IssuedTokens } from './auth.ts';
import {
  advanceHighWater, afterLowerBound, lowerBoundFrom, parseStreamCheckpoint, toCheckpoint, toIsoCursor,
  type HighWater, type StreamCheckpoint,
} from './checkpoint.ts';
import type { Clock } from './clock.ts';
import type { ConnectorDefinition, StreamDefinition } from './definition.ts';
import { ConnectorHttpError, UnknownStreamError } from './errors.ts';
import { HttpClient } from './http-client.ts';
import { getPath } from './json-path.ts';
import { collectRecords, paginateStreaming, type Page, type PageRequest, type PageState } from './paginators.ts';
import type { IncrementalDefinition } from './definition.ts';
import { defaultRateLimiters, type RateLimiterRegistry } from './rate-limiter.ts';

export interface HookContext {
  http: HttpClient;
  definition: ConnectorDefinition;
  signal?: AbortSignal;
}

export interface StreamPagesArgs {
  stream: StreamDefinition;
  /** Resume at this page (null = first page). */
  start: PageState;
  /** Incremental lower bound (ISO); the hook may filter server-side, the SDK filters again client-side. */
  since?: string;
  pageSize: number;
}

/** Code escape hatches, each optional. Everything else comes from the definition. */
export interface ConnectorHooks {
  check?(ctx: HookContext): Promise<CheckResult>;
  discover?(ctx: HookContext): Promise<DiscoveredSchema>;
  /** Produce a stream's raw pages differently (search windows, bulk jobs). Keyed by stream name; `'*'` = every stream without its own. */
  pages?: Record<string, (ctx: HookContext, args: StreamPagesArgs) => AsyncIterable<Page>>;
  /**
   * Streams known only at run time (Salesforce describe): the definition of `entity`, or undefined when
   * there is none. `entities()` lists `streamNames()` when given, else the definition's streams.
   */
  stream?(ctx: HookContext, entity: string): Promise<StreamDefinition | undefined>;
  streamNames?(ctx: HookContext): Promise<string[]>;
  /** Enrich a page of raw records before they become SourceRecords (associations). Keyed by stream name. */
  enrich?: Record<string, (ctx: HookContext, records: unknown[], stream: StreamDefinition) => Promise<unknown[]>>;
  /** Entities beyond the definition's streams, read entirely by code (e.g. association tables). */
  extraEntities?: Record<string, (ctx: HookContext, options: ReadOptions) => AsyncIterable<RecordBatch>>;
}

export interface DeclarativeConnectorOptions {
  credentials: Record<string, string>;
  baseUrl?: string;
  tokenUrl?: string;
  hooks?: ConnectorHooks;
  fetch?: typeof fetch;
  clock?: Clock;
  random?: () => number;
  logger?: Logger;
  rateLimiters?: RateLimiterRegistry;
  onTokens?: (tokens: IssuedTokens) => void;
}

export class DeclarativeSourceConnector implements SourceConnector {
  readonly sourceSystem: string;
  readonly http: HttpClient;
  private readonly auth: Authenticator;
  private readonly hooks: ConnectorHooks;
  private readonly controller = new AbortController();

  constructor(readonly definition: ConnectorDefinition, private readonly options: DeclarativeConnectorOptions) {
    this.sourceSystem = definition.sourceSystem;
    this.hooks = options.hooks ?? {};
    const send = vendorFetch(definition.sourceSystem, { fetch: options.fetch, endpoints: [options.baseUrl, options.tokenUrl, definition.baseUrl, 'tokenUrl' in definition.auth ? definition.auth.tokenUrl : undefined] });
    this.auth = createAuthenticator(definition.auth, {
      vendor: definition.sourceSystem, credentials: options.credentials, fetch: send, clock: options.clock,
      tokenUrl: options.tokenUrl, onTokens: options.onTokens,
    });
    const limiter = (options.rateLimiters ?? defaultRateLimiters).forCredential(definition.sourceSystem, this.auth.identity(), definition.rateLimits);
    this.http = new HttpClient({
      definition, auth: this.auth, limiter, baseUrl: options.baseUrl, fetch: send, clock: options.clock,
      random: options.random, logger: options.logger,
    });
  }

  private ctx(signal?: AbortSignal): HookContext {
    const signals = [this.controller.signal, ...(signal ? [signal] : [])];
    return { http: this.http, definition: this.definition, signal: AbortSignal.any(signals) };
  }

  stream(name: string): StreamDefinition {
    const s = this.definition.streams.find((x) => x.name === name);
    if (!s) throw new UnknownStreamError(this.sourceSystem, name, this.definition.streams.map((x) => x.name));
    return s;
  }

  async check(): Promise<CheckResult> {
    try {
      if (this.hooks.check) return await this.hooks.check(this.ctx());
      const c = this.definition.check ?? { path: this.definition.streams[0]!.path, method: 'GET' as const, params: { [this.definition.streams[0]!.pageSizeParam ?? 'limit']: '1' } };
      await this.http.request({ method: c.method, path: c.path, query: c.params, signal: this.controller.signal });
      return { ok: true, message: `connected to ${this.definition.label}` };
    } catch (err) {
      if (err instanceof ConnectorHttpError) return { ok: false, message: err.message, details: { action: err.action, status: err.status } };
      throw err;
    }
  }

  async discover(): Promise<DiscoveredSchema> {
    if (this.hooks.discover) return this.hooks.discover(this.ctx());
    return {
      sourceSystem: this.sourceSystem,
      streams: this.definition.streams.map((s) => ({
        entity: s.name,
        primaryKey: Array.isArray(s.primaryKey) ? s.primaryKey : [s.primaryKey],
        cursorField: s.incremental?.cursorField,
        fields: [],
        supportsIncremental: Boolean(s.incremental),
        supportsDeletes: Boolean(s.deletedWhen),
      })),
      warnings: ['fields are not discovered for this connector (no discover hook)'],
    };
  }

  async entities(): Promise<string[]> {
    const streams = this.hooks.streamNames ? await this.hooks.streamNames(this.ctx()) : this.definition.streams.map((s) => s.name);
    return [...streams, ...Object.keys(this.hooks.extraEntities ?? {})];
  }

  /** The stream definition of an entity: the definition's, else the `stream` hook's (run-time streams). */
  async resolveStream(entity: string, signal?: AbortSignal): Promise<StreamDefinition> {
    const declared = this.definition.streams.find((x) => x.name === entity);
    if (declared) return declared;
    const dynamic = this.hooks.stream ? await this.hooks.stream(this.ctx(signal), entity) : undefined;
    if (!dynamic) throw new UnknownStreamError(this.sourceSystem, entity, await this.entities());
    return dynamic;
  }

  async sample(entity: string, limit: number): Promise<RecordBatch> {
    for await (const batch of this.read(entity, { batchSize: limit })) return { ...batch, records: batch.records.slice(0, limit) };
    throw new UnknownStreamError(this.sourceSystem, entity, await this.entities());
  }

  read(entity: string, options: ReadOptions): AsyncIterable<RecordBatch> {
    const extra = this.hooks.extraEntities?.[entity];
    if (extra) return extra(this.ctx(options.signal), options);
    if (!this.hooks.stream) return this.readStream(this.stream(entity), options);
    const self = this;
    return (async function* () {
      yield* self.readStream(await self.resolveStream(entity, options.signal), options);
    })();
  }

  /** Raw pages for a stream from `start`, via the hook or the declared paginator. */
  pages(stream: StreamDefinition, start: PageState, since: string | undefined, signal?: AbortSignal): AsyncIterable<Page> {
    const ctx = this.ctx(signal);
    const hook = this.hooks.pages?.[stream.name] ?? this.hooks.pages?.['*'];
    if (hook) return hook(ctx, { stream, start, since, pageSize: stream.pageSize });
    const paginator = stream.paginator ?? this.definition.paginator;
    const codec = stream.codec ?? this.definition.codec;
    const fetchPage = async (req: PageRequest) => {
      const { query, body } = boundRequest(stream, req, since, paginator.type === 'graphql-cursor');
      const res = await this.http.request({
        method: req.url ? 'GET' : paginator.type === 'graphql-cursor' ? 'POST' : stream.method, path: req.url ?? stream.path, query, body,
        headers: stream.headers, codec, streamBody: codec?.type === 'csv' && codec.stream, stream: stream.name, signal: ctx.signal,
      });
      return { body: res.body, headers: res.headers };
    };
    return paginateStreaming(paginator, { vendor: this.sourceSystem, stream: stream.name, recordSelector: stream.recordSelector, pageSize: stream.pageSize, start }, fetchPage);
  }

  private async *readStream(stream: StreamDefinition, options: ReadOptions): AsyncGenerator<RecordBatch> {
    const cp = parseStreamCheckpoint(options.checkpoint);
    let seq = 0;
    const batchOf = (records: SourceRecord[], state: StreamCheckpoint, final: boolean): RecordBatch => ({
      v: 1, sourceSystem: this.sourceSystem, entity: stream.name, seq: seq++, records, checkpoint: toCheckpoint(state), final,
    });
    if (cp.complete && !stream.incremental) {
      yield batchOf([], cp, true);
      return;
    }
    const lookback = stream.incremental?.lookbackSeconds ?? 0;
    const resuming = cp.page !== undefined;
    // Mid-pass, the pass's own lower bound is in the checkpoint (none = a full pass); after a finished
    // pass, the next one starts at the high-water mark minus the lookback.
    const { since, sinceIds } = !stream.incremental
      ? { since: undefined, sinceIds: [] as string[] }
      : resuming
        ? { since: cp.since, sinceIds: cp.sinceIds ?? [] }
        : lowerBoundFrom(cp, lookback);
    let hw: HighWater = { cursor: cp.cursor, ids: cp.ids ?? [] };
    let buffer: SourceRecord[] = [];
    const enrich = this.hooks.enrich?.[stream.name];
    const ctx = this.ctx(options.signal);

    for await (const page of this.pages(stream, resuming ? cp.page ?? null : null, since, options.signal)) {
      const skip = resuming && samePage(page.state, cp.page ?? null) ? cp.skip ?? 0 : 0;
      let raw = page.records;
      if (enrich) {
        const all = await collectRecords(raw);
        raw = all.length > skip ? [...all.slice(0, skip), ...(await enrich(ctx, all.slice(skip), stream))] : all;
      }
      // Streamed pages (async iterables) are consumed one record at a time, never buffered whole.
      let i = -1;
      for await (const rec of raw as AsyncIterable<unknown>) {
        if (++i < skip) continue;
        const id = sourceIdOf(rec, stream);
        const cursor = stream.incremental ? toIsoCursor(getPath(rec, stream.incremental.cursorField)) : undefined;
        if (stream.incremental && !afterLowerBound(cursor, id, since, sinceIds)) continue;
        hw = advanceHighWater(hw, cursor, id);
        buffer.push(toSourceRecord(rec, id, stream));
        const position: StreamCheckpoint = { page: page.state, skip: i + 1, since, sinceIds: since !== undefined ? sinceIds : undefined, cursor: hw.cursor, ids: hw.cursor ? hw.ids : undefined };
        if (buffer.length >= options.batchSize) {
          yield batchOf(buffer, position, false);
          buffer = [];
        }
      }
      if (page.next === undefined) break;
    }
    const done: StreamCheckpoint = stream.incremental ? { cursor: hw.cursor ?? cp.cursor, ids: hw.cursor ? hw.ids : cp.ids } : { complete: true };
    if (stream.incremental && hw.cursor === undefined && since !== undefined) done.cursor = cp.cursor ?? since;
    yield batchOf(buffer, done, true);
  }

  async close(): Promise<void> {
    this.controller.abort();
  }
}

function samePage(a: PageState, b: PageState): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

type CursorFormat = 'iso' | 'iso-seconds' | 'epoch-ms' | 'epoch-s';

/**
 * The cursor as a request parameter, rebuilt from the parsed timestamp so that only digits and
 * ISO punctuation can reach a filter template (a cursor value never carries text into a query).
 */
export function formatCursor(iso: string, format: CursorFormat): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new TypeError(`incremental cursor is not a timestamp: ${JSON.stringify(iso.slice(0, 40))}`);
  if (format === 'iso') return new Date(ms).toISOString();
  if (format === 'iso-seconds') return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  return String(format === 'epoch-ms' ? ms : Math.floor(ms / 1000));
}

/**
 * Query and body of a stream's page request, with the incremental lower bound bound as the filter
 * parameter the definition names (query param, template or GraphQL variable). Next-page URLs carry
 * their own query.
 */
export function boundRequest(stream: StreamDefinition, req: PageRequest, since: string | undefined, graphql = false): { query: Record<string, string>; body?: Record<string, unknown> } {
  const filter: IncrementalDefinition['filter'] | undefined = stream.incremental?.filter;
  const query: Record<string, string> = req.url ? {} : { ...stream.params, ...req.query };
  let body: Record<string, unknown> | undefined = stream.method === 'POST' || graphql ? { ...(stream.body ?? {}), ...(req.body ?? {}) } : undefined;
  if (!req.url && stream.pageSizeParam && !graphql) query[stream.pageSizeParam] = String(stream.pageSize);
  if (req.url || !filter || filter.in === 'client') return { query, body };
  if (filter.in === 'variable') {
    if (since !== undefined && body) body = { ...body, variables: { ...(body['variables'] as Record<string, unknown> | undefined), [filter.name]: formatCursor(since, filter.format) } };
    return { query, body };
  }
  const value = filter.in === 'query'
    ? since === undefined ? undefined : formatCursor(since, filter.format)
    : since === undefined ? filter.full : filter.template.replaceAll('{cursor}', formatCursor(since, filter.format));
  if (value === undefined) return { query, body };
  if (stream.method === 'POST' && filter.in === 'template') body = { ...body, [filter.param]: value };
  else query[filter.param] = value;
  return { query, body };
}

export function sourceIdOf(rec: unknown, stream: StreamDefinition): string {
  const keys = Array.isArray(stream.primaryKey) ? stream.primaryKey : [stream.primaryKey];
  return keys.map((k) => String(getPath(rec, k) ?? '')).join(':');
}

function toFieldValue(v: unknown): FieldValue | undefined {
  if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return undefined;
  if (typeof v === 'bigint') return v.toString();
  return v as FieldValue;
}

export function toSourceRecord(rec: unknown, id: string, stream: StreamDefinition): SourceRecord {
  const fields: Record<string, FieldValue> = {};
  const obj = (rec && typeof rec === 'object' ? rec : { value: rec }) as Record<string, unknown>;
  const flatten = stream.fields.flatten;
  if (flatten) {
    for (const k of stream.fields.keep) {
      const v = toFieldValue(obj[k]);
      if (v !== undefined) fields[k] = v;
    }
    const inner = getPath(obj, flatten);
    if (inner && typeof inner === 'object') {
      for (const [k, v] of Object.entries(inner as Record<string, unknown>)) {
        const fv = toFieldValue(v);
        if (fv !== undefined) fields[k] = fv;
      }
    }
  } else {
    for (const [k, v] of Object.entries(obj)) {
      const fv = toFieldValue(v);
      if (fv !== undefined) fields[k] = fv;
    }
  }
  const del = stream.deletedWhen;
  const deleted = del !== undefined && getPath(obj, del.path) === del.equals;
  return { sourceId: id, op: deleted ? 'delete' : 'upsert', fields };
}
