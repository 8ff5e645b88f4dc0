/**
 * The Dataverse pages hook: the first request carries `$orderby=modifiedon asc`, the incremental
 * `$filter=modifiedon ge <since>` and the Prefer header (odata.maxpagesize, all annotations);
 * following pages use `@odata.nextLink` as served, through the SDK's next-URL paginator. A full pass
 * also asks for `odata.track-changes`, so its last page carries `@odata.deltaLink` (change-tracking.ts).
 */
import { paginate, type HookContext, type Page, type StreamPagesArgs } from '../sdk/index.ts';
import type { DataverseTable } from './definition.ts';
import { readODataPage } from './odata-reader.ts';

/** Ask for every annotation: formatted values, lookup logical names, navigation properties. */
export const PREFER_ANNOTATIONS = 'odata.include-annotations="*"';

/** OData DateTimeOffset literal for a cursor (ISO, UTC). */
export function odataDateTime(iso: string): string {
  return new Date(Date.parse(iso)).toISOString();
}

/** Ask for a delta link on the last page of a full pass (ignored by tables without change tracking). */
export const PREFER_TRACK_CHANGES = 'odata.track-changes';

export function preferHeader(pageSize: number, trackChanges = false): string {
  return `odata.maxpagesize=${pageSize},${PREFER_ANNOTATIONS}${trackChanges ? `,${PREFER_TRACK_CHANGES}` : ''}`;
}

/** The first page of a pass: `$orderby=modifiedon asc`, plus `$filter=modifiedon ge <since>` for incremental passes. */
export function firstPageUrl(ctx: HookContext, args: Pick<StreamPagesArgs, 'stream' | 'since'>): string {
  const url = ctx.http.resolveUrl(args.stream.path);
  for (const [k, v] of Object.entries(args.stream.params)) url.searchParams.set(k, v);
  if (args.since !== undefined) url.searchParams.set('$filter', `modifiedon ge ${odataDateTime(args.since)}`);
  return url.toString();
}

/** The pages hook for one table. */
export function dataversePages(table: DataverseTable) {
  return async function* pages(ctx: HookContext, args: StreamPagesArgs): AsyncGenerator<Page> {
    // A full pass (no lower bound, first page or resumed) asks for change tracking; a modifiedon pass does not.
    const headers = { prefer: preferHeader(args.pageSize, args.since === undefined) };
    // The first page is addressed by its full URL too, so a checkpoint taken inside it resumes on the
    // very same query (the SDK derives a new lower bound from the high-water mark on resume).
    const start = args.start ?? { url: firstPageUrl(ctx, args) };
    yield* paginate(
      ctx.definition.paginator,
      { vendor: ctx.definition.sourceSystem, stream: table.entity, recordSelector: 'value', pageSize: args.pageSize, start },
      async (req) => {
        const res = await ctx.http.request({
          path: req.url ?? start.url!,
          query: {},
          headers,
          stream: table.entity,
          signal: ctx.signal,
        });
        const page = readODataPage(res.body, table.entity, table.id);
        // Normalised records, and the nextLink under a dot-free key the SDK paginator can address.
        // deltaLink (last page of a tracked pass) is picked up by the connector for the final checkpoint.
        return { body: { value: page.raw, nextLink: page.nextLink, deltaLink: page.deltaLink }, headers: res.headers };
      },
    );
  };
}
