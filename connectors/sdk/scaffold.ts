/**
 * `nexus-migrate new-connector <name>`: one folder of mostly data (declarative definition, a sandbox
 * on the emulator kit serving a sample stream, a mapping stub, a fixture, a README) from the
 * templates in scaffold/<style>/, plus its one registry line. The result passes the conformance suite
 * before any hand edit.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const STYLES = ['rest'] as const;
export type ScaffoldStyle = (typeof STYLES)[number];

export class ScaffoldError extends Error {
  override readonly name = 'ScaffoldError';
}

const TEMPLATES = join(dirname(fileURLToPath(import.meta.url)), 'scaffold');
/** Where the registry object ends: the new line goes just before it. */
const REGISTRY_END = '\n};\n\nexport class UnknownVendorError';

function templateFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? templateFiles(join(dir, n)) : [join(dir, n)]));
}

export function registryLine(name: string, label: string): string {
  const key = JSON.stringify(name).replaceAll('"', "'");
  return `  ${key}: { label: ${JSON.stringify(label)}, connector: () => import('./${name}/index.ts').then((m) => m.createConnector), ` +
    `emulator: () => import('./${name}/emulator/index.ts').then((m) => m.startEmulator), mapping: new URL('./${name}/mapping.yaml', import.meta.url), ` +
    `conformance: { capabilities: ['oauth-refresh', 'paging', 'rate-limits', 'error-classification', 'migration', 'incremental', 'checkpoint'], stream: 'items', records: 60, secretKey: 'client_secret', ` +
    `incremental: { entity: 'items', field: 'name', table: 'accounts', column: 'name', deleteEntity: 'items', deleteTable: 'accounts' } } },`;
}

/** Write connectors/<name>/ under `root` and register it; returns the files written, relative to `root`. */
export function scaffoldConnector(root: string, name: string, opts: { style?: string; label?: string } = {}): string[] {
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name)) throw new ScaffoldError(`"${name}" is not a connector name: use lower case letters, digits and single hyphens (e.g. acme-crm)`);
  const style = opts.style ?? 'rest';
  if (!(STYLES as readonly string[]).includes(style)) throw new ScaffoldError(`style "${style}" has no template yet; available: ${STYLES.join(', ')}`);
  const folder = join(root, 'connectors', name);
  if (existsSync(folder)) throw new ScaffoldError(`connectors/${name} already exists`);
  const registryFile = join(root, 'connectors', 'registry.ts');
  const registry = readFileSync(registryFile, 'utf8');
  if (!registry.includes(REGISTRY_END)) throw new ScaffoldError('connectors/registry.ts: the end of the registry object was not found');
  if (registry.includes(`'${name}':`) || registry.includes(`\n  ${name}:`)) throw new ScaffoldError(`"${name}" is already registered`);
  const label = opts.label ?? name.split('-').map((w) => w[0]!.toUpperCase() + w.slice(1)).join(' ');
  const fill = (text: string): string => text.replaceAll('__NAME__', name).replaceAll('__LABEL__', label);
  const written: string[] = [];
  for (const src of templateFiles(join(TEMPLATES, style))) {
    const target = join(folder, relative(join(TEMPLATES, style), src).replace(/\.tmpl$/, ''));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, fill(readFileSync(src, 'utf8')));
    written.push(relative(root, target));
  }
  writeFileSync(registryFile, registry.replace(REGISTRY_END, `\n${registryLine(name, label)}${REGISTRY_END}`));
  return [...written.sort(), 'connectors/registry.ts'];
}
