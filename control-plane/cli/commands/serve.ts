/**
 * `nexus-migrate serve [--port 8080] [--host 127.0.0.1] [--control-schema nexus_migrate]
 *   [--target-schema logic_nexus] [--bootstrap-admin email] [--insecure-dev-key] [--secure-cookies] [--trust-proxy] [--no-worker]`
 * Runs a run worker in the same process unless --no-worker (then `nexus-migrate worker` processes run the queue).
 * Use --secure-cookies behind HTTPS (the session cookie then carries Secure).
 * Starts the control plane: API v1 + /docs, the web console (built on first start), and the agent
 * gateway on the same port. Prints one JSON line {"ready":true,"url":…} and serves until SIGINT/SIGTERM.
 * Schemas default to those of `run`/`report`/`rollback` (NEXUS_CONTROL_SCHEMA, NEXUS_TARGET_SCHEMA),
 * so the CLI and the served API see the same runs.
 * NEXUS_MASTER_KEY (32 bytes, base64/hex) encrypts stored credentials; NEXUS_TRANSPORT_KEY
 * (JSON {publicKey, privateKey}) is the agents' transport key pair, else the 0600 key file
 * NEXUS_TRANSPORT_KEY_FILE (default $NEXUS_DATA_DIR/transport-key.json), created on first start,
 * so staged agent batches and in-flight jobs still decrypt after a restart.
 */
import { randomBytes } from 'node:crypto';
import { defineCommand } from '../command.ts';
import { createLogger } from '../../../shared/log/logger.ts';
import { DEFAULT_CONTROL_SCHEMA, DEFAULT_TARGET_SCHEMA } from '../engine-options.ts';
import { identifierFlag } from '../validate.ts';
import type { LocalKeyProvider } from '../../api/credentials/key-provider.ts';

export class ServeUsageError extends Error {
  override readonly name = 'ServeUsageError';
}


export const serveCommand = defineCommand({
  name: 'serve',
  summary: 'Run the control plane (API, web console, agent gateway)',
  options: {
    port: { type: 'string', value: 'P', default: '8080', description: 'HTTP port (0: any free port)' },
    host: { type: 'string', value: 'H', default: '127.0.0.1', description: 'address to listen on' },
    'control-schema': { type: 'string', value: 'S', description: 'control schema (NEXUS_CONTROL_SCHEMA, else nexus_migrate)' },
    'target-schema': { type: 'string', value: 'S', description: 'Logic Nexus target schema (NEXUS_TARGET_SCHEMA, else logic_nexus)' },
    'bootstrap-admin': { type: 'string', value: 'EMAIL', description: 'create this first admin and print its API key' },
    'insecure-dev-key': { type: 'boolean', description: 'a throwaway master key when NEXUS_MASTER_KEY is not set (development only)' },
    'secure-cookies': { type: 'boolean', description: 'the session cookie carries Secure (behind HTTPS)' },
    'trust-proxy': { type: 'boolean', description: 'trust X-Forwarded-* from a reverse proxy' },
    'no-worker': { type: 'boolean', description: 'run no run worker in this process (then `nexus-migrate worker` processes run the queued runs)' },
  },
  notes: 'Prints one JSON line {"ready":true,"url":…} and serves until SIGINT/SIGTERM. NEXUS_MASTER_KEY (32 bytes, base64/hex) encrypts stored credentials.',
  async run({ flags }) {
    const [{ openDatabase }, { migrate }, { attachAgentGateway }, { agentGatewayPort }, { bootstrapAdmin }, { LocalKeyProvider, keyProviderFromEnv }, { buildServer }, { ensureConsoleBuilt }] = await Promise.all([
      import('../../db/embedded.ts'), import('../../db/migrate.ts'), import('../../agent-gateway/gateway.ts'), import('../../api/agent-adapter.ts'),
      import('../../api/bootstrap.ts'), import('../../api/credentials/key-provider.ts'), import('../../api/server.ts'), import('../../console/build.ts'),
    ]);
    const [{ anchorHeads }, { serveTransportKey }] = await Promise.all([import('../../audit/anchor.ts'), import('../../agent-gateway/serve-transport-key.ts')]);
    const log = createLogger({ base: { component: 'serve' } });
    const port = Number(flags.port ?? 8080);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ServeUsageError(`--port needs a port number, got ${String(flags.port)}`);
    const host = typeof flags.host === 'string' ? flags.host : '127.0.0.1';
    const controlSchema = identifierFlag(flags, 'control-schema', DEFAULT_CONTROL_SCHEMA);
    const targetSchema = identifierFlag(flags, 'target-schema', DEFAULT_TARGET_SCHEMA);

    let keys: LocalKeyProvider;
    if (process.env.NEXUS_MASTER_KEY) keys = keyProviderFromEnv();
    else if (flags['insecure-dev-key']) {
      log.warn('NEXUS_MASTER_KEY is not set: using a throwaway master key; stored credentials will not decrypt after a restart');
      keys = new LocalKeyProvider(randomBytes(32));
    } else throw new ServeUsageError('set NEXUS_MASTER_KEY (32 bytes, base64 or hex) or pass --insecure-dev-key for a throwaway one');

    const transportKey = serveTransportKey(log);

    // The API, the agent gateway and its worker (2 runs + 2 units at once, two connections each).
    const db = await openDatabase({ log, maxConnections: 24, applicationName: 'nexus-migrate serve' });
    try {
      await migrate(db.pool, 'control', controlSchema);
      await migrate(db.pool, 'target', targetSchema);
      // A dry run killed mid-way (kill -9) left its shadow schemas: drop those no live dry run holds.
      await (await import('../../engine/shadow-orphans.ts')).dropOrphanedShadows(db.pool, { controlSchema, log });
      const consoleDir = await ensureConsoleBuilt();
      const server = await buildServer({
        pool: db.pool, controlSchema, targetSchema, keys, logger: log, consoleDir, agentTransportKey: transportKey, secureCookies: flags['secure-cookies'] === true, trustProxy: flags['trust-proxy'] === true,
        worker: flags['no-worker'] === true ? false : { concurrency: 2 }, sharedVendorBudget: true, nodeMetrics: true,
        attachAgents: (http) => agentGatewayPort(attachAgentGateway(http, { pool: db.pool, controlSchema, transportKey, logger: log }), db.pool, controlSchema),
      });
      const boot = typeof flags['bootstrap-admin'] === 'string' ? await bootstrapAdmin({ pool: db.pool, schema: controlSchema }, flags['bootstrap-admin'], undefined, { targetSchema }) : null;
      const address = await server.app.listen({ port, host });
      // Sign the audit chains' heads outside the database now and then (control-plane/audit/anchor.ts).
      const anchorEvery = Number(process.env.NEXUS_AUDIT_ANCHOR_INTERVAL_S ?? 300) * 1000;
      const anchorTimer = setInterval(() => {
        anchorHeads(db.pool, controlSchema).catch((err: unknown) => log.warn('audit anchor failed', { error: (err as Error).message }));
      }, Math.max(1000, anchorEvery));
      anchorTimer.unref();
      process.stdout.write(JSON.stringify({ ready: true, url: address, docs: `${address}/docs`, agentGateway: `${address.replace(/^http/, 'ws')}/agent/ws`, worker: server.worker?.name ?? null, ...(boot ? { bootstrap: boot } : {}) }) + '\n');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      clearInterval(anchorTimer);
      await server.close();
      return 0;
    } finally {
      await db.close();
    }
  },
});
