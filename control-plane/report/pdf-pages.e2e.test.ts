/**
 * The PDF report as a person sees it: a real `nexus-migrate run` of the demo data writes its JSON
 * and PDF reports; every PDF page is rendered to PNG with poppler's pdftoppm (landscape A4 pages,
 * none blank), and the summary on page 1 (poppler's pdftotext of it) holds the JSON report's
 * numbers: each entity's row and the total row, column by column, and the throughput.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrateCli } from '../../test/support/cli-run.ts';
import { createTestSchema, type TestSchema } from '../../test/support/pg.ts';
import { DEMO_DIR, DEMO_MAPPING, seedDemoTenant } from '../../resources/demo/seed.ts';
import { migrate } from '../db/migrate.ts';
import { COUNT_COLUMNS, fmtInt, fmtNum } from './format.ts';
import type { RunReport } from './types.ts';

let tgt: TestSchema;
let ctl: TestSchema;
let work: string;
let report: RunReport;
let pdf: string;

beforeAll(async () => {
  tgt = await createTestSchema('pdfpages_tgt');
  ctl = await createTestSchema('pdfpages_ctl');
  await migrate(tgt.pool, 'target', tgt.schema);
  work = mkdtempSync(path.join(tmpdir(), 'pdf-pages-'));
  const tenant = randomUUID();
  const { franchiseId } = await seedDemoTenant(tgt.pool, tgt.schema, tenant);
  const r = await runMigrateCli({ targetSchema: tgt.schema, controlSchema: ctl.schema, work }, ['--source', 'csv', '--path', DEMO_DIR, '--mapping', DEMO_MAPPING, '--tenant', tenant, '--franchise', franchiseId]);
  expect(r.report, r.out).toBeTruthy();
  report = r.report;
  pdf = path.join(work, 'reports', `run-${report.runId}.pdf`);
}, 180_000);

afterAll(async () => {
  await tgt?.drop();
  await ctl?.drop();
  rmSync(work, { recursive: true, force: true });
});

interface Png { width: number; height: number; distinctBytes: number }

/** Read an 8-bit PNG from pdftoppm (grey or RGB): its size, and how many distinct bytes its scanlines hold (a blank page filters to one or two). */
function readPng(file: string): Png {
  const buf = readFileSync(file);
  expect(buf.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  let off = 8;
  let width = 0;
  let height = 0;
  let bpp = 1;
  const idat: Buffer[] = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect(data[8]).toBe(8);
      expect([0, 2]).toContain(data[9]); // greyscale or RGB
      bpp = data[9] === 2 ? 3 : 1;
    }
    if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp + 1;
  expect(raw.length).toBe(stride * height);
  const bytes = new Set<number>();
  // Each scanline is a filter byte, then the (filtered) pixel bytes.
  for (let y = 0; y < height; y++) for (let x = 1; x < stride; x++) bytes.add(raw[y * stride + x]!);
  return { width, height, distinctBytes: bytes.size };
}

describe('the PDF report rendered to PNG', () => {
  it('given a real run, then every page renders to a landscape A4 PNG that is not blank', () => {
    const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }))![1]);
    expect(pages).toBeGreaterThanOrEqual(1);
    const out = path.join(work, 'png');
    mkdirSync(out);
    execFileSync('pdftoppm', ['-png', '-gray', '-r', '40', pdf, path.join(out, 'page')]);
    const files = readdirSync(out).filter((f) => f.endsWith('.png')).sort();
    expect(files).toHaveLength(pages);
    for (const f of files) {
      const png = readPng(path.join(out, f));
      // A4 landscape is 297 × 210 mm: at 40 dpi, 468 × 331 pixels.
      expect(png.width, f).toBeGreaterThan(png.height);
      expect(Math.abs(png.width / png.height - 297 / 210), f).toBeLessThan(0.02);
      expect(png.distinctBytes, `${f} has ink on it`).toBeGreaterThan(8);
    }
  });

  it("given a real run, then page 1's summary holds the JSON report's numbers, entity by entity and in total", () => {
    expect(report.totals.extracted).toBeGreaterThan(5000);
    const page1 = execFileSync('pdftotext', ['-layout', '-f', '1', '-l', '1', pdf, '-'], { encoding: 'utf8' });
    const numbersOf = (label: RegExp): string[] => {
      const line = page1.split('\n').find((l) => label.test(l));
      expect(line, `a row for ${label} on page 1:\n${page1}`).toBeDefined();
      return line!.replace(label, '').trim().split(/\s+/).slice(0, COUNT_COLUMNS.length);
    };
    for (const e of report.entities) {
      expect(numbersOf(new RegExp(`^\\s*${e.entity}\\s+${e.target}\\b`)), e.entity).toEqual(COUNT_COLUMNS.map((k) => fmtInt(e[k])));
    }
    expect(numbersOf(/^\s*Total\b/)).toEqual(COUNT_COLUMNS.map((k) => fmtInt(report.totals[k])));
    expect(page1).toContain(`${fmtNum(report.throughput.recordsPerSecond)} records/s`);
    expect(page1).toContain(report.runId);
  });
});
