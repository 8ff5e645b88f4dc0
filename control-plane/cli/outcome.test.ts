/**
 * Outcomes on the CLI: a bad run looks bad. `run` prints completed / COMPLETED WITH ISSUES / FAILED
 * with the reason, marks an entity that loaded nothing ✗, and exits 0 / 3 / 4. The journey from
 * issue 10: `run --tenant <a new uuid>` on the demo data used to quarantine every record one by one,
 * print ✓ everywhere, say "completed" and exit 0; now preflight stops it before anything loads.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../agent/core/testing/processes.ts';
import { createTestSchema, TEST_DATABASE_URL, type TestSchema } from '../../test/support/pg.ts';
import { migrate } from '../db/migrate.ts';
import { DEMO_DIR, DEMO_MAPPING, seedDemoTenant } from '../../resources/demo/seed.ts';
import { EXIT_CODES } from '../../shared/outcome.ts';
import type { EntityCounts, RunReport } from '../report/types.ts';
import { entityMark, reportOutcome } from './outcome.ts';

function entity(name: string, c: Partial<EntityCounts>): EntityCounts {
  const e = { entity: name, target: name.toLowerCase(), extracted: 0, created: 0, updated: 0, unchanged: 0, deleted: 0, quarantined: 0, skipped: 0, reconciles: true, ...c };
  return e;
}

function report(entities: EntityCounts[], status: RunReport['status'] = 'completed'): RunReport {
  const sum = (k: 'extracted' | 'created' | 'updated' | 'unchanged' | 'deleted' | 'quarantined' | 'skipped') => entities.reduce((n, e) => n + e[k], 0);
  return {
    runId: 'r1', migrationId: null, mode: 'run', status, sourceSystem: 'demo', tenantId: 't', targetSchema: 's', startedAt: '', finishedAt: null, durationSeconds: 1,
    entities,
    totals: { extracted: sum('extracted'), created: sum('created'), updated: sum('updated'), unchanged: sum('unchanged'), deleted: sum('deleted'), quarantined: sum('quarantined'), skipped: sum('skipped'), reconciles: entities.every((e) => e.reconciles) },
    warnings: { unmappedFields: [], unmappedPicklistValues: [], unmatchedOwners: [], orphans: [], other: [] },
    quarantineSample: [], throughput: { recordsPerSecond: 1 }, timings: {},
  };
}

describe('run outcome from a report', () => {
  const cases: { name: string; r: RunReport; outcome: string; reason?: RegExp; marks: string[] }[] = [
    { name: 'every record loaded', r: report([entity('Account', { extracted: 100, created: 100 })]), outcome: 'completed', marks: ['✓'] },
    { name: 'users all skipped by a mapping rule', r: report([entity('User', { extracted: 4, skipped: 4 }), entity('Account', { extracted: 10, created: 10 })]), outcome: 'completed', marks: ['✓', '✓'] },
    { name: 'one entity entirely quarantined', r: report([entity('Account', { extracted: 300, quarantined: 300 }), entity('Lead', { extracted: 10, created: 10 })]), outcome: 'failed', reason: /Account: 300 records, none loaded/, marks: ['✗', '✓'] },
    { name: '2% quarantined in one entity', r: report([entity('Contact', { extracted: 100, created: 98, quarantined: 2 }), entity('Lead', { extracted: 1000, created: 1000 })]), outcome: 'completed_with_issues', reason: /Contact: 2\.0% quarantined/, marks: ['!', '✓'] },
    { name: 'exactly 1% quarantined', r: report([entity('Contact', { extracted: 100, created: 99, quarantined: 1 })]), outcome: 'completed', marks: ['✓'] },
    { name: 'a run that stopped before the end', r: report([entity('Account', { extracted: 10, created: 10 })], 'failed'), outcome: 'failed', reason: /stopped before the end/, marks: ['✓'] },
    { name: 'counts that do not reconcile', r: report([entity('Account', { extracted: 10, created: 9, reconciles: false })]), outcome: 'failed', reason: /do not reconcile for Account/, marks: ['✗'] },
  ];
  it.each(cases)('given $name, then the outcome is $outcome', ({ r, outcome, reason, marks }) => {
    const v = reportOutcome(r);
    expect(v.outcome).toBe(outcome);
    expect(v.exitCode).toBe(EXIT_CODES[v.outcome]);
    if (reason) expect(v.reason).toMatch(reason);
    else expect(v.reason).toBeNull();
    expect(r.entities.map(entityMark)).toEqual(marks);
  });
});

describe('nexus-migrate run: outcomes and exit codes through the real CLI', () => {
  let tgt: TestSchema;
  let ctl: TestSchema;
  let work: string;
  beforeAll(async () => {
    tgt = await createTestSchema('outc_tgt');
    ctl = await createTestSchema('outc_ctl');
    await migrate(tgt.pool, 'target', tgt.schema);
    work = mkdtempSync(path.join(tmpdir(), 'outcome-'));
  });
  afterAll(async () => {
    await tgt.drop();
    await ctl.drop();
    rmSync(work, { recursive: true, force: true });
  });

  function run(args: string[]): Promise<{ code: number | null; out: string }> {
    return new Promise((resolve) => {
      const p = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/nexus-migrate.mjs'), 'run', '--target-schema', tgt.schema, '--control-schema', ctl.schema, '--report-dir', path.join(work, 'reports'), ...args], {
        cwd: work, env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      p.stdout.on('data', (c: Buffer) => (out += c.toString()));
      p.stderr.on('data', (c: Buffer) => (out += c.toString()));
      p.on('close', (code) => resolve({ code, out }));
    });
  }

  it('given the demo data into its seeded tenant, then run says completed and exits 0', async () => {
    const seeded = await seedDemoTenant(tgt.pool, tgt.schema, randomUUID());
    const vars = Object.entries(seeded.vars).map(([k, v]) => `${k}=${v}`).join(',');
    const r = await run(['--source', 'csv', '--path', DEMO_DIR, '--mapping', DEMO_MAPPING, '--tenant', seeded.tenantId, '--vars', vars]);
    expect(r.out).toMatch(/run [0-9a-f-]{36} completed in/);
    expect(r.code).toBe(0);
  });

  it('given a tenant that does not exist in the target, then run stops in preflight before loading, says how to create it, and exits 4', async () => {
    const tenant = randomUUID();
    const franchise = randomUUID();
    const count = async () => (await tgt.pool.query(`SELECT (SELECT count(*) FROM "${tgt.schema}".accounts) + (SELECT count(*) FROM "${tgt.schema}".shipments) AS n`)).rows[0].n;
    const before = await count();
    const r = await run(['--source', 'csv', '--path', DEMO_DIR, '--mapping', DEMO_MAPPING, '--tenant', tenant, '--vars', `FRANCHISE_ID=${franchise}`]);
    expect(r.out).toContain('preflight refused the run before anything loaded');
    expect(r.out).toContain(`tenant ${tenant} does not exist in ${tgt.schema}.tenants`);
    expect(r.out).toContain('--create-tenant');
    expect(r.out).not.toMatch(/completed/);
    expect(r.code).toBe(EXIT_CODES.failed);
    expect(await count()).toBe(before);
  });

  it('given the same new tenant with --create-tenant, then the tenant and franchise are created, the run loads, and the report records it', async () => {
    const tenant = randomUUID();
    const franchise = randomUUID();
    const r = await run(['--source', 'csv', '--path', DEMO_DIR, '--mapping', DEMO_MAPPING, '--tenant', tenant, '--vars', `FRANCHISE_ID=${franchise}`, '--create-tenant']);
    expect(r.out).toMatch(/run [0-9a-f-]{36} (completed|COMPLETED WITH ISSUES)/);
    expect([0, 3]).toContain(r.code);
    const json = /(\S+run-[0-9a-f-]{36}\.json)/.exec(r.out)![1]!;
    const rep = JSON.parse(readFileSync(json, 'utf8')) as RunReport;
    expect(rep.preflight).toEqual({ tenantCreated: true, franchiseCreated: true, tenantId: tenant, franchiseId: franchise });
    expect(rep.totals.created).toBeGreaterThan(5000);
    expect((await tgt.pool.query(`SELECT 1 FROM "${tgt.schema}".tenants WHERE id = $1`, [tenant])).rowCount).toBe(1);
  });
});
