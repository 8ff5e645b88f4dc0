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
import { Agent } from '../../../agent/core/agent.ts';
import { agentSocketUrl } from '../../../agent/core/ui-bridge.ts';
import type { ConnectionSettings } from '../../../agent/core/sources.ts';
import { openSecretStore } from '../../../agent/secrets/open-secret-store.ts';
import { SOURCE_TYPES, type SourceType } from '../../../agent/ui/agent-api.ts';
import { stderrSink } from '../../../shared/log/logger.ts';
import { registerSecret } from '../../../shared/log/redact.ts';
import { parseFlags, type Command } from '../command.ts';

export class AgentUsageError extends Error {
  override readonly name = 'AgentUsageError';
}

function dataDir(flags: Record<string, string | true>): string {
  const d = flags['data-dir'];
  if (typeof d === 'string') return path.resolve(d);
  return process.env.NEXUS_AGENT_DATA_DIR ?? path.join(homedir(), '.nexus-migrate', 'agent');
}

function need(flags: Record<string, string | true>, name: string): string {
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

async function openAgent(flags: Record<string, string | true>): Promise<Agent> {
  return new Agent({ dataDir: dataDir(flags), secrets: await openSecretStore(), logSinks: [stderrSink] });
}

async function start(args: string[]): Promise<number> {
  const { flags } = parseFlags(args);
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

async function enroll(args: string[]): Promise<number> {
  const { flags } = parseFlags(args);
  const token = need(flags, 'token');
  registerSecret(token);
  const overrides = typeof flags.name === 'string' ? { name: flags.name } : {};
  const agent = new Agent({ dataDir: dataDir(flags), secrets: await openSecretStore(), logSinks: [stderrSink], config: overrides });
  try {
    const id = await agent.enroll(agentSocketUrl(need(flags, 'url')), token);
    process.stdout.write(JSON.stringify({ enrolled: true, ...id }) + '\n');
    return 0;
  } finally {
    await agent.stop();
  }
}

async function connectionAdd(args: string[]): Promise<number> {
  const { flags } = parseFlags(args);
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

async function status(args: string[]): Promise<number> {
  const { flags } = parseFlags(args);
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

export const agentCommands: Command[] = [
  { name: 'agent start', summary: 'Run the on-prem agent (--headless: no local UI)', usage: 'agent start [--headless] [--data-dir D]', run: start },
  { name: 'agent enroll', summary: 'Enroll this agent with a control plane token', usage: 'agent enroll --url U --token T [--data-dir D]', run: enroll },
  { name: 'agent connection add', summary: 'Save a source connection (password into the OS keychain)', run: connectionAdd },
  { name: 'agent status', summary: 'Show agent identity, jobs and spool', run: status },
];
