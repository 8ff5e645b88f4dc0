/**
 * Child process for secret-store.test.ts, run inside a keyring session. Reads the secret from
 * stdin, exercises the real keychain store as the agent would (store, read, log, save settings,
 * delete) and prints one JSON line describing what happened, never the secret itself.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../../../shared/log/logger.ts';
import { openSecretStore } from '../open-secret-store.ts';

const dataDir = process.env.NEXUS_AGENT_DATA_DIR;
if (!dataDir) throw new Error('NEXUS_AGENT_DATA_DIR not set');
mkdirSync(join(dataDir, 'logs'), { recursive: true });

const chunks: Buffer[] = [];
for await (const c of process.stdin) chunks.push(c as Buffer);
const secret = Buffer.concat(chunks).toString('utf8');
const account = 'source:default';
const logFile = join(dataDir, 'logs', 'agent.log');
const log = createLogger({ sinks: [(e) => appendFileSync(logFile, JSON.stringify(e) + '\n')] });

const result: Record<string, unknown> = {};
try {
  const store = await openSecretStore();
  await store.set(account, secret);
  const read = await store.get(account);
  result.roundTrip = read === secret;
  result.listed = await store.list();
  // What a careless caller might do; the redactor must catch it because the store registered it.
  log.info(`connected to source with password ${read}`, { dsn: `postgres://sa:${read}@db:5432/x` });
  writeFileSync(join(dataDir, 'settings.json'), JSON.stringify({ source: { type: 'postgres', host: 'db', user: 'sa', passwordAccount: account } }));
  result.deleted = await store.delete(account);
  result.afterDelete = await store.get(account);
  result.deletedAgain = await store.delete(account);
  result.listedAfter = await store.list();
} catch (err) {
  const e = err as Error;
  result.error = { name: e.name, message: e.message };
  log.error('secret store failed', { err: e });
}
process.stdout.write(JSON.stringify(result) + '\n');
