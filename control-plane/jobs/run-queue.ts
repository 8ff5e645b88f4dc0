/**
 * The API's side of durable runs: register a run in the caller's tenant transaction (the database
 * refuses a second active run of a migration), queue its job after commit, ask a running run to
 * stop, and say what is active. The runs themselves execute in workers (worker.ts), in this
 * process or any other.
 */
import type PgBoss from 'pg-boss';
import type pg from 'pg';
import type { Logger } from '../../shared/log/logger.ts';
import { withSystem, type Db } from '../api/db.ts';
import { errorMessage } from '../api/http.ts';
import { sendRunJob, type FollowUpJob } from './boss.ts';
import { deleteActiveRun, getActiveRun, insertActiveRun, listActiveRuns, requestStop, setActiveRunJob, type ActiveRunRow, type RunMode, type StopRequest } from './sql/active-runs.ts';

export type StopOutcome = 'requested' | 'ended' | 'none';

export class RunQueue {
  /** The worker in this process, if any: a stop for a run it holds takes effect at once (others: at their next heartbeat). */
  localWorker: { stopLocal(migrationId: string, as: StopRequest): boolean } | null = null;

  constructor(private readonly db: Db, private readonly boss: PgBoss, private readonly log: Logger) {}

  /** In the caller's transaction: false when the migration already has an active run. */
  register(c: pg.PoolClient, m: { id: string; tenant_id: string }, mode: RunMode): Promise<boolean> {
    return insertActiveRun(c, { migrationId: m.id, tenantId: m.tenant_id, mode });
  }

  /** After the registering transaction committed: queue the job. A failure here is not lost: the reaper queues it. */
  async enqueue(m: { id: string; tenant_id: string }, mode: RunMode, followUp?: FollowUpJob): Promise<void> {
    try {
      const jobId = await sendRunJob(this.boss, { migrationId: m.id, tenantId: m.tenant_id, mode, attempt: 1, ...(followUp ? { followUp } : {}) });
      await withSystem(this.db, (c) => setActiveRunJob(c, m.id, jobId, 'a worker'));
    } catch (err) {
      this.log.warn('could not queue the run job now; a worker will queue it', { migrationId: m.id, error: errorMessage(err) });
    }
  }

  active(c: pg.PoolClient, migrationId: string): Promise<ActiveRunRow | null> {
    return getActiveRun(c, migrationId);
  }

  async isActive(c: pg.PoolClient, migrationId: string): Promise<boolean> {
    return (await getActiveRun(c, migrationId)) !== null;
  }

  /**
   * Ask the run to stop. A run a worker holds stops at its next heartbeat ('requested'); a run
   * still waiting in the queue ends here and now ('ended'); 'none': nothing is active.
   */
  async stop(c: pg.PoolClient, migrationId: string, as: StopRequest): Promise<StopOutcome> {
    const row = await requestStop(c, migrationId, as);
    if (!row) return 'none';
    if (row.lease_token) {
      this.localWorker?.stopLocal(migrationId, as);
      return 'requested';
    }
    await deleteActiveRun(c, migrationId);
    return 'ended';
  }

  list(c: pg.PoolClient): Promise<ActiveRunRow[]> {
    return listActiveRuns(c);
  }
}
