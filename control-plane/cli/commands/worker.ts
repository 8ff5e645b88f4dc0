/**
 * `nexus-migrate worker [--concurrency 2] [--name NAME] [--control-schema S] [--target-schema S]`
 * A run worker on its own: fetches queued runs (dry runs, runs, resumes) from the control
 * database's job queue and executes them; any number of workers on any machines share the work.
 * Needs the database `serve` uses (DATABASE_URL) and the same NEXUS_MASTER_KEY, so it can read the
 * stored source credentials. It reaches agents only through the database, never their sockets.
 * Prints {"ready":true,"worker":…} and runs until SIGINT/SIGTERM, then hands its runs over.
 */
import { existsSync } from 'node:fs';
import { defineCommand } from '../command.ts';
import type { EncodedKeyPair } from '../../../shared/crypto/index.ts';
import { DEFAULT_CONTROL_SCHEMA, DEFAULT_TARGET_SCHEMA, SCHEMA_OPTIONS } from '../engine-options.ts';

async function workerTransportKey(log: import('../../../shared/log/logger.ts').Logger): Promise<EncodedKeyPair | null> {
  const { loadTransportKey, transportKeyFile } = await import('../../agent-gateway/transport-key.ts');
  if (process.env.NEXUS_TRANSPORT_KEY) return loadTransportKey({ env: process.env });
  const file = transportKeyFile(process.env);
  if (existsSync(file)) return loadTransportKey({ env: process.env, file });
  log.warn('no transport key (NEXUS_TRANSPORT_KEY or the key file): this worker cannot run agent-sourced migrations', { file });
  return null;
}

export class WorkerUsageError extends Error {
  override readonly name = 'WorkerUsageError';
}

export const workerCommand = defineCommand({
  name: 'worker',
  summary: 'Run queued migrations (any number of workers share the queue in the control database)',
  options: {
    concurrency: { type: 'string', value: 'N', default: '2', description: 'runs this worker executes at once (1 to 64)' },
    'unit-concurrency': { type: 'string', value: 'N', description: 'units (entities that runs with parallelism > 1 hand out) this worker loads at once (default: --concurrency; 0: none)' },
    name: { type: 'string', value: 'NAME', description: 'the worker\'s name in logs and in the run table (default host:pid)' },
    'metrics-port': { type: 'string', value: 'P', description: 'serve /metrics (Prometheus), /healthz and /readyz on this port (0: any free port); off without it' },
    'metrics-host': { type: 'string', value: 'H', default: '127.0.0.1', description: 'address the metrics listener binds (with --metrics-port)' },
    ...SCHEMA_OPTIONS,
  },
  notes: 'Needs DATABASE_URL (the database serve uses) and the same NEXUS_MASTER_KEY; NEXUS_TRANSPORT_KEY (or serve\'s key file) for agent-sourced migrations. Prints {"ready":true,"worker":…} and runs until SIGINT/SIGTERM, then hands its runs over.',
  async run({ flags }) {
    const [{ createLogger }, { openDatabase }, { migrate }, { keyProviderFromEnv }, { CredentialStore }, { enginePort, registryConnectors }, { WebhookDispatcher }, { startBoss }, { RunWorker }, { pgBudgetStore }, { defaultRateLimiters }] = await Promise.all([
      import('../../../shared/log/logger.ts'), import('../../db/embedded.ts'), import('../../db/migrate.ts'), import('../../api/credentials/key-provider.ts'),
      import('../../api/credentials/store.ts'), import('../../api/engine-port.ts'), import('../../api/webhooks/dispatcher.ts'), import('../../jobs/boss.ts'),
      import('../../jobs/worker.ts'), import('../../jobs/vendor-budget.ts'), import('../../../connectors/sdk/index.ts'),
    ]);
    const log = createLogger({ base: { component: 'worker' } });
    const concurrency = flags.concurrency === undefined ? 2 : Number(flags.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new WorkerUsageError(`--concurrency needs a whole number from 1 to 64, got ${String(flags.concurrency)}`);
    const unitConcurrency = flags['unit-concurrency'] === undefined ? concurrency : Number(flags['unit-concurrency']);
    if (!Number.isInteger(unitConcurrency) || unitConcurrency < 0 || unitConcurrency > 64) throw new WorkerUsageError(`--unit-concurrency needs a whole number from 0 to 64, got ${String(flags['unit-concurrency'])}`);
    if (!process.env.DATABASE_URL) throw new WorkerUsageError('a worker needs DATABASE_URL: the PostgreSQL database that serve uses (the embedded database of a single serve process cannot be shared)');
    if (!process.env.NEXUS_MASTER_KEY) throw new WorkerUsageError('a worker needs NEXUS_MASTER_KEY, the same key serve uses, to read the stored source credentials');
    const controlSchema = typeof flags['control-schema'] === 'string' ? flags['control-schema'] : DEFAULT_CONTROL_SCHEMA;
    const targetSchema = typeof flags['target-schema'] === 'string' ? flags['target-schema'] : DEFAULT_TARGET_SCHEMA;
    const credentials = new CredentialStore(keyProviderFromEnv());
    const name = typeof flags.name === 'string' ? flags.name : undefined;
    const metricsPort = flags['metrics-port'] === undefined ? null : Number(flags['metrics-port']);
    if (metricsPort !== null && (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65535)) throw new WorkerUsageError(`--metrics-port needs a port number (0 to 65535), got ${String(flags['metrics-port'])}`);
    const db = await openDatabase({ log, maxConnections: 4 + concurrency * 3 + unitConcurrency * 3, applicationName: `nexus-migrate worker ${name ?? process.pid}`.slice(0, 63) });
    try {
      await migrate(db.pool, 'control', controlSchema);
      await migrate(db.pool, 'target', targetSchema);
      // A dry run killed mid-way (kill -9) left its shadow schemas: drop those no live dry run holds.
      await (await import('../../engine/shadow-orphans.ts')).dropOrphanedShadows(db.pool, { controlSchema, log });
      const dbRef = { pool: db.pool, schema: controlSchema };
      // Vendor budgets per credential are shared by every worker through the control database.
      defaultRateLimiters.useSharedBudget(pgBudgetStore(db.pool, controlSchema));
      const boss = await startBoss(db.pool, controlSchema, log);
      const webhooks = new WebhookDispatcher(dbRef, credentials, log);
      // Agent-sourced migrations: the worker reads the batches agents staged in the database (it never needs
      // an agent's socket), which takes the control plane's transport key: NEXUS_TRANSPORT_KEY, or serve's key file.
      const agentTransportKey = await workerTransportKey(log);
      const [{ createProcessMetrics }, { startMetricsListener }, { hostname }] = await Promise.all([import('../../metrics/metrics.ts'), import('../../metrics/listener.ts'), import('node:os')]);
      const metricsSources = { pool: db.pool, controlSchema, boss };
      const metrics = createProcessMetrics({ process: 'worker', instance: name ?? `${hostname()}:${process.pid}`, nodeMetrics: true }, metricsSources);
      const worker = new RunWorker({
        db: dbRef, boss, targetSchema, engine: enginePort, connectors: registryConnectors, credentials, webhooks, log, concurrency, unitConcurrency, agentTransportKey,
        name, metrics,
      });
      const listener = metricsPort === null ? null : await startMetricsListener(metrics, metricsSources, { port: metricsPort, host: String(flags['metrics-host'] ?? '127.0.0.1') });
      await worker.start();
      process.stdout.write(JSON.stringify({ ready: true, worker: worker.name, concurrency, unitConcurrency, pid: process.pid, metrics: listener ? `${listener.url}/metrics` : null }) + '\n');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      log.info('worker stopping: handing its runs over');
      await worker.stop();
      log.info('worker handed its runs over');
      await listener?.close();
      await webhooks.idle();
      await boss.stop({ graceful: false, wait: true, close: false }).catch(() => undefined);
      log.info('worker stopped');
      return 0;
    } finally {
      await db.close();
    }
  },
});
