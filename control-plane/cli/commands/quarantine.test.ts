/**
 * The failed-records round trip and maxQuarantineShare through the real CLI: `run` decides its
 * outcome with the mapping's maxQuarantineShare and stores it on the run; `quarantine export`
 * writes one entity's quarantined records as CSV; the corrected file re-imports with
 * `run --retry-of`, loading just those records, and `report` shows the link.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { REPO_ROOT } from '../../../agent/core/testing/processes.ts';
import { createTestSchema, TEST_DATABASE_URL, type TestSchema } from '../../../test/support/pg.ts';
import { migrate } from '../../db/migrate.ts';

const MAPPING = (share: string) => [
  'version: 1', 'sourceSystem: csv', share, 'defaults:', '  tenant_id: ${TENANT_ID}', 'entities:', '  Customer:', '    target: accounts',
  '    fields:', '      name: { from: Name, required: true }',
].join('\n');

let tgt: TestSchema;
let ctl: TestSchema;
let work: string;
const tenant = randomUUID();

beforeAll(async () => {
  tgt = await createTestSchema('qx_tgt');
  ctl = await createTestSchema('qx_ctl');
  await migrate(tgt.pool, 'target', tgt.schema);
  await tgt.pool.query(`INSERT INTO "${tgt.schema}".tenants (id, name, slug) VALUES ($1, 'Q', $2)`, [tenant, tgt.schema]);
  work = mkdtempSync(path.join(tmpdir(), 'qx-'));
  writeFileSync(path.join(work, 'Customer.csv'), ['Id,Name,City', ...Array.from({ length: 10 }, (_, i) => `K${i + 1},${[3, 7].includes(i + 1) ? '' : `Customer ${i + 1}`},Town ${i + 1}`)].join('\n') + '\n');
  writeFileSync(path.join(work, 'lenient.yaml'), MAPPING('maxQuarantineShare: 0.25'));
  writeFileSync(path.join(work, 'strict.yaml'), MAPPING('# default maxQuarantineShare (1%)'));
});
afterAll(async () => {
  await tgt?.drop();
  await ctl?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/nexus-migrate.mjs'), ...args, '--target-schema', tgt.schema, '--control-schema', ctl.schema], {
      cwd: work, env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, NEXUS_REPORT_DIR: path.join(work, 'reports') }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (out += c.toString()));
    p.on('close', (code) => resolve({ code, out }));
  });
}

const runId = (out: string): string => /run ([0-9a-f-]{36}) /.exec(out)![1]!;

describe('nexus-migrate quarantine export and run --retry-of', () => {
  it('given 2 of 10 records quarantined, then maxQuarantineShare decides the outcome, and the corrected export re-imports as a linked follow-up', async () => {
    const lenient = await cli(['run', '--source', 'csv', '--path', work, '--mapping', path.join(work, 'lenient.yaml'), '--tenant', tenant]);
    expect(lenient.out).toMatch(/run [0-9a-f-]{36} completed in/);
    expect(lenient.code).toBe(0);
    const strict = await cli(['run', '--source', 'csv', '--path', work, '--mapping', path.join(work, 'strict.yaml'), '--tenant', tenant]);
    expect(strict.out).toMatch(/run [0-9a-f-]{36} COMPLETED WITH ISSUES \(entity Customer: 20\.0% quarantined \(max 1\.0%\)\)/);
    expect(strict.code).toBe(3);
    const original = runId(strict.out);
    const stored = await ctl.pool.query(`SELECT id, outcome FROM "${ctl.schema}".runs ORDER BY started_at`);
    expect(stored.rows.map((r) => r.outcome)).toEqual(['completed', 'completed_with_issues']);

    const file = path.join(work, 'failed.csv');
    const exp = await cli(['quarantine', 'export', original, '--entity', 'Customer', '--out', file]);
    expect(exp.out, exp.out).toContain(`2 quarantined Customer record(s) of run ${original} written to ${file}`);
    expect(exp.code).toBe(0);
    const cells = parse(readFileSync(file, 'utf8')) as string[][];
    const col = (n: string) => cells[0]!.indexOf(n);
    expect(cells.slice(1).map((r) => [r[col('__sourceId')], r[col('__field')], r[col('Name')], r[col('City')]])).toEqual([['K3', 'Name', '', 'Town 3'], ['K7', 'Name', '', 'Town 7']]);
    for (const r of cells.slice(1)) r[col('Name')] = `Fixed ${r[col('Id')]}`;
    const fixed = path.join(work, 'fixed.csv');
    writeFileSync(fixed, stringify(cells));

    const retry = await cli(['run', '--retry-of', original, '--entity', 'Customer', '--path', fixed, '--mapping', path.join(work, 'strict.yaml')]);
    expect(retry.out).toContain(`follow-up of run ${original} (Customer)`);
    expect(retry.out).toMatch(/run [0-9a-f-]{36} completed in/);
    expect(retry.code).toBe(0);
    const follow = /run ([0-9a-f-]{36}) completed in/.exec(retry.out)![1]!;
    const loaded = await tgt.pool.query(`SELECT source_id, name FROM "${tgt.schema}".accounts WHERE source_id IN ('K3', 'K7') ORDER BY source_id`);
    expect(loaded.rows).toEqual([{ source_id: 'K3', name: 'Fixed K3' }, { source_id: 'K7', name: 'Fixed K7' }]);
    expect((await tgt.pool.query(`SELECT count(*)::int AS n FROM "${tgt.schema}".accounts`)).rows[0].n).toBe(10);

    const rep = await cli(['report', follow, '--json']);
    expect(JSON.parse(rep.out)).toMatchObject({ retryOf: { runId: original, entity: 'Customer' }, outcome: 'completed' });
    const back = await cli(['report', original, '--json']);
    expect(JSON.parse(back.out)).toMatchObject({ outcome: 'completed_with_issues', retriedBy: [{ runId: follow, entity: 'Customer', outcome: 'completed' }] });
  });

  it('given a retry of a run id that does not exist, then it is refused with a clear error and nothing loads', async () => {
    const before = (await tgt.pool.query(`SELECT count(*)::int AS n FROM "${tgt.schema}".accounts`)).rows[0].n as number;
    const r = await cli(['run', '--retry-of', randomUUID(), '--entity', 'Customer', '--path', path.join(work, 'Customer.csv'), '--mapping', path.join(work, 'strict.yaml')]);
    expect(r.out).toMatch(/run [0-9a-f-]{36} does not exist/);
    expect(r.code).not.toBe(0);
    expect((await tgt.pool.query(`SELECT count(*)::int AS n FROM "${tgt.schema}".accounts`)).rows[0].n).toBe(before);
  });
});
