/**
 * A migration's whole life through the API, with the real engine, real PostgreSQL and the HubSpot
 * sandbox emulator: create → dry run → approve → start → (pause, resume) → completed, with SSE-bound
 * progress, logs, the report as JSON and PDF with the same counts, the completion webhook, rollback.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '../../test/support/pg.ts';
import { loadEmulator } from '../../connectors/registry.ts';
import type { EmulatorHandle } from '../../connectors/sdk/emulator-types.ts';
import type { RunReport } from '../report/types.ts';
import type { LiveEvent } from './events/bus.ts';
import { bearer, seedTarget, seedTenant, startApi, type ApiFixture, type TestTenant } from './test-support.ts';
import { verifySignature } from './webhooks/sign.ts';

let f: ApiFixture;
let t: TestTenant;
let target: Awaited<ReturnType<typeof seedTarget>>;
let emulator: EmulatorHandle;
let rx: http.Server;
const received: { body: string; signature: string }[] = [];

beforeAll(async () => {
  f = await startApi({ webhooks: { baseDelayMs: 20, maxAttempts: 3, allowPrivate: true } });
  t = await seedTenant(f, 'life');
  target = await seedTarget(f, t.id);
  // Slow pages keep the run going long enough to pause it.
  emulator = await (await loadEmulator('hubspot'))({ records: 20, seed: 11, faults: { slowRate: 1, slowMs: 40 } });
  // The emulator is reached through the tenant admin's endpoint override, as every emulator test must.
  const ov = await f.server.app.inject({ method: 'POST', url: '/api/v1/endpoint-overrides', headers: bearer(t.keys.admin), payload: { vendor: 'hubspot', url: emulator.url } });
  expect(ov.statusCode, ov.body).toBe(201);
  rx = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => { received.push({ body, signature: String(req.headers['x-nexus-signature']) }); res.end(); });
  });
  await new Promise<void>((r) => rx.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  await f?.server.close();
  await emulator?.close();
  await new Promise((r) => rx?.close(r));
  await target?.drop();
  await f?.schema.drop();
});

const call = async (method: 'GET' | 'POST' | 'PATCH', url: string, key: string, payload?: object) =>
  f.server.app.inject({ method, url: `/api/v1${url}`, headers: bearer(key), payload });

async function waitFor(id: string, status: string): Promise<void> {
  await expect.poll(async () => (await call('GET', `/migrations/${id}`, t.keys.viewer)).json().status, { timeout: 60_000, interval: 200 }).toBe(status);
  await f.server.idle();
}

describe('migration lifecycle through the API', () => {
  it('given a HubSpot source, then dry run → approve → run (paused and resumed) completes, reports agree, the webhook fires, rollback undoes it', async () => {
    const hook = (await call('POST', '/webhooks', t.keys.admin, { url: `http://127.0.0.1:${(rx.address() as AddressInfo).port}/alerts`, events: ['migration.completed', 'dry_run.completed'] })).json();
    const created = await call('POST', '/migrations', t.keys.engineer, {
      name: 'HubSpot', sourceSystem: 'hubspot', mappingTemplateId: 'builtin:hubspot',
      credentials: { accessToken: emulator.credentials.accessToken }, config: { baseUrl: emulator.url, tokenUrl: emulator.tokenUrl, franchiseId: target.franchiseId, batchSize: 10 },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    expect((await call('POST', `/migrations/${id}/connection-test`, t.keys.engineer)).json()).toMatchObject({ ok: true });

    expect((await call('POST', `/migrations/${id}/start`, t.keys.engineer)).statusCode).toBe(409); // not approved yet
    expect((await call('POST', `/migrations/${id}/dry-run`, t.keys.engineer)).statusCode).toBe(202);
    await waitFor(id, 'awaiting_approval');
    const accountsAfterDry = await f.schema.pool.query(`SELECT count(*)::int AS n FROM "${target.targetSchema}".accounts`);
    expect(accountsAfterDry.rows[0].n).toBe(0);
    expect((await call('POST', `/migrations/${id}/approve`, t.keys['customer-admin'])).json()).toMatchObject({ status: 'approved' });

    const events: LiveEvent[] = [];
    const off = f.server.ctx.bus.subscribe(t.id, (e) => events.push(e));
    try {
      expect((await call('POST', `/migrations/${id}/start`, t.keys.engineer)).statusCode).toBe(202);
      await expect.poll(() => events.some((e) => e.type === 'progress'), { timeout: 30_000, interval: 20 }).toBe(true);
      const paused = await call('POST', `/migrations/${id}/pause`, t.keys.engineer);
      expect(paused.statusCode, paused.body).toBe(202);
      await waitFor(id, 'paused');
      expect((await call('POST', `/migrations/${id}/resume`, t.keys.engineer)).statusCode).toBe(202);
      await waitFor(id, 'completed');
    } finally {
      off();
    }
    const progress = events.filter((e): e is Extract<LiveEvent, { type: 'progress' }> => e.type === 'progress');
    expect(progress.every((p) => p.migrationId === id && p.loaded <= p.extracted)).toBe(true);
    expect(events.some((e) => e.type === 'status' && e.status === 'paused')).toBe(true);

    const report = (await call('GET', `/migrations/${id}/report`, t.keys.viewer)).json() as RunReport;
    expect(report).toMatchObject({ mode: 'run', status: 'completed' });
    expect(report.totals.reconciles).toBe(true);
    const accounts = await f.schema.pool.query(`SELECT count(*)::int AS n FROM "${target.targetSchema}".accounts WHERE tenant_id = $1`, [t.id]);
    expect(accounts.rows[0].n).toBe(report.entities.find((e) => e.entity === 'companies')!.created);

    const pdf = await call('GET', `/migrations/${id}/report?format=pdf`, t.keys['customer-admin']);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
    const doc = await pdfjs.getDocument({ data: new Uint8Array(pdf.rawPayload), standardFontDataUrl: new URL('../../node_modules/pdfjs-dist/standard_fonts/', import.meta.url).pathname }).promise;
    let text = '';
    for (let i = 1; i <= doc.numPages; i++) text += (await (await doc.getPage(i)).getTextContent()).items.map((x) => ('str' in x ? x.str : '')).join(' ');
    await doc.destroy();
    for (const n of [report.totals.extracted, report.totals.created]) expect(text).toContain(String(n));

    const logs = (await call('GET', `/migrations/${id}/logs?limit=2`, t.keys.viewer)).json();
    expect(logs.items).toHaveLength(2);
    const page2 = (await call('GET', `/migrations/${id}/logs?limit=100&after=${logs.nextAfter}`, t.keys.viewer)).json();
    expect(page2.items[0].id).toBeGreaterThan(logs.nextAfter);
    expect(page2.items.map((l: { message: string }) => l.message)).toContain('run completed');

    await f.server.ctx.webhooks.idle();
    const events2 = received.map((r) => JSON.parse(r.body) as { event: string; data: { migrationId: string; totals: { created: number } | null } });
    expect(events2.map((e) => e.event).sort()).toEqual(['dry_run.completed', 'migration.completed']);
    const done = events2.find((e) => e.event === 'migration.completed')!;
    expect(done.data.totals?.created).toBe(report.totals.created);
    expect(received.every((r) => verifySignature(hook.signingSecret, r.signature, r.body, Math.floor(Date.now() / 1000)))).toBe(true);

    // RLS on the engine's tables: the API role sees nothing without the tenant GUC. A fresh
    // connection, because the engine sets the GUC session-wide on pooled ones (reported to the lead).
    for (const table of ['runs', 'logs', 'entity_progress', 'migrations']) {
      const all = await f.schema.pool.query(`SELECT count(*)::int AS n FROM "${table}"`);
      expect(all.rows[0].n, table).toBeGreaterThan(0);
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path="${f.schema.schema}"` });
      await c.connect();
      try {
        await c.query('BEGIN');
        await c.query('SET LOCAL ROLE nexus_api');
        expect((await c.query(`SELECT count(*)::int AS n FROM "${table}"`)).rows[0].n, table).toBe(0);
        await c.query(`SELECT set_config('nexus.tenant_id', $1, true)`, [t.id]);
        expect((await c.query(`SELECT count(*)::int AS n FROM "${table}"`)).rows[0].n, table).toBe(all.rows[0].n);
      } finally {
        await c.end();
      }
    }

    expect((await call('POST', `/migrations/${id}/rollback`, t.keys.viewer)).statusCode).toBe(403);
    const rb = await call('POST', `/migrations/${id}/rollback`, t.keys.engineer);
    expect(rb.statusCode, rb.body).toBe(200);
    expect(rb.json().deleted).toBeGreaterThan(0);
    const left = await f.schema.pool.query(`SELECT count(*)::int AS n FROM "${target.targetSchema}".accounts WHERE tenant_id = $1`, [t.id]);
    expect(left.rows[0].n).toBe(0);
    expect((await call('GET', `/migrations/${id}`, t.keys.viewer)).json().status).toBe('rolled_back');
  });

  it('given the built-in template, then a clone can be edited, and an invalid edit is refused with field errors', async () => {
    const list = (await call('GET', '/mapping-templates', t.keys.viewer)).json().items as { id: string }[];
    expect(list.map((x) => x.id)).toContain('builtin:hubspot');
    const clone = await call('POST', '/mapping-templates', t.keys.engineer, { from: 'builtin:hubspot', name: 'Acme HubSpot' });
    expect(clone.statusCode, clone.body).toBe(201);
    const { id, yaml } = clone.json() as { id: string; yaml: string };
    const edited = yaml.replace('description: HubSpot CRM v3 objects, engagements and owners', 'description: Acme variant');
    const put = await f.server.app.inject({ method: 'PUT', url: `/api/v1/mapping-templates/${id}`, headers: bearer(t.keys.engineer), payload: { yaml: edited } });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json().yaml).toContain('Acme variant');
    const bad = await f.server.app.inject({ method: 'PUT', url: `/api/v1/mapping-templates/${id}`, headers: bearer(t.keys.engineer), payload: { yaml: edited.replace('version: 1', 'version: 3') } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().fields).toHaveProperty('body.yaml.version');
    const other = await seedTenant(f, 'other-tenant');
    expect((await call('GET', `/mapping-templates/${id}`, other.keys.admin)).statusCode).toBe(404);
  });
});
