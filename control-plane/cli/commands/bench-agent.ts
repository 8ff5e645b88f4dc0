/**
 * `bench --via agent`: a real PostgreSQL source (CargoWise-shaped sample database) → agent process →
 * WebSocket → control-plane process → runMigration (COPY), then psql \\copy of the same final rows.
 * The agent keeps its source password in the OS keychain: outside a desktop session this re-runs
 * itself inside a throwaway gnome-keyring session (test/with-keyring.mjs).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { measureCopyBaseline } from '../../bench/copy-baseline.ts';

import type { Flags } from '../command.ts';

async function tablesWithRows(url: string, schema: string): Promise<string[]> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    const out: string[] = [];
    const { rows } = await pool.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'
         AND table_name NOT IN ('nexus_schema_migrations', 'tenants', 'franchises', 'users')`,
      [schema],
    );
    for (const r of rows) {
      const c = await pool.query(`SELECT 1 FROM "${schema}"."${r.table_name}" LIMIT 1`);
      if (c.rows.length) out.push(r.table_name);
    }
    return out;
  } finally {
    await pool.end();
  }
}

export async function benchViaAgentCli(records: number, flags: Flags): Promise<number> {
  if (!process.env.DBUS_SESSION_BUS_ADDRESS && process.env.NEXUS_KEYRING_SESSION !== '1') {
    const wrapper = fileURLToPath(new URL('../../../test/with-keyring.mjs', import.meta.url));
    const bin = fileURLToPath(new URL('../../../bin/nexus-migrate.mjs', import.meta.url));
    return new Promise((resolve) => {
      const extra = flags.workers !== undefined ? ['--workers', String(flags.workers)] : [];
      const child = spawn(process.execPath, [wrapper, process.execPath, bin, 'bench', '--via', 'agent', '--records', String(records), ...extra], { stdio: 'inherit' });
      child.on('exit', (code) => resolve(code ?? 1));
    });
  }
  if (flags.workers !== undefined) return benchThroughProcesses(records, flags);
  const { benchViaAgent } = await import('../../../agent/bench.ts');
  let copySeconds = NaN;
  process.stderr.write(`bench --via agent: ${records.toLocaleString()} CargoWise-shaped rows: PostgreSQL source → agent → WebSocket → control plane → COPY\n`);
  const r = await benchViaAgent({
    records,
    databaseUrl: process.env.DATABASE_URL,
    batchSize: flags['batch-size'] ? Number(flags['batch-size']) : undefined,
    afterLoad: async (url, targetSchema) => {
      copySeconds = await measureCopyBaseline({ url, sourceSchema: targetSchema, tables: await tablesWithRows(url, targetSchema) });
    },
  });
  const ratio = r.seconds / copySeconds;
  process.stdout.write(`agent path: ${r.loaded} rows loaded in ${r.seconds.toFixed(2)} s; psql \\copy of the same rows: ${copySeconds.toFixed(2)} s\n`);
  process.stdout.write(`RESULT records=${r.records} seconds=${r.seconds.toFixed(2)} copy_seconds=${copySeconds.toFixed(2)} ratio=${ratio.toFixed(2)} agent_rss_mb=${r.agentRssMb} cp_rss_mb=${r.cpRssMb}\n`);
  return 0;
}

/** `--workers N`: the real serve + N workers + enrolled agent, driven through the API (agent/bench-procs.ts). */
async function benchThroughProcesses(records: number, flags: Flags): Promise<number> {
  const workers = Number(flags.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 8) throw new Error(`--workers needs a whole number from 1 to 8, got ${String(flags.workers)}`);
  const { benchViaAgentProcesses } = await import('../../../agent/bench-procs.ts');
  let copySeconds = NaN;
  process.stderr.write(`bench --via agent --workers ${workers}: ${records.toLocaleString()} CargoWise-shaped rows: PostgreSQL source → agent start --headless → serve → ${workers} worker(s) → COPY\n`);
  const r = await benchViaAgentProcesses({
    records, workers, databaseUrl: process.env.DATABASE_URL, batchSize: flags['batch-size'] ? Number(flags['batch-size']) : undefined,
    afterLoad: async (url, targetSchema) => {
      copySeconds = await measureCopyBaseline({ url, sourceSchema: targetSchema, tables: await tablesWithRows(url, targetSchema) });
    },
  });
  const ratio = r.seconds / copySeconds;
  process.stdout.write(`agent journey: ${r.loaded} rows loaded in ${r.seconds.toFixed(2)} s (dry run before it: ${r.dryRunSeconds} s); psql \\copy of the same rows: ${copySeconds.toFixed(2)} s\n`);
  process.stdout.write(`peak RSS per process (MB): ${JSON.stringify(r.perProcessRssMb)}\n`);
  process.stdout.write(`RESULT records=${r.records} seconds=${r.seconds.toFixed(2)} copy_seconds=${copySeconds.toFixed(2)} ratio=${ratio.toFixed(2)} agent_rss_mb=${r.agentRssMb} cp_rss_mb=${r.cpRssMb} workers=${workers}\n`);
  return 0;
}
