/**
 * The ShipStation V1 connector: the declarative definition plus hooks for what data cannot say —
 * filters in Pacific wall-clock form (`modifyDateStart`, `createDateStart`, `voidDateStart`), the
 * shipments' second pass on an incremental run (labels voided since the last run), a repeated-page
 * guard for page-number paging, and records.ts normalisation with named rejects (unknown units).
 */
import type { ReadOptions } from '../../shared/connector.ts';
import type { RecordBatch } from '../../shared/record-batch.ts';
import type { ConnectorFactoryOptions } from '../sdk/factory.ts';
import {
  DeclarativeSourceConnector, paginate, PaginationLoopError, type ConnectorHooks, type DeclarativeConnectorOptions, type HookContext, type Page, type StreamPagesArgs,
} from '../sdk/index.ts';
import { shipstationDefinition, WINDOW_SECONDS } from './definition.ts';
import { msToPacificFilter } from './pacific-time.ts';
import { normalizeRecord, REJECT, type Reject } from './records.ts';

export { shipstationDefinition } from './definition.ts';

export interface ShipStationConnectorOptions extends ConnectorFactoryOptions, Pick<DeclarativeConnectorOptions, 'fetch' | 'clock' | 'random' | 'rateLimiters'> {
  /** The rate window in seconds (default the documented 60; the bench declares a scaled clock). */
  windowSeconds?: number;
  /** Records per page (1–500, default 500). */
  pageSize?: number;
}

/** Server-side lower bounds per stream (customers have none in V1: the SDK filters them client-side). */
const SINCE_PARAM: Record<string, string> = { orders: 'modifyDateStart', shipments: 'createDateStart' };
const VOIDS = 'voids:';

function pass(ctx: HookContext, args: StreamPagesArgs, startPage: number | undefined, extra: Record<string, string>, stateOf: (page: number) => Page['state']): AsyncGenerator<Page> {
  const { stream } = args;
  const seen = new Set<string>();
  const pages = paginate(stream.paginator!, {
    vendor: 'shipstation', stream: stream.name, recordSelector: stream.recordSelector, pageSize: args.pageSize, start: startPage === undefined ? null : { offset: startPage },
  }, async (req) => {
    const query: Record<string, string> = { ...stream.params, pageSize: String(args.pageSize), ...extra, ...req.query };
    const res = await ctx.http.request({ path: stream.path, query, stream: stream.name, signal: ctx.signal });
    return { body: res.body, headers: res.headers };
  });
  return (async function* () {
    for await (const page of pages) {
      const recs = page.records as Record<string, unknown>[];
      const key = stream.primaryKey as string;
      // Page numbers always advance, so a server repeating one page would otherwise loop until `total`.
      const sig = recs.length ? `${String(recs[0]![key])}…${String(recs[recs.length - 1]![key])}#${recs.length}` : '';
      if (sig && seen.has(sig)) throw new PaginationLoopError('shipstation', stream.name, `page ${page.state?.offset ?? 1} repeats ${sig}`);
      seen.add(sig);
      yield { ...page, state: stateOf(page.state?.offset ?? 1), next: page.next ? stateOf(page.next.offset!) : undefined };
    }
  })();
}

async function* streamPages(ctx: HookContext, args: StreamPagesArgs): AsyncGenerator<Page> {
  const { stream, since } = args;
  const token = args.start?.token;
  const sinceFilter = since ? msToPacificFilter(Date.parse(since)) : undefined;
  const param = SINCE_PARAM[stream.name];
  if (!token?.startsWith(VOIDS)) {
    const extra = sinceFilter && param ? { [param]: sinceFilter } : {};
    const wantsVoids = stream.name === 'shipments' && sinceFilter !== undefined;
    for await (const page of pass(ctx, args, args.start?.offset, extra, (p) => (p === 1 ? null : { offset: p }))) {
      // An incremental shipments pass goes on to labels voided since the last run.
      yield page.next === undefined && wantsVoids ? { ...page, next: { token: `${VOIDS}1` } } : page;
    }
    if (!wantsVoids) return;
  }
  const from = token?.startsWith(VOIDS) ? Number(token.slice(VOIDS.length)) : 1;
  yield* pass(ctx, args, from, { voidDateStart: sinceFilter! }, (p) => ({ token: `${VOIDS}${p}` }));
}

class ShipStationConnector extends DeclarativeSourceConnector {
  override read(entity: string, options: ReadOptions): AsyncIterable<RecordBatch> {
    const inner = super.read(entity, options);
    return (async function* () {
      for await (const batch of inner) {
        yield {
          ...batch,
          records: batch.records.map((r) => {
            const rej = r.fields[REJECT] as unknown as Reject | undefined;
            if (!rej) return r;
            const { [REJECT]: _drop, ...fields } = r.fields;
            void _drop;
            return { ...r, fields, reject: rej };
          }),
        };
      }
    })();
  }
}

export function createConnector(options: ShipStationConnectorOptions): DeclarativeSourceConnector {
  const pages: NonNullable<ConnectorHooks['pages']> = {};
  const enrich: NonNullable<ConnectorHooks['enrich']> = {};
  for (const name of ['stores', 'customers', 'orders', 'shipments']) {
    if (name !== 'stores') pages[name] = streamPages;
    enrich[name] = (_ctx, records, stream) => Promise.resolve(records.map((r) => normalizeRecord(stream.name, r)));
  }
  const { apiKey = '', apiSecret = '' } = options.credentials;
  // Basic auth: the API key is the user name, the API secret the password.
  const credentials = { ...options.credentials, basicKey: Buffer.from(`${apiKey}:${apiSecret}`).toString('base64') };
  return new ShipStationConnector(shipstationDefinition(options.windowSeconds ?? WINDOW_SECONDS, options.pageSize), {
    credentials, baseUrl: options.baseUrl, logger: options.logger, fetch: options.fetch, clock: options.clock,
    random: options.random, rateLimiters: options.rateLimiters, hooks: { pages, enrich },
  });
}
