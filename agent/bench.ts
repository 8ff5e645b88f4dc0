/**
 * Benchmark through the agent: source database → agent process → WebSocket → control-plane
 * process (gateway, staging, runMigration) → Logic Nexus. Reports wall time (start_job to
 * run completed) and the peak RSS (VmHWM) of both processes.
 *
 * Sources: 'cargowise' (default) — the SQL engineer's CargoWise sample database, read by the real
 * SqlSourceConnector and loaded with connectors/cargowise/mapping.yaml; 'org-table' — one
 * OrgHeader-shaped table read by the test table source (no dependency on connectors/sql).
 *
 *   npx tsx agent/bench.ts --records 100000 [--source org-table] [--no-engine]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { migrate } from '../control-plane/db/migrate.ts';
import { quoteIdent } from '../control-plane/db/sql/ident.ts';
import { generateTransportKeyPair } from '../shared/crypto/index.ts';
import { uuidv5 } from '../shared/ids.ts';
import { createSecretStore } from './secrets/secret-store.ts';
import { loadKeychainBackend } from './secrets/keychain-backend.ts';
import { createOrgTable, ORG_MAPPING_FILE, prepareTarget, TENANT, until } from './core/testing/harness.ts';
import { forkChild, freePort, killHard, type Child } from './core/testing/processes.ts';

export interface AgentBenchResult {
  records: number;
  seconds: number;
  agentRssMb: number;
  cpRssMb: number;
  /** Records the engine loaded (created+updated+unchanged), or staged when engine is false. */
  loaded: number;
  source: 'cargowise' | 'org-table';
}

export interface AgentBenchOptions {
  records: number;
  databaseUrl?: string;
  batchSize?: number;
  source?: 'cargowise' | 'org-table';
  /** false: stop once the batches are staged (no runMigration). */
  engine?: boolean;
  /**
   * V8 old-space cap for the agent process (--max-old-space-size), as the agent's service unit or
   * Electron shell sets it (default 160). Without a cap V8 lets garbage pile up lazily (≈230 MB RSS
   * at 100k CargoWise rows against ≈165 MB with it, at the same speed).
   */
  agentHeapMb?: number;
  /** Called once the run has loaded, before anything is dropped (the CLI measures psql \copy here). */
  afterLoad?: (url: string, targetSchema: string) => Promise<void>;
}

const CARGOWISE_MAPPING = new URL('../connectors/cargowise/mapping.yaml', import.meta.url);

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

export async function benchViaAgent(opts: AgentBenchOptions): Promise<AgentBenchResult> {
  const url = opts.databaseUrl ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const source = opts.source ?? 'cargowise';
  const batchSize = opts.batchSize ?? 5000;
  const suffix = randomBytes(4).toString('hex');
  const schemas = { source: `agentbench_src_${suffix}`, gateway: `agentbench_cp_${suffix}`, target: `agentbench_tgt_${suffix}`, engine: `agentbench_ctl_${suffix}` };
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const work = mkdtempSync(path.join(tmpdir(), 'nexus-agent-bench-'));
  const children: Child[] = [];
  const cleanup: (() => Promise<void>)[] = [];
  const transportKey = generateTransportKeyPair();
  const franchiseId = uuidv5(`franchise:${TENANT}`);
  try {
    await migrate(pool, 'control', schemas.gateway);
    await migrate(pool, 'control', schemas.engine);
    await prepareTarget(pool, schemas.target);
    await pool.query(`INSERT INTO ${quoteIdent(schemas.target)}.franchises (id, tenant_id, name) VALUES ($1, $2, 'HQ')`, [franchiseId, TENANT]);
    await pool.query(`CREATE SCHEMA ${quoteIdent(schemas.source)}`);
    if (source === 'cargowise') {
      const { createSampleDatabase } = await import('../connectors/sql/sample/load.ts');
      await createSampleDatabase({ platform: 'cargowise', dialect: 'postgres', url, rows: opts.records, seed: 1, schema: schemas.source });
    } else await createOrgTable(pool, schemas.source, 'org_header', opts.records);

    const port = await freePort();
    const cp = forkChild('control-plane/agent-gateway/testing/cp-child.ts', {
      DATABASE_URL: url, CONTROL_SCHEMA: schemas.gateway, CP_PORT: String(port), TRANSPORT_KEY: JSON.stringify(transportKey),
      // The control plane's service settings: a larger young generation (fewer scavenges while
      // mapping millions of records) and a bounded old space.
      NODE_OPTIONS: '--max-semi-space-size=32 --max-old-space-size=512',
    });
    children.push(cp);
    await cp.ready;
    const { token } = (await cp.request({ cmd: 'token', tenantId: TENANT })) as { token: string };
    // The source password goes into the real OS keychain under a throwaway service name.
    const keychainService = `nexus-migrate-bench-${suffix}`;
    const secrets = createSecretStore(await loadKeychainBackend(), keychainService);
    await secrets.set('connection:src', 'bench-password');
    cleanup.push(() => secrets.delete('connection:src').then(() => undefined));
    const u = new URL(url);
    const connection = {
      type: 'postgres', host: u.hostname, port: Number(u.port || 5432), database: u.pathname.slice(1), user: decodeURIComponent(u.username || 'postgres'),
      passwordAccount: 'connection:src', schema: schemas.source, platform: source === 'cargowise' ? 'cargowise' : 'none',
    };
    const agent = forkChild('agent/core/testing/agent-child.ts', {
      AGENT_DATA_DIR: path.join(work, 'agent-data'), KEYCHAIN_SERVICE: keychainService,
      SOURCE_FACTORY: source === 'cargowise' ? 'sql' : 'table', SOURCE_SCHEMA: schemas.source, SOURCE_TABLES: 'org_header',
      CONNECTION: JSON.stringify(connection),
      AGENT_CONFIG: JSON.stringify({ batchSize, spoolMaxBytes: 32 * 1024 * 1024 }),
      ENROLL_URL: `ws://127.0.0.1:${port}/agent/ws`, ENROLL_TOKEN: token,
      ...(opts.agentHeapMb !== 0 ? { NODE_OPTIONS: `--max-old-space-size=${opts.agentHeapMb ?? 160}` } : {}),
    });
    children.push(agent);
    const agentId = (await agent.ready).agentId as string;
    await cp.request({ cmd: 'waitForAgent', agentId });

    const t0 = process.hrtime.bigint();
    const params = source === 'cargowise' ? { connection: 'src' } : { connection: 'src', entities: ['org_header'] };
    const { jobId } = (await cp.request({ cmd: 'call', agentId, method: 'start_job', params })) as { jobId: string };
    const agentDone = (): Promise<boolean> =>
      until(async () => {
        const { rows } = await pool.query<{ state: string }>(`SELECT state FROM ${quoteIdent(schemas.gateway)}.agent_jobs WHERE id = $1`, [jobId]);
        return rows[0]?.state === 'completed';
      }, 'agent job completed', 3_600_000, 100);
    let loaded = 0;
    if (opts.engine === false) {
      await agentDone();
      const { rows } = await pool.query<{ n: string }>(`SELECT coalesce(sum(record_count), 0) AS n FROM ${quoteIdent(schemas.gateway)}.agent_staged_batches WHERE job_id = $1`, [jobId]);
      loaded = Number(rows[0]!.n);
    } else {
      const mappingYaml = readFileSync(source === 'cargowise' ? CARGOWISE_MAPPING : ORG_MAPPING_FILE, 'utf8');
      const result = (await cp.request({
        cmd: 'runMigration', jobId, mappingYaml, vars: { FRANCHISE_ID: franchiseId }, tenantId: TENANT,
        targetSchema: schemas.target, engineControlSchema: schemas.engine, batchSize,
      })) as { totals: { created: number; updated: number; unchanged: number } };
      loaded = result.totals.created + result.totals.updated + result.totals.unchanged;
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    await agentDone();
    if (opts.afterLoad && opts.engine !== false) await opts.afterLoad(url, schemas.target);
    if (process.env.NEXUS_BENCH_DEBUG) {
      const st = (await cp.request({ cmd: 'call', agentId, method: 'status', params: {} })) as { memoryMb: unknown };
      process.stderr.write(`agent memory at end: ${JSON.stringify(st.memoryMb)}\n`);
    }
    return { records: opts.records, seconds: Math.round(seconds * 100) / 100, agentRssMb: peakRssMb(agent.proc.pid!), cpRssMb: peakRssMb(cp.proc.pid!), loaded, source };
  } catch (err) {
    const tails = children.map((c) => c.stderr().slice(-1500)).filter(Boolean);
    if (tails.length && err instanceof Error) err.message += `\n--- child stderr ---\n${tails.join('\n---\n')}`;
    throw err;
  } finally {
    for (const c of children) await killHard(c);
    for (const f of cleanup) await f().catch(() => undefined);
    for (const s of Object.values(schemas)) await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(s)} CASCADE`).catch(() => undefined);
    await pool.end();
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const records = Number(arg('--records') ?? 10_000);
  const source = arg('--source') === 'org-table' ? 'org-table' : 'cargowise';
  benchViaAgent({ records, source, engine: !process.argv.includes('--no-engine') }).then(
    (r) => process.stdout.write(JSON.stringify(r) + '\n'),
    (err: unknown) => {
      process.stderr.write(`agent bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
