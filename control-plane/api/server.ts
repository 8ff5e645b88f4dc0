/**
 * The control plane HTTP server: API v1, OpenAPI at /docs, live events, the web console, and
 * (through serve.ts) the agent gateway on the same http server.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type pg from 'pg';
import { createLogger, type Logger } from '../../shared/log/logger.ts';
import { installAuth } from './auth/hook.ts';
import type { ApiContext } from './context.ts';
import { CredentialStore } from './credentials/store.ts';
import type { KeyProvider } from './credentials/key-provider.ts';
import { enginePort, registryConnectors, reportPort } from './engine-port.ts';
import { EventBus } from './events/bus.ts';
import { installErrorHandler, installZod, zodToOpenApi } from './http.ts';
import type { AgentGatewayPort, ConnectorPort, EnginePort, ReportPort } from './ports.ts';
import { agentRoutes } from './routes/agents.ts';
import { agentSourceRoutes } from './routes/agent-sources.ts';
import { authRoutes } from './routes/auth.ts';
import { connectorRoutes } from './routes/connectors.ts';
import { endpointOverrideRoutes } from './routes/endpoint-overrides.ts';
import { eventRoutes } from './routes/events.ts';
import { logsReportRoutes } from './routes/logs-report.ts';
import { migrationRoutes } from './routes/migrations.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { startBoss } from '../jobs/boss.ts';
import { pgBudgetStore } from '../jobs/vendor-budget.ts';
import { defaultRateLimiters } from '../../connectors/sdk/index.ts';
import { listenLiveEvents, poolConnectionConfig } from '../jobs/live-events.ts';
import { RunQueue } from '../jobs/run-queue.ts';
import { RunWorker } from '../jobs/worker.ts';
import { quarantineRoutes } from './routes/quarantine.ts';
import { TemplateStore } from './templates.ts';
import { WebhookDispatcher, type DispatcherOptions } from './webhooks/dispatcher.ts';
import { OutboundDispatcher } from '../../shared/net/outbound.ts';
import { hostname } from 'node:os';
import { createProcessMetrics, readiness } from '../metrics/metrics.ts';

export const CONSOLE_DIST = fileURLToPath(new URL('../console/dist/', import.meta.url));

export interface ServerOptions {
  pool: pg.Pool;
  controlSchema: string;
  targetSchema: string;
  keys: KeyProvider;
  engine?: EnginePort;
  connectors?: ConnectorPort;
  agents?: AgentGatewayPort | null;
  /** Attach the agent gateway to the API's own http server (serve.ts passes attachAgentGateway here). */
  attachAgents?: (server: import('node:http').Server) => AgentGatewayPort & { stop?(): Promise<void> | void };
  reports?: ReportPort;
  logger?: Logger;
  /** Largest accepted request body in bytes (default 1 MiB); larger → 413. */
  bodyLimit?: number;
  loginRateLimit?: number;
  secureCookies?: boolean;
  trustProxy?: boolean;
  webhooks?: DispatcherOptions;
  /** The agents' transport key pair: agent-sourced migrations read their staged batches with it. */
  agentTransportKey?: import('../../shared/crypto/index.ts').EncodedKeyPair | null;
  /** Serve the built console from this folder (default control-plane/console/dist when it exists). */
  consoleDir?: string | null;
  /** Keep vendor request budgets in the control database, shared with every worker (serve and worker set it). */
  sharedVendorBudget?: boolean;
  /** Run a run worker in this process too (default true; `serve --no-worker` passes false). */
  worker?: boolean | { concurrency?: number; name?: string };
  /** Node's own process metrics on /metrics too (serve sets it). */
  nodeMetrics?: boolean;
}

/** One registered route and the permission it declares ('public' or none for non-API routes). */
export interface RouteEntry { method: string; url: string; permission: string | null }

export interface ControlPlaneServer {
  app: FastifyInstance;
  /** Every route this server registered (the security suite checks each against its policy table). */
  routes: readonly RouteEntry[];
  ctx: ApiContext;
  /** The in-process run worker, when there is one. */
  worker: RunWorker | null;
  /** Wait until the in-process worker runs nothing and every webhook is delivered. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export async function buildServer(o: ServerOptions): Promise<ControlPlaneServer> {
  const log = o.logger ?? createLogger();
  const db = { pool: o.pool, schema: o.controlSchema };
  const credentials = new CredentialStore(o.keys);
  const bus = new EventBus();
  const connectors = o.connectors ?? registryConnectors;
  const engine = o.engine ?? enginePort;
  // One dispatcher for everything this server sends: connector requests (vendor policy) and webhooks.
  const outbound = o.webhooks?.outbound ?? new OutboundDispatcher({ allowPrivateWebhooks: o.webhooks?.allowPrivate });
  const webhooks = new WebhookDispatcher(db, credentials, log, { ...o.webhooks, outbound });
  if (o.sharedVendorBudget) defaultRateLimiters.useSharedBudget(pgBudgetStore(o.pool, o.controlSchema));
  const boss = await startBoss(o.pool, o.controlSchema, log);
  const agentTransportKey = o.agentTransportKey ?? null;
  const runner = new RunQueue(db, boss, log);
  const stopListening = listenLiveEvents(poolConnectionConfig(o.pool), o.controlSchema, bus, log);
  const workerOpts = o.worker === undefined || o.worker === true ? {} : o.worker || null;
  const metrics = createProcessMetrics({ process: 'serve', instance: workerOpts?.name ?? `${hostname()}:${process.pid}`, nodeMetrics: o.nodeMetrics }, { pool: o.pool, controlSchema: o.controlSchema, boss });
  const worker = workerOpts
    ? new RunWorker({ db, boss, targetSchema: o.targetSchema, engine, connectors, credentials, outbound, webhooks, log, agentTransportKey, metrics, ...workerOpts })
    : null;
  runner.localWorker = worker;
  await worker?.start();
  const ctx: ApiContext = {
    db, targetSchema: o.targetSchema, credentials, outbound, engine, connectors, agents: o.agents ?? null, reports: o.reports ?? reportPort,
    runner, bus, webhooks, templates: new TemplateStore(connectors), log, agentTransportKey,
  };

  const app = Fastify({ logger: false, bodyLimit: o.bodyLimit ?? 1024 * 1024, trustProxy: o.trustProxy ?? false });
  const routes: RouteEntry[] = [];
  app.addHook('onRoute', (r) => {
    const permission = (r.config as { permission?: string } | undefined)?.permission ?? null;
    // An API route with no declared permission is a programming error: refuse to start, not 500 per request.
    if (r.url.startsWith('/api/') && !permission) throw new Error(`route ${String(r.method)} ${r.url} declares no permission`);
    for (const method of [r.method].flat()) routes.push({ method: String(method), url: r.url, permission });
  });
  installZod(app);
  installErrorHandler(app, log);
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
  });
  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, { global: false });
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'nexus-migrate control plane', version: '1.0.0' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' }, session: { type: 'apiKey', in: 'cookie', name: 'nexus_session' } } },
      security: [{ apiKey: [] }, { session: [] }],
    },
    transform: zodToOpenApi as never,
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    transformStaticCSP: (h) => h.replace("style-src 'self' https:", "style-src 'self' https: 'unsafe-inline'"),
  });
  installAuth(app, db);

  const dir = o.consoleDir === undefined ? (existsSync(CONSOLE_DIST) ? CONSOLE_DIST : null) : o.consoleDir;
  if (dir) await app.register(fastifyStatic, { root: dir, prefix: '/', index: ['index.html'], wildcard: false });

  authRoutes(app, ctx, { loginRateLimit: o.loginRateLimit ?? 10, secureCookies: o.secureCookies ?? false });
  migrationRoutes(app, ctx);
  logsReportRoutes(app, ctx);
  quarantineRoutes(app, ctx);
  connectorRoutes(app, ctx);
  endpointOverrideRoutes(app, ctx);
  agentRoutes(app, ctx);
  agentSourceRoutes(app, ctx);
  webhookRoutes(app, ctx);
  eventRoutes(app, ctx);
  app.get('/healthz', { config: { permission: 'public' }, schema: { hide: true } }, async () => ({ ok: true }));
  // Operations (control-plane/metrics): Prometheus text and readiness; no tenant appears in either.
  app.get('/readyz', { config: { permission: 'public' }, schema: { hide: true } }, async (_req, reply) => {
    const r = await readiness({ pool: o.pool, controlSchema: o.controlSchema, boss });
    return reply.code(r.ready ? 200 : 503).send(r);
  });
  app.get('/metrics', { config: { permission: 'public' }, schema: { hide: true } }, async (_req, reply) => reply.type(metrics.contentType).send(await metrics.text()));

  let detachAgents: (() => Promise<void> | void) | undefined;
  if (o.attachAgents) {
    const port = o.attachAgents(app.server);
    ctx.agents = port;
    detachAgents = () => port.stop?.();
  }
  const offAgents = ctx.agents?.onStatus?.((e) => bus.publish(e.tenantId, { type: 'agent', agentId: e.agentId, online: e.online, version: e.version ?? null }));

  return {
    app,
    routes,
    ctx,
    worker,
    async idle() {
      await worker?.idle();
      await webhooks.idle();
    },
    async close() {
      offAgents?.();
      // Runs in this process are handed over: another worker (or this one, restarted) resumes them.
      await worker?.stop();
      await detachAgents?.();
      await app.close();
      await webhooks.idle();
      await stopListening();
      await boss.stop({ graceful: false, wait: true, close: false }).catch(() => undefined);
    },
  };
}
