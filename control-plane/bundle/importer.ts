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
import { verifyBundle, type BundleAgentLookup, type TransportKeyPair, type VerifiedBundle } from './verify.ts';
import { agentLookup } from './agents.ts';
import { bundleSource } from './bundle-source.ts';
import { claimBundle, finishBundle } from './ledger.ts';
import { userInfo } from 'node:os';

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
  /** Import a bundle whose source snapshot is older than one already imported (audited). */
  forceOlder?: boolean;
  /** Who imports, for the bundle ledger and the audit log (default cli:<user>). */
  actor?: string;
  /** Where the enrolled agents' public keys are read (default: the `agents` table of controlSchema). */
  agents?: BundleAgentLookup;
  /** Inject the engine (tests); default: control-plane/engine/run.ts. */
  runMigration?: RunMigration;
}

export interface ImportBundleResult {
  report: RunReport;
  bundle: Pick<VerifiedBundle, 'header' | 'manifest' | 'agent'>;
}

export async function loadRunMigration(): Promise<RunMigration> {
  const mod = (await import('../engine/run.ts')) as { runMigration: RunMigration };
  return mod.runMigration;
}

export async function importBundle(opts: ImportBundleOptions): Promise<ImportBundleResult> {
  const log = opts.logger ?? silentLogger;
  const verified = await verifyBundle(opts.file, { tenantId: opts.tenantId, key: opts.key, agents: opts.agents ?? agentLookup(opts.pool, opts.controlSchema) });
  log.info('bundle verified', { bundleId: verified.header.bundleId, agentId: verified.agent.id, agent: verified.agent.name, rows: verified.manifest.totalRows, entities: Object.keys(verified.manifest.entities).length });
  const { header, manifest } = verified;
  await claimBundle(opts.pool, opts.controlSchema, {
    file: opts.file, bundleId: header.bundleId, tenantId: opts.tenantId, sourceSystem: header.sourceSystem, snapshotAt: manifest.createdAt,
    forceOlder: opts.forceOlder ?? false, actor: opts.actor ?? `cli:${userInfo().username}`, agent: verified.agent,
  }).catch((err: unknown) => {
    verified.dataKey.fill(0);
    throw err;
  });
  let ok = false;
  let source: SourceConnector | undefined;
  try {
    const run = opts.runMigration ?? (await loadRunMigration());
    source = await bundleSource(verified);
    const report = await run({
      pool: opts.pool, source, mappingYaml: opts.mappingYaml, vars: opts.vars, tenantId: opts.tenantId,
      targetSchema: opts.targetSchema, controlSchema: opts.controlSchema, mode: opts.mode ?? 'run',
      migrationId: opts.migrationId, runKey: opts.runKey, batchSize: opts.batchSize, signal: opts.signal, logger: opts.logger,
    });
    ok = report.status !== 'failed';
    report.bundle = { bundleId: header.bundleId, agentId: verified.agent.id, agentName: verified.agent.name, snapshotAt: manifest.createdAt };
    return { report, bundle: { header: verified.header, manifest: verified.manifest, agent: verified.agent } };
  } finally {
    await source?.close();
    verified.dataKey.fill(0);
    await finishBundle(opts.pool, opts.controlSchema, header.bundleId, ok);
  }
}
