/**
 * Operations through real processes: `serve --no-worker` and `worker --metrics-port 0` on one
 * control database. A HubSpot migration (the emulator) runs on the worker; then the worker's
 * /metrics parses with a strict Prometheus text parser and its record counters equal the run's
 * report, entity by entity and outcome by outcome; serve's /metrics parses too; both are labelled
 * by process, and neither names the tenant or the migration. /healthz and /readyz answer on both.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../agent/core/testing/harness.ts';
import { loadEmulator } from '../../connectors/registry.ts';
import { createTestSchema, type TestSchema } from '../../test/support/pg.ts';
import { parsePrometheusText, seriesValue } from '../../test/support/prom-text.ts';
import { createApiKey, createTenant } from '../api/auth/store.ts';
import { migrate } from '../db/migrate.ts';
import { jobsSchema } from '../jobs/boss.ts';
import { startCli, type Proc } from '../jobs/testing/processes.ts';

let ctl: TestSchema;
let targetSchema: string;
let work: string;
let emulator: Awaited<ReturnType<Awaited<ReturnType<typeof loadEmulator>>>>;
let serve: Proc;
let worker: Proc;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'ops-metrics-'));
  ctl = await createTestSchema('ops_metrics');
  targetSchema = `${ctl.schema}_target`;
  await migrate(ctl.pool, 'control', ctl.schema);
  await migrate(ctl.pool, 'target', targetSchema);
  emulator = await (await loadEmulator('hubspot'))({ records: 60, seed: 11 });
  const env = { controlSchema: ctl.schema, targetSchema, masterKey: randomBytes(32).toString('base64'), dataDir: path.join(work, 'data') };
  serve = await startCli(['serve', '--port', '0', '--no-worker'], { ...env, dataDir: path.join(work, 'serve') });
  worker = await startCli(['worker', '--name', 'metrics-w1', '--concurrency', '1', '--metrics-port', '0'], env);
}, 180_000);

afterAll(async () => {
  await Promise.all([worker, serve].filter(Boolean).map((p) => p.stop()));
  await emulator?.close();
  await ctl?.pool.query(`DROP SCHEMA IF EXISTS "${targetSchema}" CASCADE`).catch(() => undefined);
  await ctl?.pool.query(`DROP SCHEMA IF EXISTS "${jobsSchema(ctl.schema)}" CASCADE`).catch(() => undefined);
  await ctl?.drop();
  rmSync(work, { recursive: true, force: true });
}, 120_000);

async function api(method: string, url: string, key: string, body?: object): Promise<{ status: number; json: any }> {
  const res = await fetch(`${String(serve.ready.url)}/api/v1${url}`, {
    method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: await res.json().catch(() => null) };
}

const workerBase = () => String(worker.ready.metrics).replace(/\/metrics$/, '');

describe('/metrics, /healthz and /readyz on serve and worker', () => {
  it('given a run executed by a worker, then its /metrics parses strictly and its record counters equal the report; neither process names the tenant', async () => {
    const tenantName = `metrics-tenant-${randomUUID().slice(0, 8)}`;
    const db = { pool: ctl.pool, schema: ctl.schema };
    const tenantId = await createTenant(db, tenantName);
    const key = (await createApiKey(db, { tenantId, name: 'admin', role: 'admin' })).key;
    const franchiseId = randomUUID();
    await ctl.pool.query(`INSERT INTO "${targetSchema}".tenants (id, name, slug) VALUES ($1, $2, $3)`, [tenantId, tenantName, tenantName]);
    await ctl.pool.query(`INSERT INTO "${targetSchema}".franchises (id, tenant_id, name) VALUES ($1, $2, 'HQ')`, [franchiseId, tenantId]);
    expect((await api('POST', '/endpoint-overrides', key, { vendor: 'hubspot', url: emulator.url })).status).toBe(201);
    const migrationName = `metrics-migration-${randomUUID().slice(0, 8)}`;
    const created = await api('POST', '/migrations', key, {
      name: migrationName, sourceSystem: 'hubspot', mappingTemplateId: 'builtin:hubspot',
      credentials: { accessToken: emulator.credentials.accessToken }, config: { baseUrl: emulator.url, tokenUrl: emulator.tokenUrl, franchiseId, batchSize: 10 },
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const id = created.json.id as string;
    const status = async () => (await api('GET', `/migrations/${id}`, key)).json.status as string;
    expect((await api('POST', `/migrations/${id}/dry-run`, key)).status).toBe(202);
    await until(async () => ((await status()) === 'awaiting_approval' ? true : null), 'dry run done', 120_000, 250);
    expect((await api('POST', `/migrations/${id}/approve`, key)).status).toBe(202);
    expect((await api('POST', `/migrations/${id}/start`, key)).status).toBe(202);
    await until(async () => (['completed', 'completed_with_issues'].includes(await status()) ? true : null), 'run done', 180_000, 250);
    const report = (await api('GET', `/migrations/${id}/report?mode=run`, key)).json;
    expect(report.totals.extracted).toBeGreaterThan(0);

    const res = await fetch(`${workerBase()}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const m = parsePrometheusText(text);
    expect(m.get('nexus_records_total')?.type).toBe('counter');
    expect(m.get('nexus_batch_duration_seconds')?.type).toBe('histogram');
    for (const e of report.entities as { entity: string; extracted: number; created: number; updated: number; unchanged: number; quarantined: number; skipped: number }[]) {
      if (e.extracted === 0) continue;
      expect(seriesValue(m, 'nexus_records_read_total', { mode: 'run', entity: e.entity }), `${e.entity} read`).toBe(e.extracted);
      for (const outcome of ['created', 'updated', 'unchanged', 'quarantined', 'skipped'] as const) {
        expect(seriesValue(m, 'nexus_records_total', { mode: 'run', entity: e.entity, outcome }), `${e.entity} ${outcome}`).toBe(e[outcome]);
      }
      if (e.entity !== 'owners') expect(seriesValue(m, 'nexus_batch_duration_seconds', { mode: 'run', entity: e.entity }, 'nexus_batch_duration_seconds_count')).toBeGreaterThanOrEqual(Math.ceil(e.extracted / 10));
    }
    const sum = (f: string, mode: string) => m.get(f)!.samples.filter((s) => s.labels.mode === mode).reduce((a, s) => a + s.value, 0);
    expect(sum('nexus_records_read_total', 'run')).toBe(report.totals.extracted);
    // The dry run ran on this worker too, counted apart.
    expect(sum('nexus_records_read_total', 'dry-run')).toBe(report.totals.extracted);
    // Every series says which process it comes from.
    for (const f of m.values()) for (const s of f.samples) expect(s.labels, s.name).toMatchObject({ process: 'worker', instance: 'metrics-w1' });
    expect(seriesValue(m, 'nexus_vendor_budget_remaining', { vendor: 'hubspot' })).toBeGreaterThanOrEqual(0);
    expect(m.get('nexus_vendor_budget_remaining')!.samples.some((s) => s.labels.vendor === 'hubspot')).toBe(true);
    expect(m.get('nexus_agent_links')!.samples.map((s) => s.labels.state).sort()).toEqual(['offline', 'online', 'revoked']);
    expect(m.get('nexus_queue_depth')!.samples).toEqual([expect.objectContaining({ labels: expect.objectContaining({ queue: 'runs' }), value: 0 })]);
    expect(m.has('nexus_process_resident_memory_bytes')).toBe(true);

    const serveRes = await fetch(`${String(serve.ready.url)}/metrics`);
    expect(serveRes.status).toBe(200);
    const serveText = await serveRes.text();
    const sm = parsePrometheusText(serveText);
    for (const f of sm.values()) for (const s of f.samples) expect(s.labels.process, s.name).toBe('serve');
    // serve ran no worker: it loaded nothing itself.
    expect(sm.get('nexus_records_total')!.samples).toEqual([]);
    expect(sm.get('nexus_runs_active')!.samples[0]!.value).toBe(0);
    for (const body of [text, serveText]) {
      for (const secret of [tenantId, tenantName, id, migrationName, franchiseId, emulator.credentials.accessToken]) expect(body).not.toContain(secret);
    }
  }, 400_000);

  it('given both processes up, then /healthz says so and /readyz reports the database and the job queue ready', async () => {
    for (const base of [String(serve.ready.url), workerBase()]) {
      const h = await fetch(`${base}/healthz`);
      expect(h.status).toBe(200);
      expect(await h.json()).toEqual({ ok: true });
      const r = await fetch(`${base}/readyz`);
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({ ready: true, checks: { database: 'ok', queue: 'ok' } });
    }
    expect((await fetch(`${workerBase()}/other`)).status).toBe(404);
  });
});

describe('the strict Prometheus text parser', () => {
  const bad: { name: string; text: string }[] = [
    { name: 'a sample without its family', text: 'x_total 1\n' },
    { name: 'a bad label escape', text: '# TYPE x counter\nx{a="\\q"} 1\n' },
    { name: 'an unquoted label value', text: '# TYPE x counter\nx{a=b} 1\n' },
    { name: 'a duplicate series', text: '# TYPE x counter\nx{a="1"} 1\nx{a="1"} 2\n' },
    { name: 'a negative counter', text: '# TYPE x counter\nx -1\n' },
    { name: 'a histogram without +Inf', text: '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n' },
    { name: 'a histogram whose count differs from +Inf', text: '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n' },
    { name: 'a value that is no number', text: '# TYPE g gauge\ng one\n' },
    { name: 'no final newline', text: '# TYPE g gauge\ng 1' },
    { name: 'a family split in two', text: '# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x="1"} 2\n' },
  ];
  it.each(bad)('given $name, then it refuses the exposition', ({ text }) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });
  it('given a well-formed exposition, then it reads every series', () => {
    const m = parsePrometheusText('# HELP x_total X\n# TYPE x_total counter\nx_total{a="q\\"1\\n"} 3\n# TYPE h histogram\nh_bucket{le="0.5"} 1\nh_bucket{le="+Inf"} 2\nh_sum 0.7\nh_count 2\n');
    expect(seriesValue(m, 'x_total', { a: 'q"1\n' })).toBe(3);
    expect(seriesValue(m, 'h', {}, 'h_count')).toBe(2);
  });
});
