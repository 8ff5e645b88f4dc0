/**
 * Named source connections → SourceConnectors. Settings come from the agent's state, the
 * password from the OS keychain (SecretStore) at the moment the connection is opened; it is
 * handed to the connector and nowhere else.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SourceConnector } from '../../shared/connector.ts';
import type { SecretStore } from '../secrets/secret-store.ts';
import type { SourceSettings } from '../ui/agent-api.ts';
import type { AgentState } from './state.ts';

export type SourceFactory = (settings: SourceSettings, password: string | null) => Promise<SourceConnector>;

export class UnknownConnectionError extends Error {
  override readonly name = 'UnknownConnectionError';
  constructor(readonly connection: string) {
    super(`no source connection named "${connection}" on this agent`);
  }
}

export class SourceUnavailableError extends Error {
  override readonly name = 'SourceUnavailableError';
}

export async function openConnection(state: AgentState, secrets: SecretStore, factory: SourceFactory, name: string): Promise<SourceConnector> {
  const settings = state.connection(name);
  if (!settings) throw new UnknownConnectionError(name);
  const password = await secrets.get(settings.passwordAccount);
  return factory(settings, password);
}

const SQL_INDEX = fileURLToPath(new URL('../../connectors/sql/index.ts', import.meta.url));
const SQL_CONNECTOR = fileURLToPath(new URL('../../connectors/sql/sql-source-connector.ts', import.meta.url));

/** Settings the agent stores for a connection: the UI's SourceSettings plus optional SQL details. */
export type ConnectionSettings = SourceSettings & { schema?: string; platform?: string };

type SqlConnectorCtor = new (opts: { connection: Record<string, unknown>; platform?: string }) => SourceConnector;

/** The default factory: the SQL source connector (connectors/sql). */
export const defaultSourceFactory: SourceFactory = async (settings, password) => {
  const file = existsSync(SQL_INDEX) ? SQL_INDEX : existsSync(SQL_CONNECTOR) ? SQL_CONNECTOR : null;
  if (!file) throw new SourceUnavailableError('the SQL source connector (connectors/sql) is not part of this build');
  // A literal import, so the bundled CLI carries the connector (the existence checks above stay for partial builds).
  const mod = (await import('../../connectors/sql/sql-source-connector.ts')) as unknown as { SqlSourceConnector?: SqlConnectorCtor };
  if (typeof mod.SqlSourceConnector !== 'function') throw new SourceUnavailableError(`${path.basename(file)} does not export SqlSourceConnector`);
  const s = settings as ConnectionSettings;
  const dialect = s.type === 'sqlserver' ? 'mssql' : s.type;
  return new mod.SqlSourceConnector({
    connection: { dialect, host: s.host, port: s.port, database: s.database, user: s.user, password: password ?? undefined, ...(s.schema ? { schema: s.schema } : {}) },
    ...(s.platform ? { platform: s.platform } : {}),
  });
};
