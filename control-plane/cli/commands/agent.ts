/**
 * `nexus-migrate agent …`: the on-prem agent.
 *   agent start [--headless] [--data-dir D]            run the agent (and its local UI unless --headless)
 *   agent enroll --url U --token T [--data-dir D] [--name N]
 *   agent connection add --name N --type postgres|mysql|sqlserver --host H --port P --database DB --user U
 *                        [--schema S] [--platform cargowise|none|…]
 *                        (password from stdin, or NEXUS_SOURCE_PASSWORD; stored in the OS keychain)
 *   agent status [--data-dir D]
 */
import { homedir } from 'node:os';
import path from 'node:path';
import type { Agent } from '../../../agent/core/agent.ts';
import type { ConnectionSettings } from '../../../agent/core/sources.ts';
import type { SourceType } from '../../../agent/ui/agent-api.ts';
import { registerSecret } from '../../../shared/log/redact.ts';
import { defineCommand, type Command, type Flags, type Parsed } from '../command.ts';

export class AgentUsageError extends Error {
  override readonly name = 'AgentUsageError';
}

function dataDir(flags: Flags): string {
  const d = flags['data-dir'];
  if (typeof d === 'string') return path.resolve(d);
  return process.env.NEXUS_AGENT_DATA_DIR ?? path.join(homedir(), '.nexus-migrate', 'agent');
}

function need(flags: Flags, name: string): string {
  const v = flags[name];
  if (typeof v !== 'string' || v.length === 0) throw new AgentUsageError(`--${name} is required`);
  return v;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new AgentUsageError('pipe the password on stdin (or set NEXUS_SOURCE_PASSWORD)');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function openAgent(flags: Flags, config?: Record<string, unknown>): Promise<Agent> {
  const [{ Agent }, { openSecretStore }, { stderrSink }] = await Promise.all([
    import('../../../agent/core/agent.ts'), import('../../../agent/secrets/open-secret-store.ts'), import('../../../shared/log/logger.ts'),
  ]);
  if (config) return new Agent({ dataDir: dataDir(flags), secrets: await openSecretStore(), logSinks: [stderrSink], config });
  return new Agent({ dataDir: dataDir(flags), secrets: await openSecretStore(), logSinks: [stderrSink] });
}

async function start({ flags }: Parsed): Promise<number> {
  const agent = await openAgent(flags);
  let ui: { close(): Promise<void> } | null = null;
  try {
    if (agent.state.identity()) await agent.start();
    else agent.logger.warn('agent is not enrolled yet; enroll from the local UI or with `nexus-migrate agent enroll`');
    if (flags.headless !== true) {
      const { startUiServer } = await import('../../../agent/ui/ui-server.ts');
      const { createAgentApi } = await import('../../../agent/core/ui-bridge.ts');
      const { formatUiReadyLine } = await import('../../../agent/ui/agent-api.ts');
      const server = await startUiServer({ agent: createAgentApi(agent), secrets: agent.secrets, logger: agent.logger });
      ui = server;
      process.stdout.write(formatUiReadyLine(server) + '\n');
    }
    process.stdout.write(JSON.stringify({ agentReady: true, enrolled: agent.state.identity() !== null, headless: flags.headless === true }) + '\n');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    return 0;
  } finally {
    await ui?.close();
    await agent.stop();
  }
}

async function enroll({ flags }: Parsed): Promise<number> {
  const { agentSocketUrl } = await import('../../../agent/core/ui-bridge.ts');
  const token = need(flags, 'token');
  registerSecret(token);
  const overrides = typeof flags.name === 'string' ? { name: flags.name } : {};
  const agent = await openAgent(flags, overrides);
  try {
    const id = await agent.enroll(agentSocketUrl(need(flags, 'url')), token);
    process.stdout.write(JSON.stringify({ enrolled: true, ...id }) + '\n');
    return 0;
  } finally {
    await agent.stop();
  }
}

async function connectionAdd({ flags }: Parsed): Promise<number> {
  const { SOURCE_TYPES } = await import('../../../agent/ui/agent-api.ts');
  const name = need(flags, 'name');
  const type = need(flags, 'type') as SourceType;
  if (!SOURCE_TYPES.includes(type)) throw new AgentUsageError(`--type must be one of ${SOURCE_TYPES.join(', ')}`);
  const password = process.env.NEXUS_SOURCE_PASSWORD ?? (await readStdin());
  registerSecret(password);
  const agent = await openAgent(flags);
  try {
    const account = `connection:${name}`;
    await agent.secrets.set(account, password);
    const settings: ConnectionSettings = { type, host: need(flags, 'host'), port: Number(need(flags, 'port')), database: need(flags, 'database'), user: need(flags, 'user'), passwordAccount: account };
    if (typeof flags.schema === 'string') settings.schema = flags.schema;
    if (typeof flags.platform === 'string') settings.platform = flags.platform;
    agent.state.saveConnection(name, settings);
    process.stdout.write(JSON.stringify({ saved: name, passwordAccount: account }) + '\n');
    return 0;
  } finally {
    await agent.stop();
  }
}

async function status({ flags }: Parsed): Promise<number> {
  const agent = await openAgent(flags);
  try {
    const { jobProgress } = await import('../../../agent/core/progress.ts');
    const id = agent.state.identity();
    process.stdout.write(JSON.stringify({ enrolled: id !== null, agentId: id?.agentId ?? null, controlPlaneUrl: id?.serverUrl ?? null, spool: { bytes: agent.spool.used, limit: agent.spool.limit }, jobs: jobProgress(agent.state) }) + '\n');
    return 0;
  } finally {
    await agent.stop();
  }
}

const DATA_DIR = { 'data-dir': { type: 'string', value: 'D', description: "the agent's data folder (NEXUS_AGENT_DATA_DIR, else ~/.nexus-migrate/agent)" } } as const;

export const agentCommands: Command[] = [
  defineCommand({
    name: 'agent start', summary: 'Run the on-prem agent (--headless: no local UI)', run: start,
    options: { headless: { type: 'boolean', description: 'no local UI' }, ...DATA_DIR },
  }),
  defineCommand({
    name: 'agent enroll', summary: 'Enroll this agent with a control plane token', run: enroll,
    options: {
      url: { type: 'string', value: 'U', required: true, description: "the control plane's URL" },
      token: { type: 'string', value: 'T', required: true, description: 'the enrollment token from the console or API' },
      name: { type: 'string', value: 'N', description: 'the name the console shows for this agent' },
      ...DATA_DIR,
    },
  }),
  defineCommand({
    name: 'agent connection add', summary: 'Save a source connection (password into the OS keychain)', run: connectionAdd,
    options: {
      name: { type: 'string', value: 'N', required: true, description: 'the connection name jobs refer to' },
      type: { type: 'string', required: true, choices: ['postgres', 'mysql', 'sqlserver'], description: 'database type' },
      host: { type: 'string', value: 'H', required: true, description: 'database host' },
      port: { type: 'string', value: 'P', required: true, description: 'database port' },
      database: { type: 'string', value: 'DB', required: true, description: 'database name' },
      user: { type: 'string', value: 'U', required: true, description: 'database user' },
      schema: { type: 'string', value: 'S', description: 'schema to read' },
      platform: { type: 'string', value: 'cargowise|none|…', description: 'the platform the database belongs to' },
      ...DATA_DIR,
    },
    notes: 'The password comes from stdin or NEXUS_SOURCE_PASSWORD and is stored in the OS keychain.',
  }),
  defineCommand({ name: 'agent status', summary: 'Show agent identity, jobs and spool (one JSON document)', run: status, options: { ...DATA_DIR } }),
];
