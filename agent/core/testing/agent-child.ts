/**
 * Test support: the agent as its own OS process (what `nexus-migrate agent start --headless`
 * runs), with the real OS keychain under a per-test service name. Env: AGENT_DATA_DIR, KEYCHAIN_SERVICE,
 * SOURCE_FACTORY (sql | test table source), SOURCE_SCHEMA, SOURCE_TABLES (comma list), SOURCE_DELAY_MS,
 * CONNECTION (JSON ConnectionSettings),
 * AGENT_CONFIG (JSON), and ENROLL_URL + ENROLL_TOKEN for the first start.
 * Reports {ready, agentId} over IPC once connected.
 */
import { createSecretStore } from '../../secrets/secret-store.ts';
import { Agent } from '../agent.ts';
import { defaultSourceFactory, type ConnectionSettings } from '../sources.ts';
import { loadKeychainBackend } from '../../secrets/keychain-backend.ts';
import { pgTableSourceFactory } from './pg-table-source.ts';

const env = process.env;
const agent = new Agent({
  dataDir: env.AGENT_DATA_DIR!,
  secrets: createSecretStore(await loadKeychainBackend(), env.KEYCHAIN_SERVICE),
  config: JSON.parse(env.AGENT_CONFIG ?? '{}') as Record<string, unknown>,
  // SOURCE_FACTORY=sql: the real SQL source connector (connection settings carry schema/platform).
  sourceFactory:
    env.SOURCE_FACTORY === 'sql'
      ? defaultSourceFactory
      : pgTableSourceFactory({ schema: env.SOURCE_SCHEMA!, tables: env.SOURCE_TABLES!.split(','), delayMs: Number(env.SOURCE_DELAY_MS ?? 0) }),
});
agent.state.saveConnection('src', JSON.parse(env.CONNECTION!) as ConnectionSettings);
if (agent.state.identity()) await agent.start();
else await agent.enroll(env.ENROLL_URL!, env.ENROLL_TOKEN!);
process.send?.({ ready: true, agentId: agent.state.identity()!.agentId });

let stopping = false;
const shutdown = (): void => {
  if (stopping) return;
  stopping = true;
  void agent.stop().finally(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('disconnect', shutdown);
