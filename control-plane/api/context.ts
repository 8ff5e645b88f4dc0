/** Everything a route needs, built once by server.ts. */
import type { EncodedKeyPair } from '../../shared/crypto/index.ts';
import type { Logger } from '../../shared/log/logger.ts';
import type { OutboundDispatcher } from '../../shared/net/outbound.ts';
import type { CredentialStore } from './credentials/store.ts';
import type { Db } from './db.ts';
import type { EventBus } from './events/bus.ts';
import type { AgentGatewayPort, ConnectorPort, EnginePort, ReportPort } from './ports.ts';
import type { RunQueue } from '../jobs/run-queue.ts';
import type { TemplateStore } from './templates.ts';
import type { WebhookDispatcher } from './webhooks/dispatcher.ts';

export interface ApiContext {
  db: Db;
  targetSchema: string;
  credentials: CredentialStore;
  /** The one outbound dispatcher of this server: connector requests and webhook deliveries. */
  outbound: OutboundDispatcher;
  engine: EnginePort;
  connectors: ConnectorPort;
  agents: AgentGatewayPort | null;
  reports: ReportPort;
  runner: RunQueue;
  bus: EventBus;
  webhooks: WebhookDispatcher;
  templates: TemplateStore;
  log: Logger;
  /** The agents' transport key pair, to read agent-staged batches (null: no agent-sourced migrations here). */
  agentTransportKey: EncodedKeyPair | null;
}
