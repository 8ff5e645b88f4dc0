/**
 * A Zoho CRM module's pages: the module's field list (`/settings/fields`, the mandatory `fields`
 * parameter, at most 50), then `GET /crm/v7/{module}` in id order — `page` numbers while the answer
 * carries no `next_page_token`, the token once it does (it is the only way past the 2,000th record) —
 * with `If-Modified-Since` on incremental passes (304 = nothing changed), which then go on to
 * `/{module}/deleted` for deletions. A repeated token or page is a loop (PaginationLoopError).
 */
import { ConnectorConfigError, PaginationLoopError, type HookContext, type Page, type PageState, type StreamPagesArgs } from '../sdk/index.ts';
import { MAX_FIELDS } from './definition.ts';
import { tombstone } from './records.ts';

const DELETED = 'deleted:';

interface ListBody {
  data?: unknown[];
  info?: { more_records?: boolean; next_page_token?: string | null; page?: number };
}

/** The module's field API names, as Get Records needs them. */
export async function moduleFields(ctx: HookContext, module: string): Promise<{ api_name: string; data_type?: string; field_label?: string; custom_field?: boolean; pick_list_values?: { display_value: string; actual_value?: string }[]; lookup?: { module?: { api_name?: string } } }[]> {
  const res = await ctx.http.request({ path: `/crm/v7/settings/fields`, query: { module }, stream: module, signal: ctx.signal });
  const fields = (res.body as { fields?: unknown[] } | undefined)?.fields;
  return Array.isArray(fields) ? (fields as { api_name: string }[]).filter((f) => typeof f?.api_name === 'string') : [];
}

/** RFC 3339 with an explicit offset, as Zoho's examples send If-Modified-Since (whole seconds). */
const headerTime = (iso: string): string => new Date(Math.floor(Date.parse(iso) / 1000) * 1000).toISOString().replace('.000Z', '+00:00');

const bodyOf = (status: number, body: unknown): ListBody => (status === 204 || status === 304 || !body || typeof body !== 'object' ? {} : (body as ListBody));

export async function* modulePages(ctx: HookContext, args: StreamPagesArgs): AsyncGenerator<Page> {
  const { stream, since } = args;
  const headers: Record<string, string> = since ? { 'If-Modified-Since': headerTime(since) } : {};
  const start = args.start;
  if (!start?.token?.startsWith(DELETED)) {
    const names = (await moduleFields(ctx, stream.name)).map((f) => f.api_name).filter((n) => n !== 'id');
    if (names.length > MAX_FIELDS) {
      throw new ConnectorConfigError({ vendor: 'zoho', stream: stream.name, method: 'GET', path: `/crm/v7/${stream.name}`, detail: `${names.length} fields; Get Records takes at most ${MAX_FIELDS}` },
        'hide fields the migration does not need from the layout, or export the module with Bulk Read (not built yet)');
    }
    const seen = new Set<string>();
    let state: PageState = start ?? null;
    for (;;) {
      const query: Record<string, string> = { ...stream.params, per_page: String(args.pageSize), fields: names.join(',') };
      if (state?.token) query['page_token'] = state.token;
      else query['page'] = String(state?.offset ?? 1);
      const res = await ctx.http.request({ path: stream.path, query, headers, stream: stream.name, signal: ctx.signal });
      const body = bodyOf(res.status, res.body);
      const records = Array.isArray(body.data) ? body.data : [];
      const ids = records.map((r) => String((r as { id?: unknown }).id));
      const sig = ids.length ? `${ids[0]}…${ids[ids.length - 1]}#${ids.length}` : '';
      if (sig && seen.has(sig)) throw new PaginationLoopError('zoho', stream.name, `page repeats ${sig}`);
      seen.add(sig);
      const token = body.info?.next_page_token;
      let next: PageState | undefined;
      if (body.info?.more_records === true && records.length > 0) {
        next = token ? { token } : { offset: (state?.offset ?? 1) + 1 };
        if (token && seen.has(`token:${token}`)) throw new PaginationLoopError('zoho', stream.name, 'next_page_token repeats');
        if (token) seen.add(`token:${token}`);
      }
      // A full pass ends with the list; an incremental pass goes on to the deleted records.
      yield { state, next: next ?? (since ? { token: `${DELETED}1` } : undefined), records, body: res.body, headers: res.headers };
      if (!next) break;
      state = next;
    }
    if (!since) return;
  }
  let page = start?.token?.startsWith(DELETED) ? Number(start.token.slice(DELETED.length)) || 1 : 1;
  for (;;) {
    const res = await ctx.http.request({ path: `${stream.path}/deleted`, query: { type: 'all', page: String(page), per_page: String(args.pageSize) }, headers, stream: stream.name, signal: ctx.signal });
    const body = bodyOf(res.status, res.body);
    const records = (Array.isArray(body.data) ? body.data : []).map(tombstone);
    const more = body.info?.more_records === true && records.length > 0;
    yield { state: { token: `${DELETED}${page}` }, next: more ? { token: `${DELETED}${page + 1}` } : undefined, records, body: res.body, headers: res.headers };
    if (!more) return;
    page++;
  }
}
