/**
 * `nexus-migrate serve [--port 8080] [--host 127.0.0.1] [--control-schema nexus_control]
 *   [--target-schema public] [--bootstrap-admin email] [--insecure-dev-key] [--secure-cookies] [--trust-proxy]`
 * Use --secure-cookies behind HTTPS (the session cookie then carries Secure).
 * Starts the control plane: API v1 + /docs, the web console (built on first start), and the agent
 * gateway on the same port. Prints one JSON line {"ready":true,"url":…} and serves until SIGINT/SIGTERM.
 * NEXUS_MASTER_KEY (32 bytes, base64/hex) encrypts stored credentials; NEXUS_TRANSPORT_KEY
 * (JSON {publicKey, privateKey}) is the agents' transport key pair.
 */
import { randomBytes } from 'node:crypto';
import { parseFlags, type Command } from '../command.ts';
import { createLogger } from '../../../shared/log/logger.ts';
import { generateTransportKeyPair, type EncodedKeyPair } from '../../../shared/crypto/index.ts';
import { openDatabase } from '../../db/embedded.ts';
import { migrate } from '../../db/migrate.ts';
import { attachAgentGateway } from '../../agent-gateway/gateway.ts';
import { agentGatewayPort } from '../../api/agent-adapter.ts';
import { bootstrapAdmin } from '../../api/bootstrap.ts';
import { LocalKeyProvider, keyProviderFromEnv } from '../../api/credentials/key-provider.ts';
import { buildServer } from '../../api/server.ts';
import { ensureConsoleBuilt } from '../../console/build.ts';

export class ServeUsageError extends Error {
  override readonly name = 'ServeUsageError';
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run the control plane (API, web console, agent gateway)',
  usage: 'serve [--port 8080] [--host 127.0.0.1] [--control-schema nexus_control] [--target-schema public] [--bootstrap-admin email] [--insecure-dev-key] [--secure-cookies] [--trust-proxy]',
  async run(args) {
    const { flags } = parseFlags(args);
    const log = createLogger({ base: { component: 'serve' } });
    const port = Number(flags.port ?? 8080);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ServeUsageError(`--port needs a port number, got ${String(flags.port)}`);
    const host = typeof flags.host === 'string' ? flags.host : '127.0.0.1';
    const controlSchema = typeof flags['control-schema'] === 'string' ? flags['control-schema'] : 'nexus_control';
    const targetSchema = typeof flags['target-schema'] === 'string' ? flags['target-schema'] : 'public';

    let keys: LocalKeyProvider;
    if (process.env.NEXUS_MASTER_KEY) keys = keyProviderFromEnv();
    else if (flags['insecure-dev-key']) {
      log.warn('NEXUS_MASTER_KEY is not set: using a throwaway master key; stored credentials will not decrypt after a restart');
      keys = new LocalKeyProvider(randomBytes(32));
    } else throw new ServeUsageError('set NEXUS_MASTER_KEY (32 bytes, base64 or hex) or pass --insecure-dev-key for a throwaway one');

    let transportKey: EncodedKeyPair;
    if (process.env.NEXUS_TRANSPORT_KEY) transportKey = JSON.parse(process.env.NEXUS_TRANSPORT_KEY) as EncodedKeyPair;
    else {
      log.warn('NEXUS_TRANSPORT_KEY is not set: generated a transport key pair for this process only');
      transportKey = generateTransportKeyPair();
    }

    const db = await openDatabase({ log });
    try {
      await migrate(db.pool, 'control', controlSchema);
      await migrate(db.pool, 'target', targetSchema);
      const consoleDir = await ensureConsoleBuilt();
      const server = await buildServer({
        pool: db.pool, controlSchema, targetSchema, keys, logger: log, consoleDir, secureCookies: flags['secure-cookies'] === true, trustProxy: flags['trust-proxy'] === true,
        attachAgents: (http) => agentGatewayPort(attachAgentGateway(http, { pool: db.pool, controlSchema, transportKey, logger: log }), db.pool, controlSchema),
      });
      const boot = typeof flags['bootstrap-admin'] === 'string' ? await bootstrapAdmin({ pool: db.pool, schema: controlSchema }, flags['bootstrap-admin']) : null;
      const address = await server.app.listen({ port, host });
      process.stdout.write(JSON.stringify({ ready: true, url: address, docs: `${address}/docs`, agentGateway: `${address.replace(/^http/, 'ws')}/agent/ws`, ...(boot ? { bootstrap: boot } : {}) }) + '\n');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.close();
      return 0;
    } finally {
      await db.close();
    }
  },
};
