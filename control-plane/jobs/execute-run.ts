/**
 * One attempt of a run, inside a worker: open the migration's source, run the engine, and say how
 * the attempt ended. A finished or stopped run writes the migration's status, the report, the
 * logs and the webhooks here; a run that must wait (database, agent, vendor) is left to the worker
 * to retry from its checkpoint, with nothing written that would look like an ending.
 */
import type pg from 'pg';
import type PgBoss from 'pg-boss';
import { createLogger, type LogEntry, type Logger } from '../../shared/log/logger.ts';
import { redactText } from '../../shared/log/redact.ts';
import type { OutboundDispatcher } from '../../shared/net/outbound.ts';
import type { EncodedKeyPair } from '../../shared/crypto/index.ts';
import type { RunReport } from '../report/types.ts';
import type { CredentialStore } from '../api/credentials/store.ts';
import { withSystem, type Db } from '../api/db.ts';
import { errorMessage } from '../api/http.ts';
import { openMigrationSource } from '../api/migration-source.ts';
import type { ConnectorPort, EnginePort, ProgressEvent } from '../api/ports.ts';
import type { WebhookDispatcher } from '../api/webhooks/dispatcher.ts';
import type { LivePublisher } from './live-events.ts';
import { waitReason } from './transient.ts';
import { endMessage, endOfRun, type FollowUp } from '../api/run-end.ts';
import { unitScheduler } from './units.ts';
import type { BatchObservation, ProcessMetrics } from '../metrics/metrics.ts';

export interface ExecuteDeps {
  db: Db;
  targetSchema: string;
  engine: EnginePort;
  connectors: ConnectorPort;
  credentials: CredentialStore;
  /** The process's outbound dispatcher: every connector request of a run goes through it. */
  outbound?: OutboundDispatcher;
  agentTransportKey?: EncodedKeyPair | null;
  live: LivePublisher;
  webhooks: WebhookDispatcher;
  log: Logger;
  /** The job queue: with it, a run whose migration asks for parallelism > 1 spreads its units over workers. */
  boss?: PgBoss;
  /** This process's Prometheus metrics (control-plane/metrics): each batch is counted there. */
  metrics?: ProcessMetrics | null;
}

export interface MigrationRow {
  id: string;
  tenant_id: string;
  name: string;
  source_system: string;
  status: string;
  config: Record<string, unknown>;
  mapping_yaml: string | null;
}

export interface AttemptControl {
  signal: AbortSignal;
  /** Why the signal was aborted: a user's pause/cancel, or the worker handing the run over. */
  stopAs(): 'paused' | 'cancelled' | 'handover' | null;
  onProgress(e: ProgressEvent & { loaded: number; etaSeconds: number | null }): void;
}

export type AttemptResult =
  | { kind: 'ended'; status: string }
  | { kind: 'wait'; waitingFor: string; error: string }
  | { kind: 'handover' };

export async function loadMigrationRow(db: Db, id: string): Promise<MigrationRow | null> {
  return withSystem(db, async (c) => (await c.query<MigrationRow>('SELECT * FROM migrations WHERE id = $1', [id])).rows[0] ?? null);
}

export async function executeAttempt(d: ExecuteDeps, m: MigrationRow, mode: 'run' | 'dry-run', ctl: AttemptControl, followUp: FollowUp | null = null): Promise<AttemptResult> {
  const { db } = d;
  const tenantId = m.tenant_id;
  const log = d.log.child({ migrationId: m.id, mode });
  const estimates = (m.config.estimatedCounts ?? {}) as Record<string, number>;
  const batchSize = typeof m.config.batchSize === 'number' ? m.config.batchSize : undefined;
  const parallelism = runParallelism(m.config);
  let runId: string | null = null;
  let logChain: Promise<unknown> = Promise.resolve();
  const dbSink = (e: LogEntry): void => {
    const { ts: _ts, level, msg, runId: rid, ...fields } = e;
    logChain = logChain
      .then(() => withSystem(db, (c) => c.query(
        'INSERT INTO logs (tenant_id, migration_id, run_id, level, message, fields) VALUES ($1, $2, $3, $4, $5, $6)',
        [tenantId, m.id, typeof rid === 'string' ? rid : runId, level, msg, JSON.stringify(fields)],
      )))
      .catch(() => undefined);
  };
  const engineLog = createLogger({ level: 'info', sinks: [dbSink], base: {} });
  let report: RunReport | null = null;
  let failure: unknown = null;
  const source = await (followUp ? followUp.open() : openMigrationSource(d, m, log)).catch((err: unknown) => {
    failure = err;
    return null;
  });
  try {
    if (source) {
      await dbLog(db, tenantId, m.id, null, 'info', `${mode} started`).catch(() => undefined);
      report = await d.engine.runMigration({
        pool: db.pool,
        source,
        mappingYaml: m.mapping_yaml ?? '',
        vars: { TENANT_ID: tenantId, FRANCHISE_ID: String(m.config.franchiseId ?? tenantId) },
        tenantId,
        targetSchema: d.targetSchema,
        controlSchema: db.schema,
        mode,
        migrationId: m.id,
        runKey: followUp?.runKey ?? `${m.id}:${mode}`,
        batchSize,
        parallelism,
        units: d.boss && parallelism > 1 ? unitScheduler({ db, boss: d.boss, migrationId: m.id, tenantId, log, job: { batchSize } }) : undefined,
        signal: ctl.signal,
        logger: engineLog,
        ...(d.metrics ? { onBatch: (b: BatchObservation) => d.metrics!.batch(b) } : {}),
        onProgress: (e: ProgressEvent) => {
          runId = e.runId;
          const loaded = e.created + e.updated + e.unchanged;
          const est = estimates[e.entity];
          const eta = est && e.recordsPerSecond > 0 ? Math.max(0, (est - e.extracted) / e.recordsPerSecond) : null;
          ctl.onProgress({ ...e, loaded, etaSeconds: eta });
        },
      });
      runId = report.runId;
      if (report.status === 'failed') failure = new Error(report.error ?? 'run failed');
    }
  } catch (err) {
    failure = err;
  } finally {
    if (source) await source.close().catch(() => undefined);
    await logChain;
  }
  const stopAs = ctl.stopAs();
  const completed = !!report && report.status === 'completed' && !failure;
  if (!completed && stopAs === 'handover') return { kind: 'handover' };
  if (!completed && !stopAs && failure) {
    const wait = waitReason(failure);
    if (wait) {
      await dbLog(db, tenantId, m.id, runId, 'info', `${mode} waiting for ${wait.waitingFor}: ${errorMessage(failure)}`).catch(() => undefined);
      return { kind: 'wait', waitingFor: wait.waitingFor, error: redactText(errorMessage(failure), tenantId) };
    }
  }
  const failureText = failure ? errorMessage(failure) : null;
  const stopped = !completed && stopAs !== null;
  // The outcome is decided and stored (report/settle.ts): a run whose outcome is failed ends failed.
  const end = await endOfRun(db, m, { report, failure: failureText, completed, stopped, followUp });
  // A stop that arrived after the last batch does not undo a completed run.
  const next = completed ? (mode === 'dry-run' ? 'awaiting_approval' : end.outcome === 'failed' ? 'failed' : 'completed') : stopAs ?? 'failed';
  await finishRun(d, { migrationId: m.id, tenantId, mode, next, runId, failure: failureText, name: m.name, stopped, end, followUp });
  return { kind: 'ended', status: next };
}

/** Write a run's ending: status, log line, live event and webhook (the outcome is already stored). */
export async function finishRun(
  d: Pick<ExecuteDeps, 'db' | 'live' | 'webhooks'>,
  r: {
    migrationId: string; tenantId: string; mode: 'run' | 'dry-run'; next: string; runId: string | null; failure: string | null; name: string; stopped: boolean;
    end?: Awaited<ReturnType<typeof endOfRun>>; followUp?: FollowUp | null;
  },
): Promise<void> {
  await withSystem(d.db, (c) => c.query('UPDATE migrations SET status = $2, updated_at = now() WHERE id = $1', [r.migrationId, r.next]));
  const failed = r.next === 'failed';
  const end = r.end ?? { outcome: r.stopped ? null : 'failed' as const, reason: r.failure, report: null, event: () => 'migration.critical' as const };
  const why = r.failure ?? end.reason ?? 'no report';
  await dbLog(d.db, r.tenantId, r.migrationId, r.runId, failed || (end.outcome !== null && end.outcome !== 'completed') ? 'error' : 'info', endMessage(r.mode, r.next, end, why));
  d.live.publish(r.tenantId, { type: 'status', migrationId: r.migrationId, status: r.next, runId: r.runId, error: failed ? redactText(why, r.tenantId) : null });
  if (r.stopped) return;
  const summary = {
    migrationId: r.migrationId, name: r.name, mode: r.mode, runId: r.runId, status: r.next, outcome: end.outcome, outcomeReason: end.reason,
    retryOf: r.followUp?.retryOf ?? null, totals: end.report?.totals ?? null, error: r.failure ? redactText(r.failure, r.tenantId) : null,
  };
  d.webhooks.emit(r.tenantId, end.event(r.mode, !!end.report), summary);
}

async function dbLog(db: Db, tenantId: string, migrationId: string, runId: string | null, level: 'info' | 'error', message: string): Promise<void> {
  await withSystem(db, (c: pg.PoolClient) =>
    c.query('INSERT INTO logs (tenant_id, migration_id, run_id, level, message) VALUES ($1, $2, $3, $4, $5)', [tenantId, migrationId, runId, level, redactText(message, tenantId)]),
  );
}

/** Units of a dependency level loaded at once, over every worker (config.parallelism, 1 to 16; default 1). */
export function runParallelism(config: Record<string, unknown>): number {
  const p = config.parallelism;
  return typeof p === 'number' && Number.isInteger(p) && p >= 1 ? Math.min(16, p) : 1;
}
