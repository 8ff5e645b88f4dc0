/**
 * The durable job queue: pg-boss 10 in the control database, in its own schema beside the control
 * schema (`<control>_jobs`). The API sends one job per run attempt; workers fetch them. pg-boss
 * has no heartbeat of its own: liveness is the lease in active_runs (lease.ts, reaper.ts), so a
 * job's own expiry is long (23 h, pg-boss's limit is 24) and pg-boss retries are off: the worker
 * decides retries itself, each retry a new job.
 */
import PgBoss from 'pg-boss';
import type pg from 'pg';
import type { Logger } from '../../shared/log/logger.ts';

export const RUN_QUEUE = 'nexus-migration-run';
/** Units: entities of a run's dependency level that any worker loads (units.ts, unit-worker.ts). */
export const UNIT_QUEUE = 'nexus-migration-unit';

export interface RunJobData {
  migrationId: string;
  tenantId: string;
  mode: 'run' | 'dry-run';
  /** 1 for the first attempt; retries and hand-overs count up. */
  attempt: number;
  /** A follow-up run of corrected quarantined records (control-plane/retry/): the file travels with the job. */
  followUp?: FollowUpJob;
}

export interface UnitJobData {
  migrationId: string;
  tenantId: string;
  runId: string;
  entity: string;
  /** The engine mode of the run (a shadow dry run loads its units as 'run' into the shadow schemas). */
  mode: 'run' | 'dry-run';
  targetSchema: string;
  controlSchema: string;
  runKey: string;
  baseline?: { controlSchema: string; targetSchema: string };
  batchSize?: number;
}

export interface FollowUpJob { originalRunId: string; entity: string; csv: string; runKey: string }

export function jobsSchema(controlSchema: string): string {
  return `${controlSchema}_jobs`;
}

export async function startBoss(pool: pg.Pool, controlSchema: string, log: Logger, opts: { supervise?: boolean } = {}): Promise<PgBoss> {
  const boss = new PgBoss({
    db: { executeSql: (text, values) => pool.query(text, values) },
    schema: jobsSchema(controlSchema),
    supervise: opts.supervise ?? true,
    schedule: false,
    migrate: true,
    maintenanceIntervalSeconds: 60,
  });
  boss.on('error', (err) => log.warn('job queue error', { error: err.message }));
  // pg-boss creates its schema on first start; two processes starting at once would race on it.
  const lock = await pool.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`nexus-migrate:jobs:${controlSchema}`]);
    await boss.start();
    if (!(await boss.getQueue(RUN_QUEUE))) {
      await boss.createQueue(RUN_QUEUE, { name: RUN_QUEUE, retryLimit: 0, expireInSeconds: 23 * 3600, retentionDays: 7 });
    }
    if (!(await boss.getQueue(UNIT_QUEUE))) {
      await boss.createQueue(UNIT_QUEUE, { name: UNIT_QUEUE, retryLimit: 0, expireInSeconds: 23 * 3600, retentionDays: 7 });
    }
  } finally {
    await lock.query('SELECT pg_advisory_unlock(hashtext($1))', [`nexus-migrate:jobs:${controlSchema}`]).catch(() => undefined);
    lock.release();
  }
  return boss;
}

export async function sendRunJob(boss: PgBoss, data: RunJobData, startAfterSeconds = 0): Promise<string> {
  const id = await boss.send(RUN_QUEUE, data, startAfterSeconds > 0 ? { startAfter: startAfterSeconds } : {});
  if (!id) throw new Error('the job queue refused the run job');
  return id;
}

/** The job's pg-boss state, or null when it is gone. */
export async function runJobState(boss: PgBoss, jobId: string): Promise<string | null> {
  const job = await boss.getJobById(RUN_QUEUE, jobId);
  return job?.state ?? null;
}
