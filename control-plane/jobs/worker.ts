/**
 * A run worker: fetches run jobs from the queue, holds each run's lease while the engine runs it,
 * retries what must wait (database, agent, vendor) from the checkpoint with backoff, hands runs
 * over on shutdown, and reaps runs whose worker died. `nexus-migrate worker` runs one; `serve`
 * runs one too unless `--no-worker`.
 */
import os from 'node:os';
import type PgBoss from 'pg-boss';
import type pg from 'pg';
import type { Logger } from '../../shared/log/logger.ts';
import { withSecretScope } from '../../shared/log/redact.ts';
import type { OutboundDispatcher } from '../../shared/net/outbound.ts';
import type { EncodedKeyPair } from '../../shared/crypto/index.ts';
import type { CredentialStore } from '../api/credentials/store.ts';
import { withSystem, type Db } from '../api/db.ts';
import { errorMessage } from '../api/http.ts';
import type { ConnectorPort, EnginePort } from '../api/ports.ts';
import type { WebhookDispatcher } from '../api/webhooks/dispatcher.ts';
import { RUN_QUEUE, UNIT_QUEUE, sendRunJob, type FollowUpJob, type RunJobData, type UnitJobData } from './boss.ts';
import { executeUnit } from './unit-worker.ts';
import { prepareFollowUp } from '../retry/follow-up.ts';
import type { FollowUp } from '../api/run-end.ts';
import { executeAttempt, finishRun, loadMigrationRow, type AttemptResult } from './execute-run.ts';
import { RunLease } from './lease.ts';
import { livePublisher, poolConnectionConfig, type LivePublisher } from './live-events.ts';
import { reapStaleRuns } from './reaper.ts';
import { deleteActiveRun, releaseActiveRun, setActiveRunJob } from './sql/active-runs.ts';
import { MAX_ATTEMPTS, retryDelaySeconds, waitReason } from './transient.ts';

export interface WorkerOptions {
  db: Db;
  boss: PgBoss;
  targetSchema: string;
  engine: EnginePort;
  connectors: ConnectorPort;
  credentials: CredentialStore;
  /** The process's outbound dispatcher (connector requests); the process-wide one when absent. */
  outbound?: OutboundDispatcher;
  /** The control plane's transport key pair: lets this worker read agent-staged batches (agent-sourced migrations). */
  agentTransportKey?: EncodedKeyPair | null;
  webhooks: WebhookDispatcher;
  log: Logger;
  /** Runs this worker executes at once (default 2). */
  concurrency?: number;
  /** Units (entities that runs hand out) this worker loads at once (default: concurrency; 0: none, it only runs runs). */
  unitConcurrency?: number;
  /** A name in logs and in active_runs.worker (default host:pid). */
  name?: string;
  heartbeatMs?: number;
  staleSeconds?: number;
  reaperMs?: number;
  pollSeconds?: number;
  /** This process's Prometheus metrics: the runs' batches are counted there. */
  metrics?: import('../metrics/metrics.ts').ProcessMetrics | null;
}

export { STALE_SECONDS } from './stale.ts';
import { STALE_SECONDS } from './stale.ts';

export class RunWorker {
  readonly name: string;
  private readonly live: LivePublisher;
  private readonly inflight = new Map<string, { abort(as: 'paused' | 'cancelled' | 'handover'): void; done: Promise<void> }>();
  private workIds: string[] = [];
  private reaper: NodeJS.Timeout | null = null;
  private stopping = false;

  constructor(private readonly o: WorkerOptions) {
    this.name = o.name ?? `${os.hostname()}:${process.pid}`;
    this.live = livePublisher(o.db.pool, o.db.schema, o.log);
  }

  async start(): Promise<void> {
    const n = Math.max(1, this.o.concurrency ?? 2);
    for (let i = 0; i < n; i++) {
      this.workIds.push(await this.o.boss.work<RunJobData>(RUN_QUEUE, { batchSize: 1, pollingIntervalSeconds: this.o.pollSeconds ?? 1 }, async (jobs) => {
        // A run's secrets (tokens its connector is issued) belong to its tenant, and so does what is redacted for it.
        for (const job of jobs) await withSecretScope(job.data.tenantId, () => this.handle(job.id, job.data));
      }));
    }
    const units = Math.max(0, this.o.unitConcurrency ?? n);
    for (let i = 0; i < units; i++) {
      this.workIds.push(await this.o.boss.work<UnitJobData>(UNIT_QUEUE, { batchSize: 1, pollingIntervalSeconds: this.o.pollSeconds ?? 1 }, async (jobs) => {
        for (const job of jobs) await withSecretScope(job.data.tenantId, () => this.handleUnit(job.id, job.data));
      }));
    }
    const every = this.o.reaperMs ?? 5000;
    this.reaper = setInterval(() => {
      if (this.stopping) return;
      reapStaleRuns({ db: this.o.db, boss: this.o.boss, staleSeconds: this.o.staleSeconds ?? STALE_SECONDS, log: this.o.log, worker: this.name })
        .catch((err: unknown) => this.o.log.warn('reaper pass failed', { error: errorMessage(err) }));
    }, every);
    this.reaper.unref();
    this.o.log.info('run worker started', { worker: this.name, concurrency: n, unitConcurrency: units });
  }

  /** A stop asked in this process for a run this worker holds: act now, not at the next heartbeat. */
  stopLocal(migrationId: string, as: 'paused' | 'cancelled'): boolean {
    const r = this.inflight.get(migrationId);
    if (!r) return false;
    r.abort(as);
    return true;
  }

  /** Runs executing in this process now. */
  running(): string[] {
    return [...this.inflight.keys()];
  }

  /** Wait until this worker executes nothing. */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight.values()].map((r) => r.done));
  }

  /** Stop fetching, hand running runs over (they resume on another worker), and wait. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.reaper) clearInterval(this.reaper);
    // Abort first: pg-boss's offWork waits for the handler that is running.
    for (const r of this.inflight.values()) r.abort('handover');
    this.unitHandover.abort();
    await Promise.all(this.workIds.map((id) => this.o.boss.offWork(id).catch(() => undefined)));
    for (const r of this.inflight.values()) r.abort('handover');
    await this.idle();
    await Promise.allSettled([...this.units]);
    await this.live.flush();
  }

  /** Units this process loads now: "runId:entity". */
  runningUnits(): string[] {
    return [...this.unitNames];
  }

  private readonly unitHandover = new AbortController();
  private readonly units = new Set<Promise<void>>();
  private readonly unitNames = new Set<string>();

  private async handleUnit(jobId: string, data: UnitJobData): Promise<void> {
    if (this.stopping) return;
    const name = `${data.runId}:${data.entity}`;
    this.unitNames.add(name);
    const p = executeUnit({ ...this.o, live: this.live, worker: this.name, heartbeatMs: this.o.heartbeatMs }, jobId, data, { handover: this.unitHandover });
    this.units.add(p);
    try {
      await p;
      await this.o.boss.complete(UNIT_QUEUE, jobId, {}).catch(() => undefined);
    } finally {
      this.units.delete(p);
      this.unitNames.delete(name);
    }
  }

  private async handle(jobId: string, data: RunJobData): Promise<void> {
    const { log } = this.o;
    let lease: RunLease | null;
    try {
      lease = await RunLease.acquire({ config: poolConnectionConfig(this.o.db.pool), controlSchema: this.o.db.schema, migrationId: data.migrationId, jobId, worker: this.name, log });
    } catch (err) {
      // The database is away: the reaper of whichever worker sees it first re-queues the run.
      log.warn('could not take a run lease; the run will be re-queued', { migrationId: data.migrationId, error: errorMessage(err) });
      return;
    }
    if (!lease) return; // another worker holds it, or a newer job superseded this one
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    const controller = new AbortController();
    let stopAs: 'paused' | 'cancelled' | 'handover' | null = null;
    const abort = (as: 'paused' | 'cancelled' | 'handover'): void => {
      if (stopAs) return;
      stopAs = as;
      // The engine keeps a 'paused' run resumable: a hand-over is a pause that another worker resumes.
      controller.abort(as === 'cancelled' ? 'cancelled' : 'paused');
    };
    this.inflight.set(data.migrationId, { abort, done });
    try {
      const row = lease.row!;
      if (row.stop_requested) {
        await this.endWithoutRunning(data, row.stop_requested, lease);
        return;
      }
      const m = await loadMigrationRow(this.o.db, data.migrationId);
      if (!m) {
        await deleteActiveRun(this.o.db.pool, data.migrationId).catch(() => undefined);
        return;
      }
      lease.start({ onStop: (as) => abort(as), onLost: () => abort('handover') }, this.o.heartbeatMs ?? 2000);
      log.info('run attempt started', { migrationId: m.id, mode: data.mode, attempt: row.attempts, worker: this.name });
      const progress: Record<string, unknown> = {};
      let lastSent = 0;
      let result: AttemptResult;
      try {
        const followUp = data.followUp ? await followUpOf(this.o.db, data.followUp) : null;
        result = await executeAttempt({ ...this.o, live: this.live }, m, data.mode, {
          signal: controller.signal,
          stopAs: () => stopAs,
          onProgress: (e) => {
            progress[e.entity] = { extracted: e.extracted, loaded: e.loaded, quarantined: e.quarantined, skipped: e.skipped, recordsPerSecond: e.recordsPerSecond, etaSeconds: e.etaSeconds };
            lease!.progress = { runId: e.runId, entities: progress };
            const now = Date.now();
            if (now - lastSent >= 500) {
              lastSent = now;
              this.live.publish(m.tenant_id, { type: 'progress', migrationId: m.id, mode: data.mode, ...e });
            }
          },
        }, followUp);
      } catch (err) {
        const wait = waitReason(err);
        result = wait ? { kind: 'wait', waitingFor: wait.waitingFor, error: errorMessage(err) } : { kind: 'ended', status: 'failed' };
        if (!wait) {
          log.error('run attempt crashed', { migrationId: m.id, error: errorMessage(err) });
          await finishRun({ db: this.o.db, live: this.live, webhooks: this.o.webhooks }, { migrationId: m.id, tenantId: m.tenant_id, mode: data.mode, next: 'failed', runId: null, failure: errorMessage(err), name: m.name, stopped: false }).catch(() => undefined);
        }
      }
      await this.afterAttempt(data, lease, result, row.attempts);
      // This job is done either way (a retry or hand-over is a new job); a stopping pg-boss worker would leave it 'active'.
      await this.o.boss.complete(RUN_QUEUE, jobId, { result: result.kind }).catch(() => undefined);
    } catch (err) {
      log.error('run job failed', { migrationId: data.migrationId, error: errorMessage(err) });
    } finally {
      await lease.close();
      this.inflight.delete(data.migrationId);
      resolve();
    }
  }

  private async afterAttempt(data: RunJobData, lease: RunLease, result: AttemptResult, attempts: number): Promise<void> {
    const q = <T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> => withSystem(this.o.db, fn);
    if (result.kind === 'ended') {
      await q((c) => deleteActiveRun(c, data.migrationId, lease.token));
      this.o.log.info('run attempt ended', { migrationId: data.migrationId, status: result.status, worker: this.name });
      return;
    }
    if (result.kind === 'wait' && attempts >= MAX_ATTEMPTS) {
      const m = await loadMigrationRow(this.o.db, data.migrationId);
      await finishRun({ db: this.o.db, live: this.live, webhooks: this.o.webhooks }, {
        migrationId: data.migrationId, tenantId: data.tenantId, mode: data.mode, next: 'failed', runId: null,
        failure: `gave up after ${attempts} attempts waiting for ${result.waitingFor}: ${result.error}`, name: m?.name ?? data.migrationId, stopped: false,
      });
      await q((c) => deleteActiveRun(c, data.migrationId, lease.token));
      return;
    }
    const delay = result.kind === 'wait' ? retryDelaySeconds(attempts) : 0;
    const waitingFor = result.kind === 'wait' ? `${result.waitingFor}; retry ${attempts + 1} in ${delay} s` : `a worker (handed over by ${this.name})`;
    // Give the lease back first: if another worker has taken the run over meanwhile, it carries on.
    const released = await q((c) => releaseActiveRun(c, { migrationId: data.migrationId, token: lease.token, waitingFor, error: result.kind === 'wait' ? result.error : null }));
    if (!released) return;
    const jobId = await sendRunJob(this.o.boss, { ...data, attempt: attempts + 1 }, delay);
    await q((c) => setActiveRunJob(c, data.migrationId, jobId, waitingFor));
    this.live.publish(data.tenantId, { type: 'status', migrationId: data.migrationId, status: data.mode === 'dry-run' ? 'dry_run' : 'running', waitingFor });
    this.o.log.warn('run attempt will be retried', { migrationId: data.migrationId, waitingFor, attempt: attempts, jobId });
  }

  /** A stop arrived while the run waited in the queue: end it without starting the engine. */
  private async endWithoutRunning(data: RunJobData, as: 'paused' | 'cancelled', lease: RunLease): Promise<void> {
    const m = await loadMigrationRow(this.o.db, data.migrationId);
    await finishRun({ db: this.o.db, live: this.live, webhooks: this.o.webhooks }, {
      migrationId: data.migrationId, tenantId: data.tenantId, mode: data.mode, next: as, runId: null, failure: null, name: m?.name ?? data.migrationId, stopped: true,
    });
    await withSystem(this.o.db, (c) => deleteActiveRun(c, data.migrationId, lease.token));
  }
}

/** Rebuild a follow-up run's source from the job: the same corrected file, the same run key (so a retry resumes it). */
async function followUpOf(db: Db, f: FollowUpJob): Promise<FollowUp> {
  const prepared = await prepareFollowUp(db.pool, db.schema, f.originalRunId, f.entity, f.csv);
  return { open: async () => prepared.source, runKey: f.runKey, retryOf: prepared.retryOf };
}
