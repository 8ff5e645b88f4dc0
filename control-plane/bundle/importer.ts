/**
 * Import an offline bundle: verify all of it first (tamper, truncation, wrong tenant: rejected whole,
 * before any row is loaded), then run it through the engine exactly like a live run, with a CSV
 * source streaming the verified frames. Decrypted data never touches the disk.
 */
import type pg from 'pg';
import type { SourceConnector } from '../../shared/connector.ts';
import { silentLogger, type Logger } from '../../shared/log/logger.ts';
import type { RunReport } from '../report/types.ts';
import type { RunOptions } from '../engine/run.ts';
import { verifyBundle, type TransportKeyPair, type VerifiedBundle } from './verify.ts';
import { bundleSource } from './bundle-source.ts';

export { BundleRejectedError, verifyBundle, type TransportKeyPair } from './verify.ts';

/** The engine entry point (control-plane/engine/run.ts), loaded lazily. */
export type RunMigration = (opts: RunOptions) => Promise<RunReport>;

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
  bundle: Pick<VerifiedBundle, 'header' | 'manifest'>;
}

export async function loadRunMigration(): Promise<RunMigration> {
  const mod = (await import('../engine/run.ts')) as { runMigration: RunMigration };
  return mod.runMigration;
}

export async function importBundle(opts: ImportBundleOptions): Promise<ImportBundleResult> {
  const log = opts.logger ?? silentLogger;
  const verified = await verifyBundle(opts.file, { tenantId: opts.tenantId, key: opts.key });
  log.info('bundle verified', { bundleId: verified.header.bundleId, rows: verified.manifest.totalRows, entities: Object.keys(verified.manifest.entities).length });
  const run = opts.runMigration ?? (await loadRunMigration());
  const source = await bundleSource(verified);
  try {
    const report = await run({
      pool: opts.pool, source, mappingYaml: opts.mappingYaml, vars: opts.vars, tenantId: opts.tenantId,
      targetSchema: opts.targetSchema, controlSchema: opts.controlSchema, mode: opts.mode ?? 'run',
      migrationId: opts.migrationId, runKey: opts.runKey, batchSize: opts.batchSize, signal: opts.signal, logger: opts.logger,
    });
    return { report, bundle: { header: verified.header, manifest: verified.manifest } };
  } finally {
    await source.close();
    verified.dataKey.fill(0);
  }
}
