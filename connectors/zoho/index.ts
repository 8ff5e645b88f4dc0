/**
 * The Zoho CRM connector: the declarative definition (definition.ts) plus hooks for the module pages
 * (pages.ts: fields, page → page_token, If-Modified-Since, deleted records), record normalisation
 * (records.ts) and discovery of standard and custom fields with picklists (`/settings/fields`).
 * Credentials: `clientId`, `clientSecret`, `refreshToken`, and `dataCentre` (us, eu, in, au, jp, ca,
 * sa, uk, cn; default us), which picks the accounts server; the API domain comes with the token.
 */
import type { DiscoveredSchema, FieldInfo } from '../../shared/connector.ts';
import type { ConnectorFactoryOptions } from '../sdk/factory.ts';
import { DeclarativeSourceConnector, type ConnectorHooks, type DeclarativeConnectorOptions, type HookContext } from '../sdk/index.ts';
import { DATA_CENTRES, DEFAULT_BUDGET, zohoDefinition, ZOHO_MODULES, type ZohoBudget } from './definition.ts';
import { modulePages, moduleFields } from './pages.ts';
import { derivedFields, normalizeRecord, normalizeUser } from './records.ts';

export { zohoDefinition, DATA_CENTRES } from './definition.ts';

export class UnknownDataCentreError extends Error {
  override readonly name = 'UnknownDataCentreError';
  constructor(dc: string) {
    super(`unknown Zoho data centre "${dc.slice(0, 20)}"; use one of ${Object.keys(DATA_CENTRES).join(', ')}`);
  }
}

export interface ZohoConnectorOptions extends ConnectorFactoryOptions, Pick<DeclarativeConnectorOptions, 'fetch' | 'clock' | 'random' | 'rateLimiters'> {
  /** The org's API budget (credits per window, concurrency); default the smallest paid org's. */
  budget?: Partial<ZohoBudget>;
  /** Records per page (1–200, default 200). */
  pageSize?: number;
}

const FIELD_TYPE: Record<string, string> = {
  bigint: 'integer', integer: 'integer', autonumber: 'string', currency: 'decimal', double: 'decimal', decimal: 'decimal', percent: 'decimal',
  date: 'date', datetime: 'datetimetz', boolean: 'boolean', multiselectpicklist: 'json', lookup: 'string', ownerlookup: 'string', subform: 'json',
};

async function discover(ctx: HookContext): Promise<DiscoveredSchema> {
  const streams: DiscoveredSchema['streams'] = [];
  for (const module of ZOHO_MODULES) {
    const defs = await moduleFields(ctx, module);
    const fields: FieldInfo[] = defs.map((d) => ({
      name: d.api_name, type: FIELD_TYPE[d.data_type ?? ''] ?? 'string', nullable: d.api_name !== 'id', sourceType: d.custom_field ? `${d.data_type}: ${d.field_label}` : d.data_type,
      ...(d.custom_field ? { custom: true } : {}),
      ...(d.pick_list_values?.length ? { picklistValues: d.pick_list_values.map((p) => p.actual_value ?? p.display_value) } : {}),
      ...(d.lookup?.module?.api_name ? { references: [d.lookup.module.api_name] } : d.data_type === 'ownerlookup' ? { references: ['users'] } : {}),
    }));
    const lookups = defs.filter((d) => d.data_type === 'lookup' || d.data_type === 'ownerlookup').map((d) => ({ name: d.api_name, owner: d.data_type === 'ownerlookup' }));
    for (const d of derivedFields(lookups, module)) fields.push({ name: d.name, type: d.type, nullable: true, sourceType: 'derived' });
    streams.push({ entity: module, primaryKey: ['id'], cursorField: 'Modified_Time', fields, supportsIncremental: true, supportsDeletes: true });
  }
  streams.push({ entity: 'users', primaryKey: ['id'], fields: ['id', 'full_name', 'email', 'status', 'is_active'].map((n) => ({ name: n, type: n === 'is_active' ? 'boolean' : 'string', nullable: n !== 'id' }) as FieldInfo), supportsIncremental: false, supportsDeletes: false });
  return { sourceSystem: 'zoho', version: 'crm-v7', streams, warnings: [] };
}

export function createConnector(options: ZohoConnectorOptions): DeclarativeSourceConnector {
  const dc = (options.credentials['dataCentre'] ?? 'us').toLowerCase();
  if (!DATA_CENTRES[dc]) throw new UnknownDataCentreError(dc);
  const pages: NonNullable<ConnectorHooks['pages']> = {};
  const enrich: NonNullable<ConnectorHooks['enrich']> = { users: (_ctx, records) => Promise.resolve(records.map(normalizeUser)) };
  for (const m of ZOHO_MODULES) {
    pages[m] = modulePages;
    enrich[m] = (_ctx, records) => Promise.resolve(records.map((r) => ((r as { $deleted?: unknown }).$deleted === true ? (r as Record<string, unknown>) : normalizeRecord(r))));
  }
  const definition = zohoDefinition({ ...DEFAULT_BUDGET, ...options.budget }, dc);
  const pageSize = options.pageSize;
  if (pageSize !== undefined) for (const s of definition.streams) s.pageSize = Math.min(200, Math.max(1, Math.floor(pageSize)));
  return new DeclarativeSourceConnector(definition, {
    credentials: options.credentials, baseUrl: options.baseUrl, tokenUrl: options.tokenUrl, logger: options.logger, fetch: options.fetch, clock: options.clock,
    random: options.random, rateLimiters: options.rateLimiters, hooks: { discover, pages, enrich },
  });
}
