/** A migration in its own process, so a test can kill -9 it at any instant. Configured by env. */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { runMigration } from '../run.ts';
import { MemorySource } from '../../../test/support/memory-source.ts';
import { crmData } from './crm-data.ts';

const env = process.env;
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 4 });
const data = crmData(Number(env.RECORDS));
runMigration({
  pool, source: new MemorySource('testcrm', data, Number(env.DELAY_MS ?? 0)),
  mappingYaml: readFileSync(new URL('./crm-mapping.yaml', import.meta.url), 'utf8'), vars: { FRANCHISE_ID: env.FRANCHISE_ID! },
  tenantId: env.TENANT_ID!, targetSchema: env.TARGET_SCHEMA!, controlSchema: env.CONTROL_SCHEMA!, mode: 'run', batchSize: Number(env.BATCH ?? 20), runKey: env.RUN_KEY,
}).then(
  async (r) => {
    process.stdout.write(JSON.stringify({ done: true, runId: r.runId, totals: r.totals }) + '\n');
    await pool.end();
  },
  async (err: unknown) => {
    process.stderr.write(String(err) + '\n');
    await pool.end();
    process.exitCode = 1;
  },
);
