/**
 * The Pipedrive connector: the declarative definition plus hooks for custom-field flattening, deletes
 * through v1 recents on incremental passes (v2 lists never return deleted records), and discovery of
 * standard and custom fields (with picklist options) through the v2 `*Fields` endpoints.
 */
import type { DiscoveredSchema, FieldInfo } from '../../shared/connector.ts';
import type { ConnectorFactoryOptions } from '../sdk/factory.ts';
import {
  DeclarativeSourceConnector, paginate, type ConnectorHooks, type DeclarativeConnectorOptions, type HookContext, type Page, type PageState, type StreamPagesArgs,
} from '../sdk/index.ts';
import { MIN_DAILY_TOKENS, pipedriveDefinition, V2_STREAMS } from './definition.ts';
import { DERIVED_FIELDS, normalizeRecord } from './records.ts';

export { pipedriveDefinition } from './definition.ts';

export interface PipedriveConnectorOptions extends ConnectorFactoryOptions, Pick<DeclarativeConnectorOptions, 'fetch' | 'clock' | 'random' | 'rateLimiters'> {
  /** The company's daily token budget (30,000 × plan multiplier × seats); default the smallest company's. */
  dailyTokens?: number;
  /** The plan's requests per 2-second window (default 20, Essential with an api_token). */
  burstPerWindow?: number;
  /** Records per page (1–500, default 500). */
  pageSize?: number;
}

const RECENTS_ITEM: Record<string, string> = { organizations: 'organization', persons: 'person', deals: 'deal', activities: 'activity', notes: 'note' };
const RECENTS = 'recents:';
const FIELDS_PATH: Record<string, string> = { organizations: 'organizationFields', persons: 'personFields', deals: 'dealFields', activities: 'activityFields' };

/** "2025-01-06T08:00:00.000Z" → "2025-01-06 08:00:00" (recents wants UTC in that form). */
const v1Since = (iso: string): string => iso.slice(0, 19).replace('T', ' ');

async function* streamPages(ctx: HookContext, args: StreamPagesArgs): AsyncGenerator<Page> {
  const { stream, since } = args;
  const startToken = args.start?.token;
  const inRecents = startToken?.startsWith(RECENTS) ?? false;
  if (!inRecents) {
    const pages = paginate(stream.paginator!, { vendor: 'pipedrive', stream: stream.name, recordSelector: stream.recordSelector, pageSize: args.pageSize, start: args.start }, async (req) => {
      const query: Record<string, string> = { ...stream.params, [stream.pageSizeParam ?? 'limit']: String(args.pageSize), ...req.query };
      if (since) query['updated_since'] = since.replace(/\.\d{3}Z$/, 'Z');
      const res = await ctx.http.request({ path: stream.path, query, stream: stream.name, signal: ctx.signal });
      return { body: res.body, headers: res.headers };
    });
    for await (const page of pages) {
      // A full pass ends with the list; an incremental pass goes on to the recents log for deletes.
      yield page.next === undefined && since !== undefined ? { ...page, next: { token: `${RECENTS}0` } } : page;
    }
    if (since === undefined) return;
  }
  const start: PageState = inRecents ? { offset: Number(startToken!.slice(RECENTS.length)) } : null;
  const recents = paginate({ type: 'offset', mode: 'offset', param: 'start', startAt: 0, hasMorePath: 'additional_data.pagination.more_items_in_collection' },
    { vendor: 'pipedrive', stream: stream.name, recordSelector: 'data', pageSize: 500, start }, async (req) => {
      const res = await ctx.http.request({ path: '/v1/recents', query: { since_timestamp: v1Since(since!), items: RECENTS_ITEM[stream.name]!, limit: '500', ...req.query }, stream: stream.name, signal: ctx.signal });
      return { body: res.body, headers: res.headers };
    });
  for await (const page of recents) {
    // Only deletions: live changes came from the list above.
    const deleted = (page.records as { data?: { active_flag?: boolean } }[]).filter((r) => r.data?.active_flag === false).map((r) => r.data);
    yield {
      ...page, records: deleted,
      state: { token: `${RECENTS}${page.state?.offset ?? 0}` },
      next: page.next ? { token: `${RECENTS}${page.next.offset ?? 0}` } : undefined,
    };
  }
}

const FIELD_TYPE: Record<string, string> = {
  int: 'integer', double: 'decimal', monetary: 'decimal', date: 'date', daterange: 'string', time: 'string', boolean: 'boolean',
  user: 'integer', org: 'integer', people: 'integer', deal: 'integer', stage: 'integer', enum: 'string', set: 'json', address: 'json', phone: 'json',
};

async function discover(ctx: HookContext): Promise<DiscoveredSchema> {
  const streams: DiscoveredSchema['streams'] = [];
  for (const name of V2_STREAMS) {
    const res = await ctx.http.request({ path: `/api/v2/${FIELDS_PATH[name]}`, stream: name, signal: ctx.signal });
    const defs = ((res.body as { data?: unknown[] }).data ?? []) as { field_code: string; field_name: string; field_type: string; is_custom_field: boolean; options?: { id: number; label: string }[] | null }[];
    const fields: FieldInfo[] = defs.map((d) => ({
      // Custom fields keep their hash key as the name; the label is in sourceType ("enum: Customer tier").
      name: d.field_code, type: FIELD_TYPE[d.field_type] ?? 'string', nullable: d.field_code !== 'id',
      sourceType: d.is_custom_field ? `${d.field_type}: ${d.field_name}` : d.field_type,
      ...(d.is_custom_field ? { custom: true } : {}),
      ...(d.options?.length ? { picklistValues: d.options.map((o) => o.label) } : {}),
    }));
    for (const d of DERIVED_FIELDS[name] ?? []) fields.push({ name: d.name, type: d.type, nullable: true, sourceType: 'derived' } as FieldInfo);
    streams.push({ entity: name, primaryKey: ['id'], cursorField: 'update_time', fields, supportsIncremental: true, supportsDeletes: true });
  }
  streams.push({ entity: 'notes', primaryKey: ['id'], cursorField: 'update_time', fields: ['id', 'content', 'deal_id', 'person_id', 'org_id', 'user_id', 'add_time', 'update_time'].map((n) => ({ name: n, type: n.endsWith('id') ? 'integer' : n.endsWith('time') ? 'datetimetz' : 'string', nullable: n !== 'id' }) as FieldInfo), supportsIncremental: true, supportsDeletes: true });
  streams.push({ entity: 'users', primaryKey: ['id'], fields: ['id', 'name', 'email', 'active_flag'].map((n) => ({ name: n, type: n === 'id' ? 'integer' : n === 'active_flag' ? 'boolean' : 'string', nullable: n !== 'id' }) as FieldInfo), supportsIncremental: false, supportsDeletes: false });
  return { sourceSystem: 'pipedrive', version: 'api-v2', streams, warnings: [] };
}

export function createConnector(options: PipedriveConnectorOptions): DeclarativeSourceConnector {
  const pages: NonNullable<ConnectorHooks['pages']> = {};
  const enrich: NonNullable<ConnectorHooks['enrich']> = {};
  for (const name of [...V2_STREAMS, 'notes']) {
    pages[name] = streamPages;
    enrich[name] = (_ctx, records, stream) => Promise.resolve(records.map((r) => normalizeRecord(stream.name, r)));
  }
  const definition = pipedriveDefinition(options.dailyTokens ?? MIN_DAILY_TOKENS, options.burstPerWindow);
  if (options.pageSize !== undefined) for (const s of definition.streams) s.pageSize = Math.min(500, Math.max(1, Math.floor(options.pageSize)));
  return new DeclarativeSourceConnector(definition, {
    credentials: options.credentials, baseUrl: options.baseUrl, logger: options.logger, fetch: options.fetch, clock: options.clock,
    random: options.random, rateLimiters: options.rateLimiters, hooks: { discover, pages, enrich },
  });
}
