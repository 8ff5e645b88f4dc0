/**
 * Takes over runs whose worker died or hung. Every worker runs it every few seconds; row locks
 * (SKIP LOCKED) keep two reapers off the same run. A run whose heartbeat is older than the stale
 * bound and whose job is not waiting in the queue gets a new job; a hung holder's session is ended
 * first, which frees its lock. Recovery bound: stale bound + reaper interval + queue polling.
 */
import type PgBoss from 'pg-boss';
import type { Logger } from '../../shared/log/logger.ts';
import { withSystem, type Db } from '../api/db.ts';
import { RUN_QUEUE, runJobState, sendRunJob } from './boss.ts';
import { runLockHeld, setActiveRunJob, terminateLeaseHolder, touchActiveRun, type ActiveRunRow } from './sql/active-runs.ts';

export interface ReaperOptions { db: Db; boss: PgBoss; staleSeconds: number; log: Logger; worker: string }

/** One pass; returns the migrations it re-queued. */
export async function reapStaleRuns(o: ReaperOptions): Promise<string[]> {
  const requeued: string[] = [];
  await withSystem(o.db, async (c) => {
    const { rows } = await c.query<ActiveRunRow>(
      `SELECT * FROM active_runs WHERE heartbeat_at < now() - make_interval(secs => $1) ORDER BY created_at FOR UPDATE SKIP LOCKED`,
      [o.staleSeconds],
    );
    for (const r of rows) {
      const state = r.job_id ? await runJobState(o.boss, r.job_id) : null;
      if (state === 'created' || state === 'retry') continue; // queued: a worker will fetch it
      if (await runLockHeld(c, r.migration_id)) {
        if (r.lease_pid) {
          o.log.warn('ending the session of a hung run holder', { migrationId: r.migration_id, worker: r.worker, pid: r.lease_pid });
          await terminateLeaseHolder(c, r.lease_pid);
        }
        continue; // next pass, once the lock is free
      }
      if (r.job_id && state === 'active') await o.boss.fail(RUN_QUEUE, r.job_id, { reason: `worker ${r.worker ?? '?'} stopped responding` }).catch(() => undefined);
      const jobId = await sendRunJob(o.boss, { migrationId: r.migration_id, tenantId: r.tenant_id, mode: r.mode, attempt: r.attempts + 1 });
      const why = r.worker ? `a worker (worker ${r.worker} stopped responding; resuming from the last checkpoint)` : 'a worker';
      await touchActiveRun(c, r.migration_id, why);
      await setActiveRunJob(c, r.migration_id, jobId, why);
      o.log.info('re-queued a run', { migrationId: r.migration_id, previousWorker: r.worker, jobId, by: o.worker });
      requeued.push(r.migration_id);
    }
  });
  return requeued;
}
