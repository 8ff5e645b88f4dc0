/** Options shared by run, dry-run, preview and demo: database, schemas, source and mapping. */
import { readFile } from 'node:fs/promises';
import type { SourceConnector } from '../../shared/connector.ts';
import { registerSecret } from '../../shared/log/redact.ts';
import { openDatabase, type OpenedDatabase } from '../db/embedded.ts';
import { migrate } from '../db/migrate.ts';
import { registry } from '../../connectors/registry.ts';
import { CsvConnector } from '../../connectors/csv/index.ts';

/** One documented default for the CLI, `serve` and the demo: Logic Nexus lives in schema logic_nexus. */
export const DEFAULT_TARGET_SCHEMA = process.env.NEXUS_TARGET_SCHEMA ?? 'logic_nexus';
export const DEFAULT_CONTROL_SCHEMA = process.env.NEXUS_CONTROL_SCHEMA ?? 'nexus_migrate';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Flags = Record<string, string | true>;

export function str(flags: Flags, name: string, fallback?: string): string {
  const v = flags[name];
  if (typeof v === 'string') return v;
  if (fallback !== undefined) return fallback;
  throw new UsageError(`--${name} is required`);
}

/** Open the database (DATABASE_URL or embedded) and make sure both schemas are migrated. */
export async function openMigrated(targetSchema: string, controlSchema: string): Promise<OpenedDatabase> {
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
  if (source === 'csv') return new CsvConnector({ dir: str(flags, 'path') }).open();
  const entry = registry[source];
  if (!entry) throw new UsageError(`unknown --source ${source}; known: csv, ${Object.keys(registry).join(', ')}`);
  const credentials = typeof flags['credentials-file'] === 'string'
    ? (JSON.parse(await readFile(flags['credentials-file'], 'utf8')) as Record<string, string>)
    : {};
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
  if (typeof flags.mapping === 'string') return readFile(flags.mapping, 'utf8');
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
