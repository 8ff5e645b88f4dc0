/**
 * Running one unit job (units.ts) in a worker: hold the unit's lease (a dedicated connection with
 * its session advisory lock, and a heartbeat in run_units every 2 s that also reads stop
 * requests), open the migration's source, load the unit's entity with the engine, and write how
 * it ended. A stop asked of the run stops the unit at its next batch; a worker shutting down hands
 * the unit over (queued again, resumed by any worker from the entity's checkpoint).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type PgBoss from 'pg-boss';
import { createLogger, type LogEntry, type Logger } from '../../shared/log/logger.ts';
import { redactText } from '../../shared/log/redact.ts';
import { withSystem } from '../api/db.ts';
import { errorMessage } from '../api/http.ts';
import { openMigrationSource } from '../api/migration-source.ts';
import { quoteIdent } from '../db/sql/ident.ts';
import { RunStopped } from '../engine/run-types.ts';
import { UNIT_QUEUE, type UnitJobData } from './boss.ts';
import { loadMigrationRow, type ExecuteDeps } from './execute-run.ts';
import { poolConnectionConfig } from './live-events.ts';
import type { StopRequest } from './sql/active-runs.ts';
import { claimUnit, endUnit, heartbeatUnit, queueUnit, releaseUnitLock, tryUnitLock } from './sql/run-units.ts';
import { waitReason } from './transient.ts';

export interface UnitDeps extends ExecuteDeps {
  boss: PgBoss;
  worker: string;
  heartbeatMs?: number;
}

export interface UnitControl {
  /** Set by the worker: a shutdown hands the unit over. */
  handover: AbortController;
}

export async function executeUnit(d: UnitDeps, jobId: string, data: UnitJobData, ctl: UnitControl): Promise<void> {
  const log = d.log.child({ migrationId: data.migrationId, runId: data.runId, entity: data.entity, worker: d.worker });
  const client = new pg.Client({ ...poolConnectionConfig(d.db.pool), application_name: `nexus-migrate unit ${d.worker}`.slice(0, 63) });
  const controller = new AbortController();
  let stopAs: StopRequest | 'handover' | null = null;
  const abort = (as: StopRequest | 'handover'): void => {
    if (stopAs) return;
    stopAs = as;
    controller.abort(as === 'cancelled' ? 'cancelled' : 'paused');
  };
  client.on('error', (err) => {
    log.warn('unit lease connection lost', { error: err.message });
    abort('handover');
  });
  const onHandover = (): void => abort('handover');
  ctl.handover.signal.addEventListener('abort', onHandover);
  const token = randomUUID();
  let timer: NodeJS.Timeout | null = null;
  let locked = false;
  try {
    await client.connect();
    await client.query(`SET search_path TO ${quoteIdent(d.db.schema)}`);
    if (!(await tryUnitLock(client, data.runId, data.entity))) return; // a live worker holds it
    locked = true;
    const row = await claimUnit(client, { runId: data.runId, entity: data.entity, jobId, token, worker: d.worker });
    if (!row) return; // done already, or a newer job of the unit supersedes this one
    if (row.stop_requested) {
      await endUnit(client, { runId: data.runId, entity: data.entity, token, state: 'stopped' });
      return;
    }
    let progress: Record<string, unknown> = {};
    timer = setInterval(() => {
      heartbeatUnit(client, { runId: data.runId, entity: data.entity, token, progress }).then(
        (r) => (r === null ? abort('handover') : r.stop ? abort(r.stop) : undefined),
        () => abort('handover'),
      );
    }, d.heartbeatMs ?? 2000);
    timer.unref();
    const m = await loadMigrationRow(d.db, data.migrationId);
    if (!m) {
      await endUnit(client, { runId: data.runId, entity: data.entity, token, state: 'failed', error: 'the migration no longer exists' });
      return;
    }
    log.info('unit started', { attempt: row.attempts });
    const outcome = await loadUnit(d, m, data, controller.signal, log, (p) => (progress = p));
    if (outcome.kind === 'done') {
      await endUnit(client, { runId: data.runId, entity: data.entity, token, state: 'done' });
      log.info('unit done');
      return;
    }
    if (outcome.kind === 'stopped' || stopAs) {
      if (stopAs === 'handover') {
        // Queued again under a new job that any worker (this one after a restart included) resumes.
        await releaseUnitLock(client, data.runId, data.entity).catch(() => undefined);
        locked = false;
        const next = randomUUID();
        await withSystem(d.db, (c) => queueUnit(c, { runId: data.runId, entity: data.entity, migrationId: data.migrationId, tenantId: data.tenantId, jobId: next }));
        await d.boss.send(UNIT_QUEUE, data, { id: next });
        log.info('unit handed over');
      } else await endUnit(client, { runId: data.runId, entity: data.entity, token, state: 'stopped' });
      return;
    }
    const wait = waitReason(outcome.error);
    const message = redactText(errorMessage(outcome.error), data.tenantId);
    await endUnit(client, { runId: data.runId, entity: data.entity, token, state: wait ? 'wait' : 'failed', waitingFor: wait?.waitingFor ?? null, error: message });
    log.warn(wait ? 'unit waits' : 'unit failed', { error: message });
  } catch (err) {
    log.warn('unit attempt ended early; the run queues it again', { error: errorMessage(err) });
  } finally {
    ctl.handover.signal.removeEventListener('abort', onHandover);
    if (timer) clearInterval(timer);
    if (locked) await releaseUnitLock(client, data.runId, data.entity).catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}

type UnitOutcome = { kind: 'done' } | { kind: 'stopped' } | { kind: 'error'; error: unknown };

async function loadUnit(
  d: UnitDeps, m: NonNullable<Awaited<ReturnType<typeof loadMigrationRow>>>, data: UnitJobData, signal: AbortSignal, log: Logger, onProgress: (p: Record<string, unknown>) => void,
): Promise<UnitOutcome> {
  if (!d.engine.runUnit) return { kind: 'error', error: new Error('this engine cannot run units') };
  let logChain: Promise<unknown> = Promise.resolve();
  const dbSink = (e: LogEntry): void => {
    const { ts: _ts, level, msg, runId: _rid, ...fields } = e;
    logChain = logChain.then(() => withSystem(d.db, (c) => c.query(
      'INSERT INTO logs (tenant_id, migration_id, run_id, level, message, fields) VALUES ($1, $2, $3, $4, $5, $6)',
      [data.tenantId, data.migrationId, data.runId, level, msg, JSON.stringify(fields)],
    ))).catch(() => undefined);
  };
  const source = await openMigrationSource(d, m, log).catch((err: unknown) => err as Error);
  if (source instanceof Error) return { kind: 'error', error: source };
  let lastSent = 0;
  try {
    await d.engine.runUnit({
      pool: d.db.pool, source, mappingYaml: m.mapping_yaml ?? '',
      vars: { TENANT_ID: data.tenantId, FRANCHISE_ID: String(m.config.franchiseId ?? data.tenantId) },
      tenantId: data.tenantId, targetSchema: data.targetSchema, controlSchema: data.controlSchema, mode: data.mode,
      migrationId: data.migrationId, runKey: data.runKey, batchSize: data.batchSize, baseline: data.baseline, runId: data.runId, entity: data.entity,
      signal, logger: createLogger({ level: 'info', sinks: [dbSink], base: {} }),
      ...(d.metrics ? { onBatch: (b) => d.metrics!.batch(b) } : {}),
      onProgress: (e) => {
        const loaded = e.created + e.updated + e.unchanged;
        onProgress({ extracted: e.extracted, loaded, quarantined: e.quarantined, skipped: e.skipped, recordsPerSecond: e.recordsPerSecond });
        const now = Date.now();
        if (now - lastSent >= 500) {
          lastSent = now;
          d.live.publish(data.tenantId, { type: 'progress', migrationId: data.migrationId, mode: data.mode, ...e, loaded, etaSeconds: null });
        }
      },
    });
    return { kind: 'done' };
  } catch (err) {
    if (err instanceof RunStopped || signal.aborted) return { kind: 'stopped' };
    return { kind: 'error', error: err };
  } finally {
    await source.close().catch(() => undefined);
    await logChain;
  }
}
