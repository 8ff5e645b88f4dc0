/**
 * Opens a migration's source: the one place that turns a migration row into a SourceConnector,
 * for runs, connection tests, discovery and preview alike. Today every source is a registry
 * connector opened with the migration's stored credentials, or, when the config names an agent
 * (config.agentId + config.agentConnection), the agent-backed source: commands through the durable
 * queue, records from the staged batches. The control plane then never dials the customer's database.
 */
import type { SourceConnector } from '../../shared/connector.ts';
import type { EncodedKeyPair } from '../../shared/crypto/index.ts';
import type { Logger } from '../../shared/log/logger.ts';
import { agentSourceConfig, openAgentSource } from '../agent-gateway/agent-source.ts';
import type { CredentialStore } from './credentials/store.ts';
import { withTenant, type Db } from './db.ts';
import type { ConnectorPort } from './ports.ts';

export interface MigrationSourceRow {
  id: string;
  tenant_id: string;
  source_system: string;
  config: Record<string, unknown>;
}

export interface MigrationSourceDeps {
  db: Db;
  connectors: ConnectorPort;
  credentials: CredentialStore;
  /** The control plane's transport key pair: needed to read agent-staged batches. */
  agentTransportKey?: EncodedKeyPair | null;
}

export class AgentSourceUnavailableError extends Error {
  override readonly name = 'AgentSourceUnavailableError';
  constructor() {
    super('this migration is sourced from an agent, but this control-plane process has no transport key to read agent batches (start it with `serve`, or set NEXUS_TRANSPORT_KEY)');
  }
}

export async function openMigrationSource(d: MigrationSourceDeps, m: MigrationSourceRow, logger: Logger): Promise<SourceConnector> {
  const tenantId = m.tenant_id;
  const viaAgent = agentSourceConfig(m.config ?? {});
  if (viaAgent) {
    if (!d.agentTransportKey) throw new AgentSourceUnavailableError();
    return openAgentSource({
      pool: d.db.pool, controlSchema: d.db.schema, transportKey: d.agentTransportKey, tenantId, migrationId: m.id,
      agentId: viaAgent.agentId, connection: viaAgent.connection, sourceSystem: m.source_system, logger,
    });
  }
  const creds = await withTenant(d.db, tenantId, (c) => d.credentials.get(c, { tenantId, ownerKind: 'migration', ownerId: m.id }));
  return d.connectors.create(m.source_system, {
    credentials: creds,
    baseUrl: typeof m.config.baseUrl === 'string' ? m.config.baseUrl : undefined,
    tokenUrl: typeof m.config.tokenUrl === 'string' ? m.config.tokenUrl : undefined,
    logger,
  });
}
