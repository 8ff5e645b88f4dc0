/**
 * The HubSpot connector: the declarative definition plus hooks for property discovery, full
 * lists with every property, search windows for incremental passes, and associations v4.
 */
import type { ConnectorFactoryOptions } from '../sdk/factory.ts';
import {
  DeclarativeSourceConnector, defaultRateLimiters, paginate, type ConnectorHooks, type DeclarativeConnectorOptions, type HookContext, type Page, type StreamPagesArgs,
} from '../sdk/index.ts';
import { withAssociations } from './associations.ts';
import { CRM_OBJECTS, hubspotDefinition, hubspotOAuthDefinition, type CrmObject } from './definition.ts';
import { discoverHubSpot, PropertyCache } from './discover.ts';
import { incrementalPages } from './incremental-pages.ts';
import { searchLimiter, searchWindows } from './search-windows.ts';

export { hubspotDefinition, hubspotOAuthDefinition } from './definition.ts';

export interface HubSpotConnectorOptions extends ConnectorFactoryOptions, Pick<DeclarativeConnectorOptions, 'fetch' | 'clock' | 'random' | 'rateLimiters' | 'onTokens'> {
  /** Read associations v4 for contacts, deals and engagements (default true). */
  associations?: boolean;
  /** Override the search window cap (tests). */
  searchCap?: number;
  /** Longest `properties=` query value before a full pass switches to search windows (default 6,000 characters). */
  maxPropertiesQueryLength?: number;
}

export const MAX_PROPERTIES_QUERY_LENGTH = 6000;
const FULL_RANGE_START = '1970-01-01T00:00:00.000Z';

function isCrmObject(name: string): name is CrmObject {
  return (CRM_OBJECTS as readonly string[]).includes(name);
}

export function createConnector(options: HubSpotConnectorOptions): DeclarativeSourceConnector {
  const cache = new PropertyCache();
  const oauth = Boolean(options.credentials['refreshToken']);
  const identity = oauth ? `${options.credentials['clientId'] ?? ''}:${options.credentials['refreshToken']}` : options.credentials['accessToken'] ?? '';
  const limiter = searchLimiter(options.rateLimiters ?? defaultRateLimiters, identity);

  async function* objectPages(ctx: HookContext, args: StreamPagesArgs): AsyncGenerator<Page> {
    const type = args.stream.name as CrmObject;
    const properties = await cache.names(ctx, type);
    if (args.since !== undefined) {
      yield* incrementalPages(ctx, { stream: args.stream, start: args.start, since: args.since, properties, limiter, searchCap: options.searchCap });
      return;
    }
    if (properties.join(',').length > (options.maxPropertiesQueryLength ?? MAX_PROPERTIES_QUERY_LENGTH)) {
      // Too many properties for a GET query string (portals with hundreds of custom properties): page the
      // whole range through search windows instead, which carry the property list in the POST body.
      yield* searchWindows(ctx, { stream: args.stream, start: args.start, since: FULL_RANGE_START, properties, limiter, cap: options.searchCap });
      return;
    }
    yield* paginate(
      ctx.definition.paginator,
      { vendor: 'hubspot', stream: type, recordSelector: 'results', pageSize: args.pageSize, start: args.start },
      async (req) => {
        const res = await ctx.http.request({
          path: args.stream.path,
          stream: type,
          signal: ctx.signal,
          query: { ...args.stream.params, limit: String(args.pageSize), properties: properties.join(','), ...req.query },
        });
        return { body: res.body, headers: res.headers };
      },
    );
  }

  const pages: NonNullable<ConnectorHooks['pages']> = {};
  const enrich: NonNullable<ConnectorHooks['enrich']> = {};
  for (const type of CRM_OBJECTS) {
    pages[type] = objectPages;
    if (options.associations !== false) enrich[type] = (ctx, records, stream) => (isCrmObject(stream.name) ? withAssociations(ctx, stream.name, records) : Promise.resolve(records));
  }

  return new DeclarativeSourceConnector(oauth ? hubspotOAuthDefinition : hubspotDefinition, {
    credentials: options.credentials,
    baseUrl: options.baseUrl,
    tokenUrl: options.tokenUrl,
    logger: options.logger,
    fetch: options.fetch,
    clock: options.clock,
    random: options.random,
    rateLimiters: options.rateLimiters,
    onTokens: options.onTokens,
    hooks: { discover: (ctx) => discoverHubSpot(ctx, cache), pages, enrich },
  });
}
