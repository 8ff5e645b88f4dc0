/**
 * Units across workers, through real processes: `serve --no-worker`, a worker that only runs runs
 * (`--unit-concurrency 0`) and two that load units. A HubSpot migration with parallelism 4 hands
 * the entities of its widest level (calls, meetings, notes, tasks) to units. The job table shows
 * each unit ran exactly once; the HubSpot sandbox, with its documented rate limits on, refused
 * nothing although three processes called it at once (the budget is shared per credential); the
 * target equals a one-process run; and a unit worker killed with kill -9 mid-unit is replaced.
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
import { jobsSchema, UNIT_QUEUE } from './boss.ts';
import { startCli, type Proc, type ProcEnv } from './testing/processes.ts';

const SEED = Number(process.env.NEXUS_FAULT_SEED ?? Date.now() % 100_000);
const LAST_LEVEL = ['calls', 'meetings', 'notes', 'tasks'];

let ctl: TestSchema;
let targetSchema: string;
let work: string;
let env: ProcEnv;
let emulator: Awaited<ReturnType<Awaited<ReturnType<typeof loadEmulator>>>>;
let serve: Proc;
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

async function api(method: string, url: string, key: string, body?: object): Promise<{ status: number; json: any }> {
  const res = await fetch(`${String(serve.ready.url)}/api/v1${url}`, {
    method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: await res.json().catch(() => null) };
}

async function waitStatus(t: Tenant, id: string, want: string, timeoutMs = 240_000): Promise<void> {
  try {
    await until(async () => ((await api('GET', `/migrations/${id}`, t.key)).json.status === want ? true : null), `migration ${id} ${want}`, timeoutMs, 250);
  } catch (err) {
    const q = async (sql: string): Promise<string> => JSON.stringify((await ctl.pool.query(sql, [id])).rows);
    (err as Error).message += `\nunits: ${await q(`SELECT u.entity, u.state, u.worker, u.attempts, u.error, u.waiting_for FROM "${ctl.schema}".run_units u WHERE u.migration_id = $1`)}`
      + `\nactive: ${await q(`SELECT worker, waiting_for, last_error FROM "${ctl.schema}".active_runs WHERE migration_id = $1`)}`
      + `\nlogs: ${await q(`SELECT level, message FROM "${ctl.schema}".logs WHERE migration_id = $1 ORDER BY id DESC LIMIT 8`)}`
      + [...workers].map(([n, w]) => `\n--- ${n} ---\n${w.output().slice(-1500)}`).join('');
    throw err;
  }
}

/** A HubSpot migration, dry-run and approved, then started; resolves with its id. */
async function started(t: Tenant, parallelism: number): Promise<string> {
  const ov = await api('POST', '/endpoint-overrides', t.key, { vendor: 'hubspot', url: emulator.url });
  expect([201, 409], JSON.stringify(ov.json)).toContain(ov.status);
  const r = await api('POST', '/migrations', t.key, {
    name: `parallelism ${parallelism}`, sourceSystem: 'hubspot', mappingTemplateId: 'builtin:hubspot',
    credentials: { accessToken: emulator.credentials.accessToken }, config: { baseUrl: emulator.url, tokenUrl: emulator.tokenUrl, franchiseId: t.franchiseId, batchSize: 10, parallelism },
  });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  const id = r.json.id as string;
  expect((await api('POST', `/migrations/${id}/dry-run`, t.key)).status).toBe(202);
  await waitStatus(t, id, 'awaiting_approval');
  expect((await api('POST', `/migrations/${id}/approve`, t.key)).status).toBe(202);
  expect((await api('POST', `/migrations/${id}/start`, t.key)).status).toBe(202);
  return id;
}

async function runIdOf(id: string, mode: string): Promise<string> {
  const { rows } = await ctl.pool.query<{ id: string }>(`SELECT id FROM "${ctl.schema}".runs WHERE migration_id = $1 AND mode = $2 ORDER BY started_at DESC LIMIT 1`, [id, mode]);
  return rows[0]!.id;
}

async function units(runId: string): Promise<{ entity: string; state: string; worker: string | null; attempts: number }[]> {
  const { rows } = await ctl.pool.query(`SELECT entity, state, worker, attempts FROM "${ctl.schema}".run_units WHERE run_id = $1 ORDER BY entity`, [runId]);
  return rows;
}

/** Completed unit jobs of a run, per entity. */
async function completedUnitJobs(runId: string): Promise<Record<string, number>> {
  const { rows } = await ctl.pool.query<{ entity: string; n: number }>(
    `SELECT data->>'entity' AS entity, count(*)::int AS n FROM "${jobsSchema(ctl.schema)}".job WHERE name = $1 AND data->>'runId' = $2 AND state = 'completed' GROUP BY 1`, [UNIT_QUEUE, runId]);
  return Object.fromEntries(rows.map((r) => [r.entity, r.n]));
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

async function startWorker(name: string, args: string[]): Promise<Proc> {
  const w = await startCli(['worker', '--name', name, ...args], env);
  workers.set(name, w);
  return w;
}

let reference: Record<string, string[]>;

beforeAll(async () => {
  console.log(`units fault seed: ${SEED} (set NEXUS_FAULT_SEED to replay)`);
  work = mkdtempSync(path.join(tmpdir(), 'nexus-units-'));
  ctl = await createTestSchema('units');
  targetSchema = `${ctl.schema}_target`;
  await migrate(ctl.pool, 'control', ctl.schema);
  await migrate(ctl.pool, 'target', targetSchema);
  emulator = await (await loadEmulator('hubspot'))({ records: 150, seed: 11, rateLimits: true, faults: { slowRate: 1, slowMs: 40 } });
  env = { controlSchema: ctl.schema, targetSchema, masterKey: randomBytes(32).toString('base64'), dataDir: path.join(work, 'data') };
  serve = await startCli(['serve', '--port', '0', '--no-worker'], env);
  await Promise.all([
    startWorker('coordinator', ['--concurrency', '1', '--unit-concurrency', '0']),
    startWorker('u1', ['--concurrency', '1', '--unit-concurrency', '2']),
  ]);
}, 180_000);

afterAll(async () => {
  await Promise.all([...workers.values(), serve].filter(Boolean).map((p) => p.stop()));
  await emulator?.close();
  await ctl?.pool.query(`DROP SCHEMA IF EXISTS "${targetSchema}" CASCADE`).catch(() => undefined);
  await ctl?.pool.query(`DROP SCHEMA IF EXISTS "${jobsSchema(ctl.schema)}" CASCADE`).catch(() => undefined);
  await ctl?.drop();
  rmSync(work, { recursive: true, force: true });
}, 120_000);

describe('units of a run across workers', () => {
  it('given parallelism 1, then the run loads every entity itself and hands out no unit (the reference)', async () => {
    const t = await tenant('reference');
    const id = await started(t, 1);
    await waitStatus(t, id, 'completed');
    expect(await units(await runIdOf(id, 'run'))).toEqual([]);
    reference = await loadedRows(t);
    expect(reference.activities!.length).toBeGreaterThan(0);
  }, 300_000);

  it('given parallelism 4, then the widest level runs as units on the unit worker, each exactly once, the shared vendor budget holds across processes, and the target equals the reference', async () => {
    const before = emulator.control!.counters!();
    const t = await tenant('spread');
    const id = await started(t, 4);
    await waitStatus(t, id, 'completed');
    const runId = await runIdOf(id, 'run');
    const u = await units(runId);
    // The coordinator loads one entity of the level itself; the other three are units on u1.
    expect(u.map((r) => r.entity).every((e) => LAST_LEVEL.includes(e))).toBe(true);
    expect(u.length).toBe(3);
    expect(u.every((r) => r.state === 'done' && r.worker === 'u1' && r.attempts === 1)).toBe(true);
    expect(await completedUnitJobs(runId)).toEqual(Object.fromEntries(u.map((r) => [r.entity, 1])));
    const after = emulator.control!.counters!();
    expect(after.requests - before.requests).toBeGreaterThan(100); // more than one 10 s burst window of HubSpot's
    expect(after.refused - before.refused).toBe(0);
    expect(await loadedRows(t)).toEqual(reference);
    const report = (await api('GET', `/migrations/${id}/report?mode=run`, t.key)).json;
    expect(report.entities.every((e: { reconciles: boolean }) => e.reconciles)).toBe(true);
    // The dry run of the same migration also ran its units, into its shadow copy.
    expect((await units(await runIdOf(id, 'dry-run'))).every((r) => r.state === 'done')).toBe(true);
  }, 400_000);

  it('given the unit worker killed with kill -9 mid-unit at a seeded point, then another worker resumes its units and the target equals the reference', async () => {
    const t = await tenant('killed');
    // Slower sandbox answers from here on, so a unit is still loading when it is killed (the data is the same).
    const faults = (emulator as unknown as { emulator: { faults: { faults: { slowMs?: number } } } }).emulator.faults.faults;
    const id = await started(t, 4);
    faults.slowMs = 250;
    const afterMs = 800 + (SEED % 1500);
    const runId = await until(async () => {
      const { rows } = await ctl.pool.query<{ run_id: string }>(
        `SELECT u.run_id FROM "${ctl.schema}".run_units u JOIN "${ctl.schema}".runs r ON r.id = u.run_id
          WHERE r.migration_id = $1 AND r.mode = 'run' AND u.state = 'running' AND u.worker = 'u1' AND u.started_at < now() - make_interval(secs => $2::float8 / 1000)`, [id, afterMs]);
      return rows[0]?.run_id ?? null;
    }, `a unit on u1 loading for ${afterMs} ms`, 240_000, 100);
    await workers.get('u1')!.kill9();
    workers.delete('u1');
    await startWorker('u3', ['--concurrency', '1', '--unit-concurrency', '2']);
    faults.slowMs = 40;
    await waitStatus(t, id, 'completed');
    const u = await units(runId);
    expect(u.every((r) => r.state === 'done')).toBe(true);
    expect(u.some((r) => r.worker === 'u3' && r.attempts >= 2)).toBe(true);
    expect(await loadedRows(t)).toEqual(reference);
    const report = (await api('GET', `/migrations/${id}/report?mode=run`, t.key)).json;
    expect(report.entities.every((e: { reconciles: boolean }) => e.reconciles)).toBe(true);
  }, 400_000);
});
