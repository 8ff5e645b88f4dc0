/**
 * Opens a migration's source: the one place that turns a migration row into a SourceConnector,
 * for runs, connection tests, discovery and preview alike. Today every source is a registry
 * connector opened with the migration's stored credentials; agent-sourced migrations plug in here.
 */
import type { SourceConnector } from '../../shared/connector.ts';
import type { Logger } from '../../shared/log/logger.ts';
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
}

export async function openMigrationSource(d: MigrationSourceDeps, m: MigrationSourceRow, logger: Logger): Promise<SourceConnector> {
  const tenantId = m.tenant_id;
  const creds = await withTenant(d.db, tenantId, (c) => d.credentials.get(c, { tenantId, ownerKind: 'migration', ownerId: m.id }));
  return d.connectors.create(m.source_system, {
    credentials: creds,
    baseUrl: typeof m.config.baseUrl === 'string' ? m.config.baseUrl : undefined,
    tokenUrl: typeof m.config.tokenUrl === 'string' ? m.config.tokenUrl : undefined,
    logger,
  });
}
