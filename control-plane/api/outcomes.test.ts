/**
 * Outcomes on the API, the webhooks and the report (issue 10 point 3), and the failed-records
 * round trip (point 8), with the real engine on real PostgreSQL and a CSV source: a run whose
 * every record is quarantined is `failed` (never "completed"), a run quarantining more than 1% is
 * `completed_with_issues` (its own webhook event, heard by migration.completed subscribers), and the
 * corrected quarantine CSV re-imports as a follow-up run linked both ways in the reports.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReportHtml } from '../report/html.ts';
import { renderReportPdf } from '../report/pdf.ts';
import type { RunReport } from '../report/types.ts';
import { bearer, seedTarget, seedTenant, startApi, type ApiFixture, type TestTenant } from './test-support.ts';

let f: ApiFixture;
let t: TestTenant;
let target: Awaited<ReturnType<typeof seedTarget>>;
let csvRoot: string;
let rx: http.Server;
const received: { event: string; data: Record<string, unknown> }[] = [];

const MAPPING = [
  'version: 1', 'sourceSystem: csv', 'defaults:', '  tenant_id: ${TENANT_ID}', 'entities:', '  Customer:', '    target: accounts',
  '    fields:', '      name: { from: Name, required: true }', '      employee_count: { from: Employees, type: integer }',
].join('\n');

beforeAll(async () => {
  f = await startApi({ webhooks: { baseDelayMs: 20, maxAttempts: 3, allowPrivate: true } });
  t = await seedTenant(f, 'outcomes');
  target = await seedTarget(f, t.id);
  csvRoot = mkdtempSync(path.join(tmpdir(), 'nexus-outcome-csv-'));
  process.env.NEXUS_CSV_ROOT = csvRoot;
  rx = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => { const b = JSON.parse(body) as { event: string; data: Record<string, unknown> }; received.push({ event: b.event, data: b.data }); res.end(); });
  });
  await new Promise<void>((r) => rx.listen(0, '127.0.0.1', r));
  // Subscribed to migration.completed and migration.failed only: completed_with_issues must still reach it, under its own name.
  const hook = await call('POST', '/webhooks', t.keys.admin, { url: `http://127.0.0.1:${(rx.address() as AddressInfo).port}/hook`, events: ['migration.completed', 'migration.failed'] });
  expect(hook.statusCode, hook.body).toBe(201);
});

afterAll(async () => {
  await new Promise((r) => rx?.close(r));
  await target?.drop();
  await f?.close();
  if (csvRoot) rmSync(csvRoot, { recursive: true, force: true });
  delete process.env.NEXUS_CSV_ROOT;
});

const call = async (method: 'GET' | 'POST', url: string, key: string, payload?: object) =>
  f.server.app.inject({ method, url: `/api/v1${url}`, headers: bearer(key), payload });

async function waitFor(id: string, statuses: string[]): Promise<string> {
  await expect.poll(async () => statuses.includes((await call('GET', `/migrations/${id}`, t.keys.viewer)).json().status), { timeout: 60_000, interval: 200 }).toBe(true);
  await f.server.idle();
  await f.server.ctx.webhooks.idle();
  return (await call('GET', `/migrations/${id}`, t.keys.viewer)).json().status as string;
}

/** A CSV migration over `rows`, dry-run, approved and run to its end. */
async function runCsv(name: string, rows: string[]): Promise<{ id: string; status: string }> {
  const dir = mkdtempSync(path.join(csvRoot, 'drop-'));
  writeFileSync(path.join(dir, 'Customer.csv'), ['Id,Name,Employees', ...rows].join('\n') + '\n');
  const created = await call('POST', '/migrations', t.keys.engineer, { name, sourceSystem: 'csv', credentials: { folder: dir }, mappingYaml: MAPPING });
  expect(created.statusCode, created.body).toBe(201);
  const id = created.json().id as string;
  expect((await call('POST', `/migrations/${id}/dry-run`, t.keys.engineer)).statusCode).toBe(202);
  await waitFor(id, ['awaiting_approval', 'failed']);
  expect((await call('POST', `/migrations/${id}/approve`, t.keys['customer-admin'])).statusCode).toBe(202);
  expect((await call('POST', `/migrations/${id}/start`, t.keys.engineer)).statusCode).toBe(202);
  return { id, status: await waitFor(id, ['completed', 'failed']) };
}

async function report(id: string, runId?: string): Promise<RunReport> {
  const res = await call('GET', `/migrations/${id}/report?mode=run${runId ? `&runId=${runId}` : ''}`, t.keys.viewer);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as RunReport;
}

async function pdfText(buf: Buffer): Promise<string> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await pdfjs.getDocument({ data: new Uint8Array(buf), standardFontDataUrl: new URL('../../node_modules/pdfjs-dist/standard_fonts/', import.meta.url).pathname }).promise;
  let text = '';
  for (let i = 1; i <= doc.numPages; i++) text += (await (await doc.getPage(i)).getTextContent()).items.map((it) => ('str' in it ? it.str : '')).join(' ') + '\n';
  await doc.destroy();
  return text;
}

const rows = (n: number, bad: number[]): string[] => Array.from({ length: n }, (_, i) => `C${i + 1},${bad.includes(i + 1) ? '' : `Customer ${i + 1}`},${i + 10}`);

describe('run outcomes on the API, webhooks and reports', () => {
  it('given a run whose every record is quarantined, then API, webhook and report say failed with the reason, and nothing says completed', async () => {
    const { id, status } = await runCsv('all bad', rows(4, [1, 2, 3, 4]));
    expect(status).toBe('failed');
    const m = (await call('GET', `/migrations/${id}`, t.keys.viewer)).json();
    expect(m).toMatchObject({ status: 'failed', outcome: 'failed', outcomeMode: 'run' });
    expect(m.outcomeReason).toMatch(/entity Customer: 4 records, none loaded/);
    const run = (m.runs as { mode: string; status: string; outcome: string }[]).find((r) => r.mode === 'run')!;
    expect(run).toMatchObject({ status: 'failed', outcome: 'failed' });
    expect((m.entities as { state: string }[]).map((e) => e.state)).toEqual(['failed']);
    const list = (await call('GET', '/migrations', t.keys.viewer)).json().items as { id: string; outcome: string; outcomeReason: string }[];
    expect(list.find((x) => x.id === id)).toMatchObject({ outcome: 'failed', outcomeReason: expect.stringMatching(/none loaded/) });
    const stored = await f.schema.pool.query(`SELECT outcome, outcome_reason FROM "${f.schema.schema}".runs WHERE migration_id = $1 AND mode = 'run'`, [id]);
    expect(stored.rows).toEqual([{ outcome: 'failed', outcome_reason: 'entity Customer: 4 records, none loaded' }]);

    const hook = received.filter((r) => r.data.migrationId === id);
    expect(hook.map((h) => h.event)).toEqual(['migration.failed']);
    expect(hook[0]!.data).toMatchObject({ outcome: 'failed', status: 'failed', outcomeReason: expect.stringMatching(/none loaded/) });

    const r = await report(id);
    expect(r).toMatchObject({ status: 'failed', outcome: 'failed' });
    expect(JSON.stringify(r)).not.toMatch(/"completed"/);
    const html = renderReportHtml(r);
    expect(html).toMatch(/<div class="outcome outcome-red" data-outcome="failed">Outcome: failed \(entity Customer: 4 records, none loaded\)<\/div>/);
    expect(html).toContain('data-state="failed">✗');
    expect(html).not.toMatch(/>completed</);
    const pdf = (await call('GET', `/migrations/${id}/report?format=pdf&mode=run`, t.keys.viewer)).rawPayload;
    const text = await pdfText(pdf);
    expect(text).toMatch(/Outcome: failed \(entity Customer: 4 records, none loaded\)/);
    expect(text).not.toMatch(/completed/);
  });

  it('given a run quarantining 2 of 10 records, then it is completed_with_issues everywhere, and the corrected quarantine CSV re-imports as a linked follow-up', async () => {
    const { id, status } = await runCsv('some bad', rows(10, [3, 7]));
    expect(status).toBe('completed');
    const m = (await call('GET', `/migrations/${id}`, t.keys.viewer)).json();
    expect(m).toMatchObject({ outcome: 'completed_with_issues', outcomeReason: 'entity Customer: 20.0% quarantined (max 1.0%)' });
    expect((m.entities as { state: string }[]).map((e) => e.state)).toEqual(['issues']);
    const hook = received.filter((r) => r.data.migrationId === id);
    expect(hook.map((h) => h.event)).toEqual(['migration.completed_with_issues']);
    expect(hook[0]!.data).toMatchObject({ outcome: 'completed_with_issues', outcomeReason: 'entity Customer: 20.0% quarantined (max 1.0%)' });
    const original = await report(id);
    expect(original).toMatchObject({ status: 'completed', outcome: 'completed_with_issues' });
    expect(renderReportHtml(original)).toMatch(/class="outcome outcome-amber" data-outcome="completed_with_issues">Outcome: completed with issues \(entity Customer: 20.0% quarantined/);
    expect(await pdfText(await renderReportPdf(original))).toMatch(/Outcome: completed with issues/);

    // Download the failed records: one row each, with reason, field and the source record's fields.
    const dl = await call('GET', `/migrations/${id}/runs/${original.runId}/quarantine?entity=Customer`, t.keys.viewer);
    expect(dl.statusCode, dl.body).toBe(200);
    expect(dl.headers['content-type']).toMatch(/^text\/csv/);
    const table = parse(dl.body, { columns: true }) as Record<string, string>[];
    expect(table.map((r) => [r.__sourceId, r.__field, r.Id, r.Name, r.Employees])).toEqual([['C3', 'Name', 'C3', '', '12'], ['C7', 'Name', 'C7', '', '16']]);
    expect(table[0]!.__reason).toMatch(/required/i);

    // Fix them (and sneak in a record the run did not quarantine: it must not load).
    const cells = parse(dl.body) as string[][];
    const nameAt = cells[0]!.indexOf('Name');
    for (const row of cells.slice(1)) row[nameAt] = `Customer ${row[0]!.slice(1)} fixed`;
    cells.push(['C99', '', '', '', 'C99', 'Not quarantined', '5']);
    const fixed = stringify(cells);
    expect(fixed).toContain('Customer 3 fixed');
    const retry = await call('POST', `/migrations/${id}/runs/${original.runId}/retry`, t.keys.engineer, { entity: 'Customer', csv: fixed });
    expect(retry.statusCode, retry.body).toBe(202);
    await waitFor(id, ['completed', 'failed']);

    const after = (await call('GET', `/migrations/${id}`, t.keys.viewer)).json();
    const followUp = (after.runs as { id: string; retryOf: string | null; retryEntity: string | null; outcome: string }[])[0]!;
    expect(followUp).toMatchObject({ retryOf: original.runId, retryEntity: 'Customer' });
    const fr = await report(id, followUp.id);
    expect(fr.retryOf).toEqual({ runId: original.runId, entity: 'Customer' });
    expect(fr.entities.find((e) => e.entity === 'Customer')).toMatchObject({ extracted: 3, created: 2, quarantined: 1 });
    expect(fr.quarantineSample).toEqual([expect.objectContaining({ sourceId: 'C99', reason: expect.stringMatching(/not a record run .* quarantined/) })]);
    expect(renderReportHtml(fr)).toContain(`Follow-up of run ${original.runId}: re-imported corrected Customer records it quarantined`);
    const back = await report(id, original.runId);
    expect(back.retriedBy).toEqual([{ runId: followUp.id, entity: 'Customer', outcome: followUp.outcome }]);
    expect(renderReportHtml(back)).toContain(`Retried by run ${followUp.id} (Customer)`);

    const names = await f.schema.pool.query(`SELECT source_id, name FROM "${target.targetSchema}".accounts WHERE source_id IN ('C3', 'C7', 'C99') ORDER BY source_id`);
    expect(names.rows).toEqual([{ source_id: 'C3', name: 'Customer 3 fixed' }, { source_id: 'C7', name: 'Customer 7 fixed' }]);
    const total = await f.schema.pool.query(`SELECT count(*)::int AS n FROM "${target.targetSchema}".accounts WHERE name LIKE 'Customer %'`);
    expect(total.rows[0].n).toBe(10);
  });

  it('given a retry upload of a run that quarantined nothing for the entity, or by a viewer, then it is refused', async () => {
    const { id } = await runCsv('all good', rows(3, []));
    const r = await report(id);
    const refused = await call('POST', `/migrations/${id}/runs/${r.runId}/retry`, t.keys.engineer, { entity: 'Customer', csv: '__sourceId,Name\nC1,x\n' });
    expect(refused.statusCode, refused.body).toBe(409);
    expect(refused.json().message).toMatch(/quarantined no Customer records/);
    expect((await call('POST', `/migrations/${id}/runs/${r.runId}/retry`, t.keys.viewer, { entity: 'Customer', csv: 'x' })).statusCode).toBe(403);
  });
});
