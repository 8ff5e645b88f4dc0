/**
 * Offline bundles (no network link between the customer site and the control plane):
 *   bundle export --source <spec> --out <file> [--data-dir D] [--tenant <id>] [--entities a,b] [--recipient <b64> | --recipient-file f]
 *       Runs on an enrolled agent: the bundle is signed with the agent's Ed25519 identity key (from the OS
 *       keychain); the tenant and the recipient default to the ones the agent was enrolled with.
 *       <spec>: csv:<folder> | demo | synthetic:<records>[:<seed>] | <vendor> --credentials-file creds.json [--base-url U]
 *       The recipient is the control plane's X25519 transport public key (default: NEXUS_TRANSPORT_PUBLIC_KEY,
 *       the publicKey of NEXUS_TRANSPORT_KEY, or of the key file `serve` keeps).
 *   bundle import <file> --tenant <id> [--mapping m.yaml] [--franchise <id>] [--vars K=V,K2=V2]
 *       [--target-schema public] [--control-schema nexus_migrate] [--dry-run] [--key-file kp.json]
 *       [--report-html f.html] [--report-pdf f.pdf]
 *       Verifies the whole bundle first (nothing loads from a tampered, truncated or foreign bundle), then
 *       runs it through the engine; prints the run report as one JSON line. Key pair: --key-file, NEXUS_TRANSPORT_KEY, or the key file `serve` keeps
 *       (NEXUS_TRANSPORT_KEY_FILE, default $NEXUS_DATA_DIR/transport-key.json).
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { defineCommand, JSON_OPTION, type Command, type Flags } from '../command.ts';
import { createLogger } from '../../../shared/log/logger.ts';
import { registerSecret } from '../../../shared/log/redact.ts';
import type { SourceConnector } from '../../../shared/connector.ts';
import { loadConnectorFactory, registry } from '../../../connectors/registry.ts';
import type { TransportKeyPair } from '../../bundle/verify.ts';
import { DEFAULT_CONTROL_SCHEMA, DEFAULT_TARGET_SCHEMA, MAPPING_OPTIONS, SCHEMA_OPTIONS, mappingVars, openMigrated, unknownSourceMessage } from '../engine-options.ts';

export class BundleUsageError extends Error {
  override readonly name = 'BundleUsageError';
}

const str = (flags: Flags, name: string): string | undefined => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined);
function need(flags: Flags, name: string): string {
  const v = str(flags, name);
  if (!v) throw new BundleUsageError(`--${name} is required`);
  return v;
}

const DEMO_DIR = fileURLToPath(new URL('../../../resources/demo/data/', import.meta.url));
const BUILTIN_MAPPINGS: Record<string, URL> = {
  demo: new URL('../../../resources/demo/mapping.yaml', import.meta.url),
  synthetic: new URL('../../bench/mapping.yaml', import.meta.url),
};

export async function resolveSource(spec: string, flags: Flags): Promise<SourceConnector> {
  const { CsvConnector } = await import('../../../connectors/csv/index.ts');
  if (spec === 'demo') return new CsvConnector({ dir: DEMO_DIR }).open();
  if (spec.startsWith('csv:')) return new CsvConnector({ dir: spec.slice(4) }).open();
  if (spec.startsWith('synthetic:')) {
    const [, n, seed] = spec.split(':');
    const records = Number(n);
    if (!Number.isInteger(records) || records <= 0) throw new BundleUsageError(`synthetic:<records>[:<seed>] needs a positive record count, got ${n}`);
    const { syntheticSource } = await import('../../bench/synthetic-source.ts');
    return syntheticSource({ records, seed: Number(seed ?? 1) || 1 });
  }
  if (!registry[spec]) throw new BundleUsageError(unknownSourceMessage(spec, Object.keys(registry).filter((k) => k !== 'csv').sort(), '; or csv:<folder>, demo, synthetic:<n>'));
  const credFile = str(flags, 'credentials-file');
  const raw = credFile ? await readFile(credFile, 'utf8') : process.env.NEXUS_SOURCE_CREDENTIALS;
  if (!raw) throw new BundleUsageError(`--credentials-file (JSON with the vendor's credential fields) or NEXUS_SOURCE_CREDENTIALS is required for ${spec}`);
  const credentials = JSON.parse(raw) as Record<string, string>;
  for (const v of Object.values(credentials)) registerSecret(v);
  const factory = await loadConnectorFactory(spec);
  return factory({ credentials, baseUrl: str(flags, 'base-url'), tokenUrl: str(flags, 'token-url'), logger: createLogger({ base: { component: spec } }) });
}

/** The enrolled agent of --data-dir (or NEXUS_AGENT_DATA_DIR): its identity signs the bundle. */
async function enrolledAgent(flags: Flags): Promise<{ agentId: string; tenantId: string; privateKey: string; transportPublicKey: string | null }> {
  const [{ AgentState }, { openSecretStore }, { homedir }, path] = await Promise.all([
    import('../../../agent/core/state.ts'), import('../../../agent/secrets/open-secret-store.ts'), import('node:os'), import('node:path'),
  ]);
  const dir = str(flags, 'data-dir') ?? process.env.NEXUS_AGENT_DATA_DIR ?? path.join(homedir(), '.nexus-migrate', 'agent');
  if (!existsSync(path.join(dir, 'agent.db'))) throw new BundleUsageError(`bundle export runs on an enrolled agent (bundles are signed with its identity); no agent in ${dir}: enroll it with \`nexus-migrate agent enroll\` or pass --data-dir`);
  const state = new AgentState(dir);
  const id = state.identity();
  state.close();
  if (!id) throw new BundleUsageError(`the agent in ${dir} is not enrolled; bundles are signed with an enrolled agent's identity: run \`nexus-migrate agent enroll\` first`);
  const privateKey = await (await openSecretStore()).get('agent-identity');
  if (!privateKey) throw new BundleUsageError(`agent ${id.agentId} has no identity key in the OS keychain; enroll again`);
  registerSecret(privateKey);
  return { agentId: id.agentId, tenantId: id.tenantId, privateKey, transportPublicKey: id.transportPublicKey };
}

async function recipientKey(flags: Flags): Promise<string> {
  const { loadTransportKey, transportKeyFile } = await import('../../agent-gateway/transport-key.ts');
  const direct = str(flags, 'recipient');
  if (direct) return direct;
  const file = str(flags, 'recipient-file');
  if (file) {
    const text = (await readFile(file, 'utf8')).trim();
    return text.startsWith('{') ? (JSON.parse(text) as { publicKey: string }).publicKey : text;
  }
  if (process.env.NEXUS_TRANSPORT_PUBLIC_KEY) return process.env.NEXUS_TRANSPORT_PUBLIC_KEY;
  if (process.env.NEXUS_TRANSPORT_KEY) return (JSON.parse(process.env.NEXUS_TRANSPORT_KEY) as TransportKeyPair).publicKey;
  if (existsSync(transportKeyFile())) return loadTransportKey({ file: transportKeyFile() }).publicKey;
  throw new BundleUsageError('the control plane transport public key is required: --recipient, --recipient-file or NEXUS_TRANSPORT_PUBLIC_KEY');
}

async function transportKeyPair(flags: Flags): Promise<TransportKeyPair> {
  const { loadTransportKey, transportKeyFile } = await import('../../agent-gateway/transport-key.ts');
  const file = str(flags, 'key-file');
  const raw = file ? await readFile(file, 'utf8') : process.env.NEXUS_TRANSPORT_KEY;
  // Else the key file `serve` created (NEXUS_TRANSPORT_KEY_FILE or $NEXUS_DATA_DIR/transport-key.json).
  if (!raw && existsSync(transportKeyFile())) return loadTransportKey({ file: transportKeyFile() });
  if (!raw) throw new BundleUsageError(`the control plane transport key pair is required: --key-file kp.json, NEXUS_TRANSPORT_KEY or the key file ${transportKeyFile()}`);
  const kp = JSON.parse(raw) as TransportKeyPair;
  registerSecret(kp.privateKey);
  return kp;
}

const exportCommand = defineCommand({
  name: 'bundle export',
  summary: 'Write an encrypted offline bundle of a source (CSV per entity + manifest)',
  options: {
    source: { type: 'string', value: '<csv:dir|demo|synthetic:n|vendor>', required: true, description: 'what to export' },
    tenant: { type: 'string', value: '<id>', description: 'the tenant the bundle is for (default and only choice: the agent\'s tenant)' },
    'data-dir': { type: 'string', value: 'D', description: "the enrolled agent's data folder (NEXUS_AGENT_DATA_DIR, else ~/.nexus-migrate/agent)" },
    out: { type: 'string', value: '<file>', required: true, description: 'the bundle file to write' },
    entities: { type: 'string', value: 'a,b', description: 'only these entities' },
    recipient: { type: 'string', value: '<b64>', description: "the control plane's X25519 transport public key" },
    'recipient-file': { type: 'string', value: 'F', description: 'a file with that key (or the key pair JSON)' },
    'credentials-file': { type: 'string', value: 'F', description: "JSON file with the vendor's credential fields (else NEXUS_SOURCE_CREDENTIALS)" },
    'base-url': { type: 'string', value: 'U', description: "the vendor's API base URL" },
    'token-url': { type: 'string', value: 'U', description: "the vendor's OAuth token URL" },
  },
  notes: "Runs on an enrolled agent and signs the bundle with its identity key. The recipient key defaults to the transport key the agent received at enrollment, then NEXUS_TRANSPORT_PUBLIC_KEY, the publicKey of NEXUS_TRANSPORT_KEY, or of the key file `serve` keeps. Prints one JSON line.",
  async run({ flags }) {
    const { writeBundle } = await import('../../../agent/bundle/writer.ts');
    const agent = await enrolledAgent(flags);
    const tenantId = str(flags, 'tenant') ?? agent.tenantId;
    if (tenantId !== agent.tenantId) throw new BundleUsageError(`this agent is enrolled in tenant ${agent.tenantId}; it cannot export a bundle for tenant ${tenantId}`);
    const out = need(flags, 'out');
    const explicit = str(flags, 'recipient') ?? str(flags, 'recipient-file');
    const recipientPublicKey = !explicit && agent.transportPublicKey ? agent.transportPublicKey : await recipientKey(flags);
    const source = await resolveSource(need(flags, 'source'), flags);
    try {
      const entities = str(flags, 'entities')?.split(',').filter(Boolean);
      const signer = { agentId: agent.agentId, privateKey: agent.privateKey };
      const res = await writeBundle({ source, entities, tenantId, recipientPublicKey, out, signer, logger: createLogger({ base: { component: 'bundle' } }) });
      const counts = Object.fromEntries(Object.entries(res.manifest.entities).map(([e, m]) => [e, m.rows]));
      process.stdout.write(JSON.stringify({ bundle: res.file, bundleId: res.bundleId, agentId: agent.agentId, bytes: res.bytes, sourceSystem: res.manifest.sourceSystem, totalRows: res.manifest.totalRows, counts }) + '\n');
      return 0;
    } finally {
      await source.close();
    }
  },
});

const importCommand = defineCommand({
  name: 'bundle import',
  summary: 'Verify an offline bundle, then load it through the engine',
  positionals: [{ name: 'file', description: 'the bundle file', required: true }],
  options: {
    ...MAPPING_OPTIONS,
    tenant: { type: 'string', value: '<id>', required: true, description: 'the tenant the bundle was made for' },
    ...SCHEMA_OPTIONS,
    'dry-run': { type: 'boolean', description: 'transform and validate; write nothing to target tables' },
    'force-older': { type: 'boolean', description: 'import a snapshot older than one already imported (the audit log records it)' },
    'key-file': { type: 'string', value: 'kp.json', description: 'the transport key pair (else NEXUS_TRANSPORT_KEY or the key file `serve` keeps)' },
    'report-html': { type: 'string', value: 'F', description: 'also write the report as HTML' },
    'report-pdf': { type: 'string', value: 'F', description: 'also write the report as PDF' },
    ...JSON_OPTION,
  },
  notes: 'Verifies the whole bundle first (nothing loads from a tampered, truncated or foreign bundle), then runs it through the engine; prints the run report as one JSON line.',
  async run({ flags, positional }) {
    const [{ importBundle }, { readBundleHeader }, { renderReportHtml }, { renderReportPdf }] = await Promise.all([
      import('../../bundle/importer.ts'), import('../../bundle/verify.ts'), import('../../report/html.ts'), import('../../report/pdf.ts'),
    ]);
    const file = positional[0];
    if (!file) throw new BundleUsageError('the bundle file is required: bundle import <file> --tenant <id>');
    const tenantId = need(flags, 'tenant');
    const key = await transportKeyPair(flags);
    const header = await readBundleHeader(file);
    const mappingPath = str(flags, 'mapping') ?? BUILTIN_MAPPINGS[header.sourceSystem] ?? registry[header.sourceSystem]?.mapping;
    if (!mappingPath) throw new BundleUsageError(`no mapping template for source "${header.sourceSystem}"; pass --mapping m.yaml`);
    const mappingYaml = await readFile(mappingPath, 'utf8');
    const targetSchema = str(flags, 'target-schema') ?? DEFAULT_TARGET_SCHEMA;
    const controlSchema = str(flags, 'control-schema') ?? DEFAULT_CONTROL_SCHEMA;
    const logger = createLogger({ base: { component: 'bundle-import' } });
    const db = await openMigrated(targetSchema, controlSchema);
    try {
      const { report } = await importBundle({
        file, tenantId, key, pool: db.pool, mappingYaml, vars: mappingVars(flags), targetSchema, controlSchema,
        mode: flags['dry-run'] === true ? 'dry-run' : 'run', logger, forceOlder: flags['force-older'] === true,
      });
      const html = str(flags, 'report-html');
      if (html) await writeFile(html, renderReportHtml(report));
      const pdf = str(flags, 'report-pdf');
      if (pdf) await writeFile(pdf, await renderReportPdf(report));
      process.stdout.write(JSON.stringify(report) + '\n');
      return report.status === 'completed' ? 0 : 1;
    } finally {
      await db.close();
    }
  },
});

export const bundleCommands: Command[] = [exportCommand, importCommand];
