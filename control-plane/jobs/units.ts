/**
 * Units: a run spreads the entities of one dependency level over workers. The run's holder loads
 * one entity itself and sends the others as unit jobs (queue nexus-migration-unit) that any worker
 * runs (unit-worker.ts); it waits for them in the database (run_units), never through a socket.
 * Parents still load before children (levels run in order) and the link phase still runs last, in
 * the run's own process. A unit whose worker died (stale heartbeat) is queued again and resumes
 * from the entity's committed checkpoint; a pause, cancel or hand-over of the run stops its units
 * at their next batch boundary.
 */
import { randomUUID } from 'node:crypto';
import type PgBoss from 'pg-boss';
import type { Logger } from '../../shared/log/logger.ts';
import { withSystem, type Db } from '../api/db.ts';
import { RunStopped, type UnitLevel, type UnitScheduler } from '../engine/run-types.ts';
import { UNIT_QUEUE, type UnitJobData } from './boss.ts';
import { getUnit, queueUnit, requestUnitStop, terminateUnitHolder, type RunUnitRow } from './sql/run-units.ts';
import { STALE_SECONDS } from './stale.ts';

export class UnitFailedError extends Error {
  override readonly name = 'UnitFailedError';
}

/** A unit that must wait (database, agent, vendor): the run waits too and retries from its checkpoints. */
export class UnitWaitingError extends Error {
  override readonly name = 'UnitWaitingError';
  readonly transient = true as const;
  constructor(readonly waitingFor: string, message: string) {
    super(message);
  }
}

export interface UnitSchedulerOptions {
  db: Db;
  boss: PgBoss;
  migrationId: string;
  tenantId: string;
  log: Logger;
  /** Extra job data every unit of this run carries (the run's mode, batch size …). */
  job: Pick<UnitJobData, 'batchSize'>;
  staleSeconds?: number;
  pollMs?: number;
}

export function unitScheduler(o: UnitSchedulerOptions): UnitScheduler {
  return new PgUnitScheduler(o);
}

class PgUnitScheduler implements UnitScheduler {
  constructor(private readonly o: UnitSchedulerOptions) {}

  async runLevel(level: UnitLevel): Promise<void> {
    const queue = [...level.entities];
    let failure: unknown = null;
    const lane = async (run: (entity: string) => Promise<void>): Promise<void> => {
      while (queue.length > 0 && failure === null) {
        const entity = queue.shift()!;
        await run(entity).catch((err: unknown) => {
          failure ??= err;
        });
      }
    };
    await Promise.all([lane((e) => level.local(e)), ...Array.from({ length: Math.max(0, level.width - 1) }, () => lane((e) => this.remote(level, e)))]);
    if (failure !== null) {
      // Units still running elsewhere stop at their next batch; a later attempt queues them again.
      await withSystem(this.o.db, (c) => requestUnitStop(c, level.runId, 'paused')).catch(() => undefined);
      throw failure;
    }
  }

  /** Send the unit (unless a live worker already runs it) and wait until it is done. */
  private async remote(level: UnitLevel, entity: string): Promise<void> {
    const stale = this.o.staleSeconds ?? STALE_SECONDS;
    let row = await this.unit(level.runId, entity);
    if (row?.state === 'done') return;
    if (!(row?.state === 'running' && row.age_s < stale)) await this.send(level, entity);
    let stopAsked = false;
    for (;;) {
      await sleep(this.o.pollMs ?? 500);
      row = await this.unit(level.runId, entity);
      if (!row) throw new UnitFailedError(`unit ${entity} of run ${level.runId} disappeared`);
      if (level.signal?.aborted && !stopAsked) {
        stopAsked = true;
        await withSystem(this.o.db, (c) => requestUnitStop(c, level.runId, level.signal!.reason === 'cancelled' ? 'cancelled' : 'paused'));
      }
      switch (row.state) {
        case 'done':
          return;
        case 'failed':
          throw new UnitFailedError(row.error ?? `unit ${entity} failed`);
        case 'wait':
          throw new UnitWaitingError(row.waiting_for ?? 'a unit', `unit ${entity}: ${row.error ?? row.waiting_for ?? 'waiting'}`);
        case 'stopped':
          if (level.signal?.aborted) throw new RunStopped(level.signal.reason === 'cancelled' ? 'cancelled' : 'paused');
          await this.send(level, entity);
          break;
        case 'queued':
          if (stopAsked && row.age_s > 1) throw new RunStopped(level.signal!.reason === 'cancelled' ? 'cancelled' : 'paused');
          // A job no worker could claim (its holder's lock outlived it): send a fresh one; the old one no longer matches.
          if (row.age_s > stale * 3) await this.send(level, entity);
          break;
        case 'running':
          if (row.age_s >= stale) {
            // Its worker died or hangs: end a hung holder's session (freeing its lock) and queue the unit again.
            this.o.log.warn('unit worker is gone; the unit is queued again', { migrationId: this.o.migrationId, entity, worker: row.worker, heartbeatAgeS: Math.round(row.age_s) });
            if (row.lease_pid) await withSystem(this.o.db, (c) => terminateUnitHolder(c, row!.lease_pid!)).catch(() => undefined);
            if (stopAsked) throw new RunStopped(level.signal!.reason === 'cancelled' ? 'cancelled' : 'paused');
            await this.send(level, entity);
          }
          break;
      }
    }
  }

  private async unit(runId: string, entity: string): Promise<RunUnitRow | null> {
    return withSystem(this.o.db, (c) => getUnit(c, runId, entity));
  }

  private async send(level: UnitLevel, entity: string): Promise<void> {
    const data: UnitJobData = {
      migrationId: this.o.migrationId, tenantId: this.o.tenantId, runId: level.runId, entity, mode: level.mode,
      targetSchema: level.targetSchema, controlSchema: level.controlSchema, runKey: level.runKey, baseline: level.baseline, ...this.o.job,
    };
    // The row names its job before the job exists, so whichever worker fetches it finds it claimable.
    const jobId = randomUUID();
    await withSystem(this.o.db, (c) => queueUnit(c, { runId: level.runId, entity, migrationId: this.o.migrationId, tenantId: this.o.tenantId, jobId }));
    if (!(await this.o.boss.send(UNIT_QUEUE, data, { id: jobId }))) throw new Error('the job queue refused the unit job');
    this.o.log.info('unit queued', { migrationId: this.o.migrationId, runId: level.runId, entity, jobId });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
