/**
 * Durable runs through real processes: `serve --no-worker` (two of them) and two `worker`
 * processes on one control database. The database, not a process, holds the runs: a worker killed
 * with kill -9 mid-run is replaced by the other within the recovery bound, and the run ends with
 * the rows of an uninterrupted one; a pause asked of either serve stops the run on whichever
 * worker holds it; the job table shows each run executed to completion exactly once.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../agent/core/testing/harness.ts';
import { loadEmulator } from '../../connectors/registry.ts';
import { createTestSchema, type TestSchema } from '../../test/support/pg.ts';
import { createApiKey, createTenant } from '../api/auth/store.ts';
import { migrate } from '../db/migrate.ts';
import { jobsSchema } from './boss.ts';
import { startCli, type Proc, type ProcEnv } from './testing/processes.ts';

const SEED = Number(process.env.NEXUS_FAULT_SEED ?? Date.now() % 100_000);

let ctl: TestSchema;
let targetSchema: string;
let work: string;
let env: ProcEnv;
let emulator: Awaited<ReturnType<Awaited<ReturnType<typeof loadEmulator>>>>;
let serveA: Proc;
let serveB: Proc;
const workers = new Map<string, Proc>();

interface Tenant { id: string; key: string; franchiseId: string }

async function tenant(name: string): Promise<Tenant> {
  const db = { pool: ctl.pool, schema: ctl.schema };
  const id = await createTenant(db, name);
  const key = (await createApiKey(db, { tenantId: id, name: 'admin', role: 'admin' })).key;
  const franchiseId = randomUUID();
  await ctl.pool.query(`INSERT INTO "${targetSchema}".tenants (id, name, slug) VALUES ($1, $2, $3)`, [id, name, `${name}-${id}`]);
  await ctl.pool.query(`INSERT INTO "${targetSchema}".franchises (id, tenant_id, name) VALUES ($1, $2, 'HQ')`, [franchiseId, id]);
  return { id, key, franchiseId };
}

async function api(p: Proc, method: string, url: string, key: string, body?: object): Promise<{ status: number; json: any }> {
  const res = await fetch(`${String(p.ready.url)}/api/v1${url}`, {
    method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: await res.json().catch(() => null) };
}

async function migration(t: Tenant, name: string): Promise<string> {
  // The emulator is not a documented HubSpot host: an admin's audited endpoint override allows it.
  const ov = await api(serveA, 'POST', '/endpoint-overrides', t.key, { vendor: 'hubspot', url: emulator.url });
  expect([201, 409], JSON.stringify(ov.json)).toContain(ov.status);
  const r = await api(serveA, 'POST', '/migrations', t.key, {
    name, sourceSystem: 'hubspot', mappingTemplateId: 'builtin:hubspot',
    credentials: { accessToken: emulator.credentials.accessToken }, config: { baseUrl: emulator.url, tokenUrl: emulator.tokenUrl, franchiseId: t.franchiseId, batchSize: 10 },
  });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json.id as string;
}

async function status(t: Tenant, id: string): Promise<string> {
  return (await api(serveA, 'GET', `/migrations/${id}`, t.key)).json.status as string;
}

async function waitStatus(t: Tenant, id: string, want: string, timeoutMs = 120_000): Promise<void> {
  await until(async () => ((await status(t, id)) === want ? true : null), `migration ${id} ${want}`, timeoutMs, 250);
}

async function approved(t: Tenant, id: string): Promise<void> {
  expect((await api(serveA, 'POST', `/migrations/${id}/dry-run`, t.key)).status).toBe(202);
  await waitStatus(t, id, 'awaiting_approval');
  expect((await api(serveB, 'POST', `/migrations/${id}/approve`, t.key)).status).toBe(202);
}

async function activeRow(id: string): Promise<{ worker: string | null; progress: any } | null> {
  const { rows } = await ctl.pool.query(`SELECT worker, progress FROM "${ctl.schema}".active_runs WHERE migration_id = $1`, [id]);
  return rows[0] ?? null;
}

/** The tenant's loaded rows with every uuid and timestamp taken out, so two tenants' loads compare. */
async function loadedRows(t: Tenant): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of ['accounts', 'contacts', 'opportunities', 'activities']) {
    const { rows } = await ctl.pool.query<{ j: Record<string, unknown> }>(`SELECT to_jsonb(x) AS j FROM "${targetSchema}".${table} x WHERE tenant_id = $1`, [t.id]);
    out[table] = rows.map((r) => JSON.stringify(Object.fromEntries(Object.entries(r.j).filter(([k, v]) =>
      !/(^id$|_id$|_at$)/.test(k) && !(typeof v === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-/.test(v)))))).sort();
  }
  return out;
}

async function jobStates(id: string, mode: string): Promise<Record<string, number>> {
  const { rows } = await ctl.pool.query<{ state: string; n: number }>(
    `SELECT state, count(*)::int AS n FROM "${jobsSchema(ctl.schema)}".job WHERE data->>'migrationId' = $1 AND data->>'mode' = $2 GROUP BY state`, [id, mode]);
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

async function startWorker(name: string): Promise<Proc> {
  const w = await startCli(['worker', '--name', name, '--concurrency', '2'], env);
  workers.set(name, w);
  return w;
}

beforeAll(async () => {
  console.log(`durable-runs fault seed: ${SEED} (set NEXUS_FAULT_SEED to replay)`);
  work = mkdtempSync(path.join(tmpdir(), 'nexus-durable-'));
  ctl = await createTestSchema('durable');
  targetSchema = `${ctl.schema}_target`;
  await migrate(ctl.pool, 'control', ctl.schema);
  await migrate(ctl.pool, 'target', targetSchema);
  emulator = await (await loadEmulator('hubspot'))({ records: 120, seed: 7, faults: { slowRate: 1, slowMs: 60 } });
  env = { controlSchema: ctl.schema, targetSchema, masterKey: randomBytes(32).toString('base64'), dataDir: path.join(work, 'data'), extra: { NEXUS_WEBHOOK_ALLOW_PRIVATE: '1' } };
  [serveA, serveB] = await Promise.all([
    startCli(['serve', '--port', '0', '--no-worker'], { ...env, dataDir: path.join(work, 'a') }),
    startCli(['serve', '--port', '0', '--no-worker'], { ...env, dataDir: path.join(work, 'b') }),
  ]);
  expect(serveA.ready.worker).toBeNull();
  await Promise.all([startWorker('w1'), startWorker('w2')]);
}, 180_000);

afterAll(async () => {
  await Promise.all([...workers.values(), serveA, serveB].filter(Boolean).map((p) => p.stop()));
  await emulator?.close();
  await ctl?.pool.query(`DROP SCHEMA IF EXISTS "${targetSchema}" CASCADE`).catch(() => undefined);
  await ctl?.pool.query(`DROP SCHEMA IF EXISTS "${jobsSchema(ctl.schema)}" CASCADE`).catch(() => undefined);
  await ctl?.drop();
  rmSync(work, { recursive: true, force: true });
}, 120_000);

describe('durable runs across serve and worker processes', () => {
  it('given serve --no-worker, then only a worker process runs what the API queued, and the job table shows one completed job per run', async () => {
    const t = await tenant('steady');
    const id = await migration(t, 'uninterrupted');
    await approved(t, id);
    expect((await api(serveA, 'POST', `/migrations/${id}/start`, t.key)).status).toBe(202);
    await until(async () => (await activeRow(id))?.worker ?? null, 'a worker holds the run', 30_000, 100);
    expect(['w1', 'w2']).toContain((await activeRow(id))!.worker);
    await waitStatus(t, id, 'completed');
    expect(await activeRow(id)).toBeNull();
    expect(await jobStates(id, 'run')).toEqual({ completed: 1 });
    expect(await jobStates(id, 'dry-run')).toEqual({ completed: 1 });
    const rows = await loadedRows(t);
    expect(rows.accounts!.length).toBeGreaterThan(0);
    expect(rows.contacts!.length).toBeGreaterThan(0);
  }, 240_000);

  it('given a worker killed with kill -9 at a seeded point mid-run, then the other worker resumes it within 60 s and the target equals an uninterrupted run', async () => {
    const ref = await tenant('reference');
    const refId = await migration(ref, 'reference');
    await approved(ref, refId);
    await api(serveA, 'POST', `/migrations/${refId}/start`, ref.key);
    await waitStatus(ref, refId, 'completed');

    const t = await tenant('killed');
    const id = await migration(t, 'killed mid-run');
    await approved(t, id);
    expect((await api(serveB, 'POST', `/migrations/${id}/start`, t.key)).status).toBe(202);
    // A seeded point: after this many records have been read.
    const after = 20 + (SEED % 150);
    const victim = await until(async () => {
      const r = await activeRow(id);
      const read = Object.values((r?.progress?.entities ?? {}) as Record<string, { extracted: number }>).reduce((s, e) => s + e.extracted, 0);
      return r?.worker && read >= after ? r.worker : null;
    }, `the run read ${after} records`, 90_000, 50);
    const killedAt = Date.now();
    await workers.get(victim)!.kill9();
    const survivor = victim === 'w1' ? 'w2' : 'w1';
    await until(async () => ((await activeRow(id))?.worker === survivor ? true : (await status(t, id)) === 'completed' ? true : null), 'the survivor took the run over', 60_000, 200);
    expect(Date.now() - killedAt).toBeLessThan(60_000);
    await waitStatus(t, id, 'completed', 180_000);
    await startWorker(victim); // back to two for the next case

    expect(await loadedRows(t)).toEqual(await loadedRows(ref));
    const report = (await api(serveA, 'GET', `/migrations/${id}/report?mode=run`, t.key)).json;
    const refReport = (await api(serveA, 'GET', `/migrations/${refId}/report?mode=run`, ref.key)).json;
    expect(report.entities.every((e: { reconciles: boolean }) => e.reconciles)).toBe(true);
    expect(report.totals.extracted).toBe(refReport.totals.extracted);
    expect(report.totals.created + report.totals.updated + report.totals.unchanged).toBe(refReport.totals.created + refReport.totals.updated + refReport.totals.unchanged);
    const states = await jobStates(id, 'run');
    expect(states.completed).toBe(1);
    expect(states.failed).toBe(1); // the dead worker's job, marked failed by the reaper
  }, 400_000);

  it('given every database connection of the workers terminated (pg_terminate_backend) at a seeded point, then no process dies, the run waits and retries from its checkpoint, and the target equals an uninterrupted run', async () => {
    const ref = await tenant('terminate-reference');
    const refId = await migration(ref, 'terminate reference');
    await approved(ref, refId);
    await api(serveA, 'POST', `/migrations/${refId}/start`, ref.key);
    await waitStatus(ref, refId, 'completed');

    const t = await tenant('terminated');
    const id = await migration(t, 'terminated mid-run');
    await approved(t, id);
    expect((await api(serveA, 'POST', `/migrations/${id}/start`, t.key)).status).toBe(202);
    const after = 10 + ((SEED * 7) % 150);
    await until(async () => {
      const r = await activeRow(id);
      const read = Object.values((r?.progress?.entities ?? {}) as Record<string, { extracted: number }>).reduce((s, e) => s + e.extracted, 0);
      return r?.worker && read >= after ? true : null;
    }, `the run read ${after} records`, 90_000, 50);
    const { rows: killed } = await ctl.pool.query<{ n: number }>(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name ~ '^nexus-migrate (worker|lease) w[12]$'`);
    expect(killed[0]!.n).toBeGreaterThan(0);
    await waitStatus(t, id, 'completed', 180_000);
    for (const w of workers.values()) expect(w.proc.exitCode).toBeNull();
    expect(await loadedRows(t)).toEqual(await loadedRows(ref));
    // The attempt that lost its connections was logged and followed by another: more than one run job.
    const said = [...workers.values()].map((w) => w.output()).join('\n');
    expect(said).toMatch(/run attempt will be retried|run lease lost/);
    const states = await jobStates(id, 'run');
    expect((states.completed ?? 0) + (states.failed ?? 0)).toBeGreaterThanOrEqual(2);
  }, 400_000);

  it('given a worker stopped with SIGTERM mid-run, then it hands the run over at a batch boundary and the other worker finishes it at once', async () => {
    const t = await tenant('handover');
    const id = await migration(t, 'handed over');
    await approved(t, id);
    expect((await api(serveA, 'POST', `/migrations/${id}/start`, t.key)).status).toBe(202);
    const holder = await until(async () => {
      const r = await activeRow(id);
      const read = Object.values((r?.progress?.entities ?? {}) as Record<string, { extracted: number }>).reduce((s, e) => s + e.extracted, 0);
      return r?.worker && read > 0 ? r.worker : null;
    }, 'the run started', 60_000, 50);
    const stoppedAt = Date.now();
    const stopping = workers.get(holder)!;
    await Promise.race([stopping.stop(), new Promise((_, rej) => setTimeout(() => rej(new Error(`worker did not stop: ${stopping.output().slice(-6000)}`)), 30_000))]);
    expect(stopping.proc.exitCode, stopping.output().slice(-3000)).toBe(0);
    const other = holder === 'w1' ? 'w2' : 'w1';
    await until(async () => ((await activeRow(id))?.worker === other || (await status(t, id)) === 'completed' ? true : null), 'the other worker took over', 20_000, 100);
    expect(Date.now() - stoppedAt).toBeLessThan(20_000); // no waiting for the stale bound
    await waitStatus(t, id, 'completed', 180_000);
    await startWorker(holder);
    const states = await jobStates(id, 'run');
    expect(states.completed).toBe(2); // the handed-over attempt and the one that finished
    expect(states.failed ?? 0).toBe(0);
  }, 300_000);

  it('given the same dry run asked of two serve processes at once, then the database lets exactly one through', async () => {
    const t = await tenant('race');
    const id = await migration(t, 'race');
    const [a, b] = await Promise.all([
      api(serveA, 'POST', `/migrations/${id}/dry-run`, t.key),
      api(serveB, 'POST', `/migrations/${id}/dry-run`, t.key),
    ]);
    expect([a.status, b.status].sort()).toEqual([202, 409]);
    const { rows } = await ctl.pool.query(`SELECT count(*)::int AS n FROM "${ctl.schema}".active_runs WHERE migration_id = $1`, [id]);
    expect(rows[0].n).toBeLessThanOrEqual(1);
    await waitStatus(t, id, 'awaiting_approval');
    expect(await jobStates(id, 'dry-run')).toEqual({ completed: 1 });
  }, 240_000);

  it('given a run on a worker, when pause is asked through the other serve, then the worker stops it at its next heartbeat and resume finishes it', async () => {
    const t = await tenant('paused');
    const id = await migration(t, 'pause me');
    await approved(t, id);
    expect((await api(serveA, 'POST', `/migrations/${id}/start`, t.key)).status).toBe(202);
    await until(async () => (await activeRow(id))?.worker ?? null, 'a worker holds the run', 30_000, 50);
    const p = await api(serveB, 'POST', `/migrations/${id}/pause`, t.key);
    expect(p.status).toBe(202);
    await waitStatus(t, id, 'paused', 60_000);
    expect(await activeRow(id)).toBeNull();
    expect((await api(serveB, 'POST', `/migrations/${id}/resume`, t.key)).status).toBe(202);
    await waitStatus(t, id, 'completed', 180_000);
    const ref = await tenant('pause-reference');
    const refId = await migration(ref, 'pause reference');
    await approved(ref, refId);
    await api(serveA, 'POST', `/migrations/${refId}/start`, ref.key);
    await waitStatus(ref, refId, 'completed');
    expect(await loadedRows(t)).toEqual(await loadedRows(ref));
  }, 400_000);
});
