/**
 * One call for the process that hosts the agent core (`nexus-migrate agent start --ui`): open the
 * OS keychain, start the loopback UI over the core's AgentApi, and announce it on stdout with the
 * ready line the Electron shell waits for.
 */
import type { Logger } from '../../shared/log/logger.ts';
import { openSecretStore } from '../secrets/open-secret-store.ts';
import type { SecretStore } from '../secrets/secret-store.ts';
import { formatUiReadyLine, type AgentApi } from './agent-api.ts';
import { startUiServer, type UiServer } from './ui-server.ts';

export interface ServeAgentUiOptions {
  /** Fixed port, e.g. from `--ui-port`; 0 or absent picks a free one. */
  port?: number;
  logger?: Logger;
  /** Defaults to the OS keychain. */
  secrets?: SecretStore;
  /** Where the ready line goes; stdout by default. */
  announce?: (line: string) => void;
}

export async function serveAgentUi(agent: AgentApi, opts: ServeAgentUiOptions = {}): Promise<UiServer> {
  const secrets = opts.secrets ?? (await openSecretStore());
  const ui = await startUiServer({ agent, secrets, port: opts.port, logger: opts.logger });
  (opts.announce ?? ((line) => process.stdout.write(line + '\n')))(formatUiReadyLine(ui));
  return ui;
}
