/**
 * Opens a migration's source: the one place that turns a migration row into a SourceConnector,
 * for runs, connection tests, discovery and preview alike. Today every source is a registry
 * connector opened with the migration's stored credentials, or, when the config names an agent
 * (config.agentId + config.agentConnection), the agent-backed source: commands through the durable
 * queue, records from the staged batches. The control plane then never dials the customer's database.
 *
 * The stored credentials only go where they were entered for: the endpoints are re-read with the
 * credentials, checked against the binding recorded when the credentials were entered, and every
 * request goes through the outbound dispatcher under the vendor policy (documented hosts plus the
 * tenant's admin overrides), so a next-page link or token response naming another host is refused.
 */
import type { SourceConnector } from '../../shared/connector.ts';
import type { EncodedKeyPair } from '../../shared/crypto/index.ts';
import type { Logger } from '../../shared/log/logger.ts';
import { processOutbound, type OutboundDispatcher } from '../../shared/net/outbound.ts';
import { agentSourceConfig, openAgentSource } from '../agent-gateway/agent-source.ts';
import type { CredentialStore } from './credentials/store.ts';
import { withTenant, type Db } from './db.ts';
import { boundEndpointsMatch, CredentialsUnboundError, endpointsOf, overrideOrigins, type EndpointSet } from './endpoints.ts';
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
  /** The server's outbound dispatcher (counted by tests); the process one when absent. */
  outbound?: OutboundDispatcher;
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
  const { config, binding, creds, overrides } = await withTenant(d.db, tenantId, async (c) => {
    const { rows } = await c.query<{ config: Record<string, unknown>; credential_endpoints: EndpointSet | null }>(
      'SELECT config, credential_endpoints FROM migrations WHERE id = $1', [m.id]);
    return {
      config: rows[0]?.config ?? m.config,
      binding: rows[0]?.credential_endpoints ?? null,
      creds: await d.credentials.get(c, { tenantId, ownerKind: 'migration', ownerId: m.id }),
      overrides: await overrideOrigins(c, m.source_system),
    };
  });
  // Rows from before the binding existed have none; the dispatcher still keeps them at the vendor's hosts.
  if (Object.keys(creds).length > 0 && binding && !boundEndpointsMatch(endpointsOf(config, creds), binding)) throw new CredentialsUnboundError();
  const outbound = d.outbound ?? processOutbound;
  return d.connectors.create(m.source_system, {
    credentials: creds,
    baseUrl: typeof config.baseUrl === 'string' ? config.baseUrl : undefined,
    tokenUrl: typeof config.tokenUrl === 'string' ? config.tokenUrl : undefined,
    logger,
    fetch: outbound.fetchFor({ kind: 'vendor', vendor: m.source_system, overrideOrigins: overrides }),
  });
}
