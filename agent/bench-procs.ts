/**
 * `bench --via agent --workers N`: the agent journey as a customer runs it, timed. Real processes
 * only: `serve --no-worker` (API + agent gateway), N `worker` processes, and an agent that is
 * `agent enroll`ed with a token from the API, given its connection with `agent connection add`
 * (password into the OS keychain) and started with `agent start --headless`. A CargoWise-shaped
 * PostgreSQL source; the migration is created, dry-run, approved and started through the API with
 * `parallelism` = N, so its dependency levels spread over the workers as units. The time is from
 * start to completed; RSS is each process's peak (VmHWM).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { uuidv5 } from '../shared/ids.ts';
import { quoteIdent } from '../control-plane/db/sql/ident.ts';
import { until } from './core/testing/harness.ts';

const BIN = new URL('../bin/nexus-migrate.mjs', import.meta.url).pathname;
const REPO = new URL('..', import.meta.url).pathname;

/** The running journey, for tests that act on it: the API (admin key) and the migration. */
export interface JourneyHandle { api(method: string, p: string, body?: object): Promise<any>; migrationId: string; agentId: string; wait(status: string): Promise<unknown> }
export interface ProcBenchOptions {
  records: number; workers: number; databaseUrl?: string; batchSize?: number;
  /** The agent's data folder (default: a temporary folder). */
  agentDataDir?: string;
  /** Runs while the migration runs, after start. */
  during?: (h: JourneyHandle) => Promise<void>;
  afterLoad?: (url: string, targetSchema: string, h: JourneyHandle) => Promise<void>;
}
export interface ProcBenchResult { records: number; loaded: number; seconds: number; dryRunSeconds: number; agentRssMb: number; cpRssMb: number; perProcessRssMb: Record<string, number> }

interface Proc { name: string; proc: ChildProcessWithoutNullStreams; out(): string; closed: Promise<number | null> }

function start(name: string, args: string[], env: Record<string, string>, stdin?: string): Proc {
  const proc = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...process.env, ...env } as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-20_000)));
  proc.stderr.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-20_000)));
  if (stdin !== undefined) proc.stdin.end(stdin);
  return { name, proc, out: () => out, closed: new Promise((r) => proc.once('close', r)) };
}

async function line(p: Proc, key: string, ms = 120_000): Promise<Record<string, unknown>> {
  return Promise.race([
    until(() => p.out().split('\n').filter((l) => l.startsWith('{')).map((l) => { try { return JSON.parse(l) as Record<string, unknown>; } catch { return null; } }).find((j) => j && key in j) ?? undefined, `${p.name}: "${key}"`, ms),
    p.closed.then((code) => Promise.reject(new Error(`${p.name} exited ${code}: ${p.out().slice(-2000)}`))),
  ]);
}

async function finished(p: Proc): Promise<void> {
  const code = await p.closed;
  if (code !== 0) throw new Error(`${p.name} exited ${code}: ${p.out().slice(-2000)}`);
}

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

export async function benchViaAgentProcesses(o: ProcBenchOptions): Promise<ProcBenchResult> {
  const url = o.databaseUrl ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const sfx = randomBytes(4).toString('hex');
  const schemas = { source: `procbench_src_${sfx}`, control: `procbench_ctl_${sfx}`, target: `procbench_tgt_${sfx}` };
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const work = mkdtempSync(path.join(tmpdir(), 'nexus-proc-bench-'));
  const procs: Proc[] = [];
  const env = {
    DATABASE_URL: url, NEXUS_CONTROL_SCHEMA: schemas.control, NEXUS_TARGET_SCHEMA: schemas.target, NEXUS_DATA_DIR: path.join(work, 'cp'),
    NEXUS_MASTER_KEY: randomBytes(32).toString('base64'), NEXUS_LOG_LEVEL: 'warn', NODE_OPTIONS: '--max-semi-space-size=32 --max-old-space-size=448',
  };
  const agentEnv = { NEXUS_AGENT_DATA_DIR: o.agentDataDir ?? path.join(work, 'agent'), NODE_OPTIONS: '--max-old-space-size=160' };
  try {
    await pool.query(`CREATE SCHEMA ${quoteIdent(schemas.source)}`);
    const { createSampleDatabase } = await import('../connectors/sql/sample/load.ts');
    await createSampleDatabase({ platform: 'cargowise', dialect: 'postgres', url, rows: o.records, seed: 1, schema: schemas.source });
    const serve = start('serve', ['serve', '--port', '0', '--no-worker'], env);
    procs.push(serve);
    const ready = await line(serve, 'ready');
    const base = `${String(ready.url)}/api/v1`;
    for (let i = 1; i <= o.workers; i++) {
      const w = start(`worker w${i}`, ['worker', '--name', `w${i}`, '--concurrency', '1', '--unit-concurrency', '1'], env);
      procs.push(w);
      await line(w, 'ready');
    }
    // A tenant with an admin key (as `serve --bootstrap-admin` would make), and its rows in the target.
    const { createTenant, createApiKey } = await import('../control-plane/api/auth/store.ts');
    const db = { pool, schema: schemas.control };
    const tenantId = await createTenant(db, 'Bench Logistics');
    const key = (await createApiKey(db, { tenantId, name: 'bench', role: 'admin' })).key;
    const franchiseId = uuidv5(`franchise:${tenantId}`);
    await pool.query(`INSERT INTO ${quoteIdent(schemas.target)}.tenants (id, name, slug) VALUES ($1, 'Bench Logistics', $2)`, [tenantId, `bench-${sfx}`]);
    await pool.query(`INSERT INTO ${quoteIdent(schemas.target)}.franchises (id, tenant_id, name) VALUES ($1, $2, 'HQ')`, [franchiseId, tenantId]);
    const api = async (method: string, p: string, body?: object): Promise<any> => {
      const res = await fetch(`${base}${p}`, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
      const json = await res.json().catch(() => null);
      if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const { token } = await api('POST', '/agents/enrollment-tokens', { name: 'bench-agent' });
    const enroll = start('agent enroll', ['agent', 'enroll', '--url', String(ready.agentGateway), '--token', token, '--name', `bench-${sfx}`], agentEnv);
    await finished(enroll);
    const agentId = String((JSON.parse(enroll.out().split('\n').find((l) => l.startsWith('{"enrolled"'))!) as { agentId: string }).agentId);
    const u = new URL(url);
    await finished(start('agent connection add', ['agent', 'connection', 'add', '--name', 'src', '--type', 'postgres', '--host', u.hostname, '--port', u.port || '5432',
      '--database', u.pathname.slice(1), '--user', decodeURIComponent(u.username || 'postgres'), '--schema', schemas.source, '--platform', 'cargowise'], agentEnv, decodeURIComponent(u.password || 'bench-password')));
    const agent = start('agent', ['agent', 'start', '--headless'], agentEnv);
    procs.push(agent);
    await line(agent, 'agentReady');

    const m = await api('POST', '/migrations', {
      name: 'bench', sourceSystem: 'cargowise', mappingTemplateId: 'builtin:cargowise',
      config: { agentId, agentConnection: 'src', franchiseId, batchSize: o.batchSize ?? 5000, parallelism: o.workers },
    });
    const status = async (): Promise<string> => (await api('GET', `/migrations/${m.id}`)).status as string;
    const wait = (want: string): Promise<unknown> => until(async () => {
      // A dead process is a failed bench, not a wait until the hour's timeout.
      const dead = procs.find((p) => p.proc.exitCode !== null || p.proc.signalCode !== null);
      if (dead) throw new Error(`${dead.name} exited (${dead.proc.exitCode ?? dead.proc.signalCode}) during the run: ${dead.out().slice(-1500)}`);
      const s = await status();
      if (s === 'failed') throw new Error(`the migration failed: ${JSON.stringify((await api('GET', `/migrations/${m.id}`)))}`);
      return s === want ? true : null;
    }, `migration ${want}`, 3_600_000, 250);
    const tDry = Date.now();
    await api('POST', `/migrations/${m.id}/dry-run`);
    await wait('awaiting_approval');
    const dryRunSeconds = (Date.now() - tDry) / 1000;
    await api('POST', `/migrations/${m.id}/approve`);
    const t0 = process.hrtime.bigint();
    await api('POST', `/migrations/${m.id}/start`);
    const handle: JourneyHandle = { api, migrationId: m.id as string, agentId, wait };
    if (o.during) await o.during(handle);
    await wait('completed');
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const report = await api('GET', `/migrations/${m.id}/report?mode=run`);
    const loaded = Number(report.totals.created) + Number(report.totals.updated) + Number(report.totals.unchanged);
    const perProcessRssMb = Object.fromEntries(procs.filter((p) => p.proc.exitCode === null).map((p) => [p.name, peakRssMb(p.proc.pid!)]));
    if (o.afterLoad) await o.afterLoad(url, schemas.target, handle);
    return {
      records: o.records, loaded, seconds: Math.round(seconds * 100) / 100, dryRunSeconds: Math.round(dryRunSeconds * 10) / 10,
      agentRssMb: perProcessRssMb.agent!, cpRssMb: Math.max(...Object.entries(perProcessRssMb).filter(([n]) => n !== 'agent').map(([, v]) => v)), perProcessRssMb,
    };
  } catch (err) {
    if (err instanceof Error) err.message += procs.map((p) => `\n--- ${p.name} ---\n${p.out().slice(-1500)}`).join('');
    throw err;
  } finally {
    for (const p of procs) if (p.proc.exitCode === null) p.proc.kill('SIGTERM');
    await Promise.race([Promise.all(procs.map((p) => p.closed)), new Promise((r) => setTimeout(r, 15_000))]);
    for (const p of procs) if (p.proc.exitCode === null) p.proc.kill('SIGKILL');
    for (const s of Object.values(schemas)) await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(s)} CASCADE`).catch(() => undefined);
    await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(`${schemas.control}_jobs`)} CASCADE`).catch(() => undefined);
    await pool.end();
    rmSync(work, { recursive: true, force: true });
  }
}
