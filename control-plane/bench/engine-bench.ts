/**
 * The engine benchmark: synthetic CRM + logistics records through runMigration into fresh schemas,
 * then the physical limit measured in the same run (psql \copy of the same final rows into an
 * identical empty schema). Peak RSS is sampled throughout.
 */
import { readFile } from 'node:fs/promises';
import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { migrate } from '../db/migrate.ts';
import { quoteIdent } from '../db/sql/ident.ts';
import { runMigration, type ProgressEvent } from '../engine/run.ts';
import { syntheticSource } from './synthetic-source.ts';
import { measureCopyBaseline } from './copy-baseline.ts';

export const BENCH_TABLES = ['accounts', 'contacts', 'opportunities', 'shipments', 'shipment_containers', 'invoices'];

export interface EngineBenchResult {
  records: number;
  seconds: number;
  copySeconds: number;
  ratio: number;
  peakRssMb: number;
  loaded: number;
  quarantined: number;
}

/** Sample RSS every 50 ms; resolve the peak when stopped. */
export function rssSampler(): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      return Math.round(Math.max(peak, process.memoryUsage().rss) / 1048576);
    },
  };
}

export async function benchEngine(opts: { pool: pg.Pool; url: string; records: number; seed?: number; batchSize?: number; loadPath?: 'auto' | 'merge'; parallelism?: number; baseline?: boolean; onProgress?: (e: ProgressEvent) => void; keep?: boolean }): Promise<EngineBenchResult> {
  const tag = randomBytes(4).toString('hex');
  const targetSchema = `bench_${tag}_t`;
  const controlSchema = `bench_${tag}_c`;
  const tenantId = randomUUID();
  const franchiseId = randomUUID();
  await migrate(opts.pool, 'target', targetSchema);
  await migrate(opts.pool, 'control', controlSchema);
  try {
    await opts.pool.query(`INSERT INTO ${quoteIdent(targetSchema)}.tenants (id, name, slug) VALUES ($1, 'Bench', $2)`, [tenantId, tag]);
    await opts.pool.query(`INSERT INTO ${quoteIdent(targetSchema)}.franchises (id, tenant_id, name) VALUES ($1, $2, 'HQ')`, [franchiseId, tenantId]);
    const mappingYaml = await readFile(new URL('./mapping.yaml', import.meta.url), 'utf8');
    const rss = rssSampler();
    const started = process.hrtime.bigint();
    const report = await runMigration({
      pool: opts.pool, source: syntheticSource({ records: opts.records, seed: opts.seed ?? 42 }), mappingYaml,
      vars: { FRANCHISE_ID: franchiseId }, tenantId, targetSchema, controlSchema, mode: 'run',
      batchSize: opts.batchSize ?? 10_000, onProgress: opts.onProgress, loadPath: opts.loadPath, parallelism: opts.parallelism,
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const peakRssMb = rss.stop();
    if (!report.totals.reconciles) throw new Error('benchmark run did not reconcile');
    const copySeconds = opts.baseline === false ? NaN : await measureCopyBaseline({ url: opts.url, sourceSchema: targetSchema, tables: BENCH_TABLES });
    const loaded = report.totals.created + report.totals.updated + report.totals.unchanged;
    return { records: report.totals.extracted, seconds, copySeconds, ratio: seconds / copySeconds, peakRssMb, loaded, quarantined: report.totals.quarantined };
  } finally {
    if (!opts.keep) await opts.pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(targetSchema)} CASCADE; DROP SCHEMA IF EXISTS ${quoteIdent(controlSchema)} CASCADE`);
  }
}
