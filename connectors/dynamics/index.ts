/**
 * The Dynamics 365 / Dataverse connector: the declarative definition (definition.ts) plus the
 * pages hook (pages.ts: $filter on modifiedon, Prefer headers, nextLink), change tracking through
 * delta links (change-tracking.ts, tracking-connector.ts) and discovery through EntityDefinitions (discover.ts).
 */
import { registerSecret } from '../../shared/log/redact.ts';
import type { ConnectorFactoryOptions } from '../sdk/factory.ts';
import {
  DeclarativeSourceConnector, defineConnector, type ConnectorHooks, type DeclarativeConnectorOptions, type RateLimitDefinition,
} from '../sdk/index.ts';
import { DATAVERSE_API_VERSION, DATAVERSE_TABLES, MAX_PAGE_SIZE, dynamicsDefinitionInput } from './definition.ts';
import { discoverDataverse } from './discover.ts';
import { dataversePages } from './pages.ts';
import { DynamicsSourceConnector } from './tracking-connector.ts';

export { dynamicsDefinition, DATAVERSE_TABLES } from './definition.ts';

export interface DynamicsConnectorOptions
  extends ConnectorFactoryOptions,
    Pick<DeclarativeConnectorOptions, 'fetch' | 'clock' | 'random' | 'rateLimiters' | 'onTokens'> {
  /** Records per page (Prefer: odata.maxpagesize), at most 5,000. */
  pageSize?: number;
  /** Override the service protection budget (an environment with other limits, benches). */
  rateLimits?: Partial<RateLimitDefinition>;
}

export class DynamicsConfigError extends Error {
  override readonly name = 'DynamicsConfigError';
  constructor(missing: string) {
    super(`dynamics connector: ${missing} is required (the org URL, e.g. https://contoso.crm.dynamics.com)`);
  }
}

/** The org URL from `baseUrl` (org URL or …/api/data/v9.x) or the `environment_url` credential. */
export function orgUrlOf(options: Pick<ConnectorFactoryOptions, 'baseUrl' | 'credentials'>): string {
  const raw = options.baseUrl ?? options.credentials['environment_url'];
  if (!raw) throw new DynamicsConfigError('baseUrl or credentials.environment_url');
  return raw.replace(/\/+$/, '').replace(/\/api\/data\/v\d+(\.\d+)?$/, '');
}

export function createConnector(options: DynamicsConnectorOptions): DeclarativeSourceConnector {
  const orgUrl = orgUrlOf(options);
  registerSecret(options.credentials['client_secret']);
  const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(options.pageSize ?? MAX_PAGE_SIZE)));
  const base = dynamicsDefinitionInput;
  const definition = defineConnector({
    ...base,
    streams: (base.streams ?? []).map((s) => ({ ...s, pageSize })),
    rateLimits: { ...(base.rateLimits ?? {}), ...(options.rateLimits ?? {}) },
  });
  const pages: NonNullable<ConnectorHooks['pages']> = {};
  for (const table of DATAVERSE_TABLES) pages[table.entity] = dataversePages(table);
  return new DynamicsSourceConnector(definition, {
    credentials: { ...options.credentials, environment_url: orgUrl },
    baseUrl: `${orgUrl}/api/data/${DATAVERSE_API_VERSION}`,
    tokenUrl: options.tokenUrl,
    logger: options.logger,
    fetch: options.fetch,
    clock: options.clock,
    random: options.random,
    rateLimiters: options.rateLimiters,
    onTokens: options.onTokens,
    hooks: { pages, discover: discoverDataverse },
  });
}
