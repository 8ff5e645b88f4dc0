/** Options shared by run, dry-run, preview and demo: database, schemas, source and mapping. */
import { readFile } from 'node:fs/promises';
import type { SourceConnector } from '../../shared/connector.ts';
import { registerSecret } from '../../shared/log/redact.ts';
import type { OpenedDatabase } from '../db/embedded.ts';
import { registry } from '../../connectors/registry.ts';
import { UsageError, type Flags, type Options } from './command.ts';
import { suggest } from './suggest.ts';

export { UsageError };

/** One documented default for the CLI, `serve` and the demo: Logic Nexus lives in schema logic_nexus. */
export const DEFAULT_TARGET_SCHEMA = process.env.NEXUS_TARGET_SCHEMA ?? 'logic_nexus';
export const DEFAULT_CONTROL_SCHEMA = process.env.NEXUS_CONTROL_SCHEMA ?? 'nexus_migrate';

/** The --source names run, dry-run and preview accept: csv and every connector in connectors/registry.ts. */
export function sourceNames(): string[] {
  return ['csv', ...Object.keys(registry).filter((k) => k !== 'csv').sort()];
}

/** Names people type for a source that the registry spells differently. */
const SOURCE_ALIASES: Record<string, string> = { sfdc: 'salesforce', sf: 'salesforce', d365: 'dynamics', dataverse: 'dynamics', hs: 'hubspot', cw: 'cargowise', cw1: 'cargowise', otm: 'oracle-tm', sap: 'sap-tm' };

/** `--source sfdc` → unknown source 'sfdc'; did you mean 'salesforce'? Known sources: … */
export function unknownSourceMessage(source: string, known: readonly string[] = sourceNames(), extra = ''): string {
  const alias = SOURCE_ALIASES[source.toLowerCase()];
  const near = alias && known.includes(alias) ? alias : suggest(source, known);
  return `unknown source '${source}'${near ? `; did you mean '${near}'?` : '.'} Known sources: ${known.join(', ')}${extra}`;
}

export function checkSourceName(source: string): void {
  if (!sourceNames().includes(source)) throw new UsageError(unknownSourceMessage(source));
}

export const SCHEMA_OPTIONS = {
  'target-schema': { type: 'string', value: 'S', description: 'Logic Nexus target schema (NEXUS_TARGET_SCHEMA, else logic_nexus)' },
  'control-schema': { type: 'string', value: 'S', description: 'control schema for runs and audit (NEXUS_CONTROL_SCHEMA, else nexus_migrate)' },
} as const satisfies Options;

export const SOURCE_OPTIONS = {
  source: { type: 'string', value: 'NAME', required: true, check: checkSourceName, description: `csv, or a connector: ${Object.keys(registry).filter((k) => k !== 'csv').sort().join(', ')}` },
  path: { type: 'string', value: 'DIR', description: 'the CSV folder (--source csv)' },
  'credentials-file': { type: 'string', value: 'F', description: "JSON file with the vendor's credential fields" },
  'base-url': { type: 'string', value: 'U', description: "the vendor's API base URL (an emulator, a sandbox)" },
  'token-url': { type: 'string', value: 'U', description: "the vendor's OAuth token URL" },
} as const satisfies Options;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A tenant/franchise id flag: a UUID, said so before anything connects. */
export function uuidCheck(flag: string, where: string): (v: string) => void {
  return (v) => {
    if (!UUID.test(v)) throw new UsageError(`--${flag} must be an id (a UUID like 123e4567-e89b-12d3-a456-426614174000), got "${v}"; ${where}`);
  };
}

export const MAPPING_OPTIONS = {
  tenant: { type: 'string', value: 'UUID', check: uuidCheck('tenant', 'tenant ids are the id column of the target schema\'s tenants table (SELECT id, name FROM tenants)'), description: 'the Logic Nexus tenant (else TENANT_ID)' },
  franchise: { type: 'string', value: 'UUID', check: uuidCheck('franchise', 'franchise ids are the id column of the target schema\'s franchises table (SELECT id, name FROM franchises WHERE tenant_id = …); create the franchise in Logic Nexus first if it is missing'), description: 'the franchise, mapping variable FRANCHISE_ID (else FRANCHISE_ID)' },
  mapping: { type: 'string', value: 'F', description: "mapping YAML (default: the connector's template)" },
  vars: { type: 'string', value: 'K=V,K2=V2', description: 'more mapping variables' },
  var: { type: 'string', value: 'K=V', description: 'alias of --vars' },
} as const satisfies Options;

/** Read a file a flag names; a failure (some, like EISDIR, carry no path) names the flag and the file. */
export async function readInputFile(flag: string, file: string | URL): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e && typeof e === 'object' && e.code && !e.path) e.path = String(file);
    if (e && typeof e === 'object' && e.code) e.message = `${flag}: ${e.message}`;
    throw err;
  }
}

export function str(flags: Flags, name: string, fallback?: string): string {
  const v = flags[name];
  if (typeof v === 'string') return v;
  if (fallback !== undefined) return fallback;
  throw new UsageError(`--${name} is required`);
}

/** Open the database (DATABASE_URL or embedded) and make sure both schemas are migrated. */
export async function openMigrated(targetSchema: string, controlSchema: string): Promise<OpenedDatabase> {
  const [{ openDatabase }, { migrate }] = await Promise.all([import('../db/embedded.ts'), import('../db/migrate.ts')]);
  const db = await openDatabase();
  try {
    await migrate(db.pool, 'target', targetSchema);
    await migrate(db.pool, 'control', controlSchema);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

/** --source csv --path DIR, --source <file vendor> --path DIR, or --source <vendor> [--base-url U] [--token-url U] --credentials-file F (JSON). */
export async function openSource(flags: Flags): Promise<SourceConnector> {
  const source = str(flags, 'source');
  if (source === 'csv') {
    const { CsvConnector } = await import('../../connectors/csv/index.ts');
    return new CsvConnector({ dir: str(flags, 'path') }).open();
  }
  const entry = registry[source];
  if (!entry) throw new UsageError(unknownSourceMessage(source));
  const file = flags['credentials-file'];
  let credentials: Record<string, string> = {};
  if (typeof file === 'string') {
    try {
      credentials = JSON.parse(await readInputFile('--credentials-file', file)) as Record<string, string>;
    } catch (err) {
      if (err instanceof SyntaxError) throw new UsageError(`--credentials-file ${file} is not valid JSON; it holds the vendor's credential fields, like {"clientId": "…", "clientSecret": "…"}`);
      throw err;
    }
  }
  for (const v of Object.values(credentials)) registerSecret(String(v));
  const factory = await entry.connector();
  return factory({
    credentials,
    baseUrl: typeof flags['base-url'] === 'string' ? flags['base-url'] : undefined,
    tokenUrl: typeof flags['token-url'] === 'string' ? flags['token-url'] : undefined,
    path: typeof flags.path === 'string' ? flags.path : undefined,
  });
}

export async function readMapping(flags: Flags): Promise<string> {
  const source = str(flags, 'source');
  if (typeof flags.mapping === 'string') return readInputFile('--mapping', flags.mapping);
  const entry = registry[source];
  if (entry?.mapping) return readFile(entry.mapping, 'utf8');
  throw new UsageError('--mapping <file.yaml> is required');
}

/**
 * Mapping variables beyond the environment: --vars NAME=VALUE,NAME2=VALUE2 (--var is an alias), then
 * --franchise (or FRANCHISE_ID). A pair without a name is a usage error, never silently dropped.
 */
export function mappingVars(flags: Flags): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const name of ['var', 'vars']) {
    const list = flags[name];
    if (typeof list !== 'string') continue;
    for (const pair of list.split(',').filter(Boolean)) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new UsageError(`--vars entries look like NAME=value, got ${JSON.stringify(pair)}`);
      vars[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  const franchise = typeof flags.franchise === 'string' ? flags.franchise : process.env.FRANCHISE_ID;
  if (franchise) vars.FRANCHISE_ID = franchise;
  return vars;
}
