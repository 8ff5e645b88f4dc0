/**
 * Import an offline bundle: verify all of it first (tamper, truncation, wrong tenant: rejected whole,
 * before any row is loaded), then run it through the engine exactly like a live run, with a CSV
 * source over the verified entity files. The decrypted files live in a private temp folder that
 * is removed afterwards, whatever happens.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { CsvConnector } from '../../connectors/csv/index.ts';
import type { SourceConnector } from '../../shared/connector.ts';
import { silentLogger, type Logger } from '../../shared/log/logger.ts';
import type { RunReport } from '../report/types.ts';
import { verifyBundle, type TransportKeyPair, type VerifiedBundle } from './verify.ts';

export { BundleRejectedError, verifyBundle, type TransportKeyPair } from './verify.ts';

/** The engine entry point (control-plane/engine/run.ts), loaded lazily. */
export type RunMigration = (opts: {
  pool: pg.Pool;
  source: SourceConnector;
  mappingYaml: string;
  vars?: Record<string, string>;
  tenantId: string;
  targetSchema: string;
  controlSchema: string;
  mode: 'run' | 'dry-run';
  migrationId?: string;
  runKey?: string;
  batchSize?: number;
  signal?: AbortSignal;
  logger?: Logger;
}) => Promise<RunReport>;

export interface ImportBundleOptions {
  file: string;
  tenantId: string;
  /** The control plane's transport key pair (the bundle's data key is wrapped for its public half). */
  key: TransportKeyPair;
  pool: pg.Pool;
  mappingYaml: string;
  vars?: Record<string, string>;
  targetSchema: string;
  controlSchema: string;
  mode?: 'run' | 'dry-run';
  migrationId?: string;
  runKey?: string;
  batchSize?: number;
  signal?: AbortSignal;
  logger?: Logger;
  /** Inject the engine (tests); default: control-plane/engine/run.ts. */
  runMigration?: RunMigration;
}

export interface ImportBundleResult {
  report: RunReport;
  bundle: Omit<VerifiedBundle, 'dir'>;
}

const ENGINE_MODULE = '../engine/run.ts';

export async function loadRunMigration(): Promise<RunMigration> {
  const mod = (await import(ENGINE_MODULE)) as { runMigration: RunMigration };
  return mod.runMigration;
}

export async function importBundle(opts: ImportBundleOptions): Promise<ImportBundleResult> {
  const log = opts.logger ?? silentLogger;
  const work = await mkdtemp(path.join(os.tmpdir(), 'nexus-bundle-'));
  try {
    const verified = await verifyBundle(opts.file, { tenantId: opts.tenantId, key: opts.key, outDir: path.join(work, 'csv') });
    log.info('bundle verified', { bundleId: verified.header.bundleId, rows: verified.manifest.totalRows, entities: Object.keys(verified.manifest.entities).length });
    const run = opts.runMigration ?? (await loadRunMigration());
    const source = await new CsvConnector({ dir: verified.dir }).open();
    try {
      const report = await run({
        pool: opts.pool, source, mappingYaml: opts.mappingYaml, vars: opts.vars, tenantId: opts.tenantId,
        targetSchema: opts.targetSchema, controlSchema: opts.controlSchema, mode: opts.mode ?? 'run',
        migrationId: opts.migrationId, runKey: opts.runKey, batchSize: opts.batchSize, signal: opts.signal, logger: opts.logger,
      });
      return { report, bundle: { header: verified.header, manifest: verified.manifest } };
    } finally {
      await source.close();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
