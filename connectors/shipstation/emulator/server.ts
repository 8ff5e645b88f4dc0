/**
 * The ShipStation V1 sandbox on the emulator kit: HTTP Basic (API key : secret), `page`/`pageSize`
 * lists answering `{<items>, total, page, pages}`, the documented filters in Pacific wall-clock form,
 * `/stores` as a bare array, and 40 requests per key pair per window with `X-Rate-Limit-Limit`,
 * `-Remaining` and `-Reset` (seconds) on every response; a spent window answers 429.
 */
import {
  BudgetSet, dispatch, EmulatorHttpError, FaultSwitches, fixedWindow, offsetParam, pageSize, retryAfterSeconds, send, serve,
  type EmulatorRequest, type EmulatorServer, type FaultOptions, type Route,
} from '../../sdk/emulator/index.ts';
import { msToPacificBody, pacificToMs } from '../pacific-time.ts';
import { Dataset, TIME_KEYS, type Entity, type Rec } from './dataset.ts';

export const REQUESTS_PER_WINDOW = 40;

export interface ShipStationEmulatorConfig {
  apiKey: string;
  apiSecret: string;
  faults: FaultOptions;
  rateLimits: boolean;
  /** The rate window (default 60 s, the documented minute; the bench scales it). */
  windowMs: number;
}

const invalid = (message: string): EmulatorHttpError => new EmulatorHttpError(400, { Message: 'The request is invalid.', ModelState: { request: [message] } });

/** Body dates in Pacific time, at any depth. */
function render(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(render);
  if (v && typeof v === 'object') {
    const out: Rec = {};
    for (const [k, x] of Object.entries(v as Rec)) out[k] = (TIME_KEYS as readonly string[]).includes(k) && typeof x === 'number' ? msToPacificBody(x) : render(x);
    return out;
  }
  return v;
}

function since(url: URL, param: string): number | undefined {
  const raw = url.searchParams.get(param);
  if (!raw) return undefined;
  const ms = pacificToMs(raw);
  if (ms === undefined) throw invalid(`${param} "${raw}" is not a date (e.g. 2015-01-01 00:00:00)`);
  return ms;
}

export class ShipStationEmulator {
  readonly stats = { requests: 0, served: 0, rateLimited: 0, faults: 0 };
  private readonly budgets: BudgetSet;
  private readonly window: ReturnType<typeof fixedWindow>;
  private readonly faults: FaultSwitches;
  private readonly basic: string;

  constructor(readonly dataset: Dataset, private readonly cfg: ShipStationEmulatorConfig) {
    this.window = fixedWindow('per-key', REQUESTS_PER_WINDOW, cfg.windowMs);
    this.budgets = new BudgetSet(cfg.rateLimits ? [this.window] : []);
    this.faults = new FaultSwitches(cfg.faults, dataset.seed);
    this.basic = `Basic ${Buffer.from(`${cfg.apiKey}:${cfg.apiSecret}`).toString('base64')}`;
  }

  listen(port?: number): Promise<EmulatorServer> {
    return serve((r) => this.handle(r), { port, jsonContentType: 'application/json; charset=utf-8', internalError: () => ({ Message: 'An error has occurred.' }) });
  }

  private rateHeaders(): Record<string, string> {
    if (!this.cfg.rateLimits) return {};
    const now = Date.now();
    const u = this.window.usage('key', now);
    const refusal = this.window.check('key', now);
    // Seconds until the window resets: known exactly once spent; otherwise at most the whole window.
    const reset = refusal ? retryAfterSeconds(refusal.retryAfterMs) : String(Math.max(1, Math.ceil(this.cfg.windowMs / 1000)));
    return { 'X-Rate-Limit-Limit': String(u.limit), 'X-Rate-Limit-Remaining': String(u.remaining), 'X-Rate-Limit-Reset': reset };
  }

  private async handle(r: EmulatorRequest): Promise<void> {
    this.stats.requests++;
    if (r.req.headers.authorization !== this.basic) throw new EmulatorHttpError(401, '401 Unauthorized');
    const admission = this.budgets.admit('key');
    if (!admission.ok) {
      this.stats.rateLimited++;
      const wait = retryAfterSeconds(admission.refusal.retryAfterMs);
      // V1 documents X-Rate-Limit-Reset; Retry-After carries the same seconds (what V2 sends).
      throw new EmulatorHttpError(429, { message: 'Too Many Requests' }, { ...this.rateHeaders(), 'X-Rate-Limit-Reset': wait, 'Retry-After': wait });
    }
    const fault = this.faults.draw();
    if (fault?.kind === '429') {
      this.stats.faults++;
      throw new EmulatorHttpError(429, { message: 'Too Many Requests' }, { ...this.rateHeaders(), 'X-Rate-Limit-Remaining': '0', 'X-Rate-Limit-Reset': '1', 'Retry-After': '1' });
    }
    if (fault?.kind === '5xx') {
      this.stats.faults++;
      throw new EmulatorHttpError(fault.status, { Message: 'An error has occurred.' });
    }
    if (r.method !== 'GET') throw new EmulatorHttpError(405, { Message: 'The read-only sandbox answers GET only.' });
    await dispatch(this.routes, r.method, r.path, r, () => new EmulatorHttpError(404, { Message: `No HTTP resource was found that matches the request URI '${r.path}'.` }));
  }

  private reply(r: EmulatorRequest, body: unknown): void {
    this.stats.served++;
    send(r.res, 200, render(body), this.rateHeaders(), 'application/json; charset=utf-8');
  }

  private page(r: EmulatorRequest, entity: Entity, recs: Rec[]): void {
    const size = r.url.searchParams.get('pageSize');
    if (size !== null && (!/^\d+$/.test(size) || Number(size) > 500 || Number(size) < 1)) throw invalid(`pageSize must be between 1 and 500, not "${size}"`);
    const limit = pageSize(size, 100, 500);
    const pageNo = offsetParam(r.url.searchParams.get('page') ?? '1');
    if (pageNo === undefined || pageNo < 1) throw invalid(`page must be a positive integer`);
    const pages = Math.ceil(recs.length / limit);
    this.reply(r, { [entity]: recs.slice((pageNo - 1) * limit, pageNo * limit), total: recs.length, page: pageNo, pages });
  }

  private sorted(r: EmulatorRequest, entity: Entity, dflt: string): Rec[] {
    const recs = this.dataset.list(entity, r.url.searchParams.get('sortBy') ?? dflt);
    return (r.url.searchParams.get('sortDir') ?? 'ASC').toUpperCase() === 'DESC' ? recs.reverse() : recs;
  }

  private readonly routes: Route<EmulatorRequest>[] = [
    ['GET', '/stores', (r) => {
      const all = r.url.searchParams.get('showInactive') === 'true';
      this.reply(r, this.dataset.list('stores', 'id').filter((s) => all || s['active'] === true));
    }],
    ['GET', '/customers', (r) => this.page(r, 'customers', this.sorted(r, 'customers', 'Name'))],
    ['GET', '/orders', (r) => {
      const from = since(r.url, 'modifyDateStart');
      const to = since(r.url, 'modifyDateEnd');
      const created = since(r.url, 'createDateStart');
      const status = r.url.searchParams.get('orderStatus');
      const store = r.url.searchParams.get('storeId');
      const recs = this.sorted(r, 'orders', 'OrderDate').filter((o) => (from === undefined || Number(o['modifyDate']) >= from) && (to === undefined || Number(o['modifyDate']) <= to)
        && (created === undefined || Number(o['createDate']) >= created) && (!status || o['orderStatus'] === status)
        && (!store || String((o['advancedOptions'] as Rec)['storeId']) === store));
      this.page(r, 'orders', recs);
    }],
    ['GET', /^\/orders\/(\d+)$/, (r, [id]) => {
      const o = this.dataset.tables.orders.get(Number(id));
      if (!o) throw new EmulatorHttpError(404, { Message: 'Order not found' });
      this.reply(r, o);
    }],
    ['GET', '/shipments', (r) => {
      const created = since(r.url, 'createDateStart');
      const voided = since(r.url, 'voidDateStart');
      const withItems = r.url.searchParams.get('includeShipmentItems') === 'true';
      const orderId = r.url.searchParams.get('orderId');
      const recs = this.sorted(r, 'shipments', 'ShipDate').filter((s) => (created === undefined || Number(s['createDate']) >= created)
        && (voided === undefined || (s['voided'] === true && Number(s['voidDate']) >= voided)) && (!orderId || String(s['orderId']) === orderId))
        .map((s) => (withItems ? s : { ...s, shipmentItems: null }));
      this.page(r, 'shipments', recs);
    }],
  ];
}
