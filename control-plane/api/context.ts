/** Everything a route needs, built once by server.ts. */
import type { EncodedKeyPair } from '../../shared/crypto/index.ts';
import type { Logger } from '../../shared/log/logger.ts';
import type { CredentialStore } from './credentials/store.ts';
import type { Db } from './db.ts';
import type { EventBus } from './events/bus.ts';
import type { AgentGatewayPort, ConnectorPort, EnginePort, ReportPort } from './ports.ts';
import type { Runner } from './runner.ts';
import type { TemplateStore } from './templates.ts';
import type { WebhookDispatcher } from './webhooks/dispatcher.ts';

export interface ApiContext {
  db: Db;
  targetSchema: string;
  credentials: CredentialStore;
  engine: EnginePort;
  connectors: ConnectorPort;
  agents: AgentGatewayPort | null;
  reports: ReportPort;
  runner: Runner;
  bus: EventBus;
  webhooks: WebhookDispatcher;
  templates: TemplateStore;
  log: Logger;
  /** The agents' transport key pair, to read agent-staged batches (null: no agent-sourced migrations here). */
  agentTransportKey: EncodedKeyPair | null;
}
