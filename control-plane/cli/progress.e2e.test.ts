/**
 * Progress through the real CLI: `nexus-migrate run` of the demo CSVs into real PostgreSQL, once
 * under a pseudo-terminal (util-linux `script`), where each entity has a cli-progress bar with its
 * total, percent, rate and ETA redrawn as batches land, and once with stderr a pipe, where each
 * entity gets a line every interval with growing counts, and a last line at 100%.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../agent/core/testing/processes.ts';
import { migrate } from '../db/migrate.ts';
import { DEMO_DIR, DEMO_MAPPING, seedDemoTenant } from '../../resources/demo/seed.ts';
import { createTestSchema, TEST_DATABASE_URL, type TestSchema } from '../../test/support/pg.ts';
import type { RunReport } from '../report/types.ts';

// The demo's bigger entities, and their data rows (lines less the header).
const BIG = ['ChargeLine', 'RoutingLeg', 'Activity'];
const rows = (entity: string) => readFileSync(path.join(DEMO_DIR, `${entity}.csv`), 'utf8').trimEnd().split('\n').length - 1;

interface Ran { code: number | null; out: string }

function run(cmd: string, args: string[], env: Record<string, string>): Promise<Ran> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (out += c.toString()));
    p.on('close', (code) => resolve({ code, out }));
  });
}

const shellQuote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
const num = (s: string) => Number(s.replace(/,/g, ''));

describe('nexus-migrate run progress (real CLI, real Postgres)', () => {
  let tgt: TestSchema;
  let work: string;
  let seeded: Awaited<ReturnType<typeof seedDemoTenant>>;
  const controls: TestSchema[] = [];
  beforeAll(async () => {
    tgt = await createTestSchema('ops_prog_tgt');
    await migrate(tgt.pool, 'target', tgt.schema);
    seeded = await seedDemoTenant(tgt.pool, tgt.schema, randomUUID());
    work = mkdtempSync(path.join(tmpdir(), 'ops-progress-'));
  });
  afterAll(async () => {
    for (const c of controls) await c.drop();
    await tgt.drop();
    rmSync(work, { recursive: true, force: true });
  });

  async function cliArgs(): Promise<string[]> {
    const ctl = await createTestSchema('ops_prog_ctl');
    controls.push(ctl);
    return [
      path.join(REPO_ROOT, 'bin/nexus-migrate.mjs'), 'run', '--source', 'csv', '--path', DEMO_DIR, '--mapping', DEMO_MAPPING,
      '--tenant', seeded.tenantId, '--franchise', seeded.franchiseId, '--target-schema', tgt.schema, '--control-schema', ctl.schema,
      // Small batches: the demo CSVs load in well under a second otherwise, too fast for a bar to
      // be drawn at 10 fps more than once while it moves.
      '--batch-size', '5', '--report-dir', path.join(work, ctl.schema), '--run-key', randomUUID(),
    ];
  }
  const reportOf = (out: string) => JSON.parse(readFileSync(/\s(\S+\.json)\r?\n/.exec(out)![1]!, 'utf8')) as RunReport;

  it('given a terminal, then each entity has a bar with its total, percent, rate and ETA that keeps moving, ending at 100%', async () => {
    const args = await cliArgs();
    const r = await run('script', ['-qfec', [process.execPath, ...args].map(shellQuote).join(' '), '/dev/null'], { DATABASE_URL: TEST_DATABASE_URL, COLUMNS: '200', TERM: 'xterm' });
    expect([0, 3], r.out).toContain(r.code);
    const report = reportOf(r.out);
    // cli-progress redraws in place: cursor movement, not one line per update.
    expect(r.out).toMatch(/\x1b\[\d*[ABGK]/);
    for (const entity of BIG) {
      const extracted = report.entities.find((e) => e.entity === entity)!.extracted;
      expect(extracted).toBe(rows(entity));
      const frames = [...r.out.matchAll(new RegExp(`${entity} +[█░]{24} ([\\d,]+)/(~?)([\\d,]+) +(\\d+)% \\| ([\\d,]+) rec/s \\| ETA (\\S+(?: \\S+s)?) \\| loaded`, 'g'))]
        .map((m) => ({ read: num(m[1]!), total: num(m[3]!), percent: Number(m[4]), rate: num(m[5]!), eta: m[6]! }));
      const moving = frames.filter((f) => f.read < f.total);
      // The total is the CSV's row count from discovery, known from the first frame.
      for (const f of frames) expect(f.total, entity).toBe(extracted);
      expect(new Set(moving.map((f) => f.read)).size, `${entity} bar frames: ${JSON.stringify(frames)}`).toBeGreaterThanOrEqual(2);
      for (const f of moving) {
        expect(f.percent).toBe(Math.floor((f.read / f.total) * 100));
        expect(f.rate).toBeGreaterThan(0);
        expect(f.eta).toMatch(/^\d+s$|^\d+m \d\ds$/);
      }
      expect(frames.at(-1)).toMatchObject({ read: extracted, total: extracted, percent: 100, eta: 'done' });
    }
  });

  it('given stderr is not a terminal, then each entity prints a line every interval with growing counts, and a last line at 100%', async () => {
    const r = await run(process.execPath, await cliArgs(), { DATABASE_URL: TEST_DATABASE_URL, NEXUS_PROGRESS_INTERVAL_MS: '150' });
    expect([0, 3], r.out).toContain(r.code);
    const report = reportOf(r.out);
    expect(r.out).not.toMatch(/\x1b\[|\r/);
    for (const entity of BIG) {
      const extracted = report.entities.find((e) => e.entity === entity)!.extracted;
      const lines = [...r.out.matchAll(new RegExp(`^${entity}: read ([\\d,]+) of (~?)([\\d,]+) \\((\\d+)%\\), loaded ([\\d,]+), quarantined ([\\d,]+), ([\\d,]+) rec/s, ETA (.+)$`, 'gm'))]
        .map((m) => ({ read: num(m[1]!), total: num(m[3]!), percent: Number(m[4]), eta: m[8]! }));
      const reads = lines.map((l) => l.read);
      expect(reads, `${entity}: ${JSON.stringify(lines)}`).toEqual([...reads].sort((a, b) => a - b));
      expect(new Set(reads.filter((n) => n < extracted)).size, `${entity}: ${JSON.stringify(lines)}`).toBeGreaterThanOrEqual(2);
      for (const l of lines) expect(l.total).toBe(extracted);
      expect(lines.filter((l) => l.read < l.total).every((l) => /^\d+s$|^\d+m \d\ds$/.test(l.eta))).toBe(true);
      expect(lines.at(-1)).toMatchObject({ read: extracted, total: extracted, percent: 100, eta: 'done' });
    }
  });
});
