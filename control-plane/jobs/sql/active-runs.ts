/**
 * SQL of the active_runs table (130_active_runs.sql), one operation per function. Callers pass a
 * client that is already in the right schema (search_path) and role: the API its tenant
 * transaction, a worker its lease connection or a system transaction.
 */
import type pg from 'pg';

type Q = Pick<pg.ClientBase, 'query'>;
export type RunMode = 'run' | 'dry-run';
export type StopRequest = 'paused' | 'cancelled';

export interface ActiveRunRow {
  migration_id: string;
  tenant_id: string;
  mode: RunMode;
  job_id: string | null;
  lease_token: string | null;
  lease_pid: number | null;
  worker: string | null;
  attempts: number;
  heartbeat_at: Date;
  stop_requested: StopRequest | null;
  waiting_for: string | null;
  last_error: string | null;
  progress: Record<string, unknown>;
  created_at: Date;
}

/** Register a run; false when one is already active (the primary key decides, not a process). */
export async function insertActiveRun(q: Q, r: { migrationId: string; tenantId: string; mode: RunMode }): Promise<boolean> {
  const { rowCount } = await q.query(
    'INSERT INTO active_runs (migration_id, tenant_id, mode) VALUES ($1, $2, $3) ON CONFLICT (migration_id) DO NOTHING',
    [r.migrationId, r.tenantId, r.mode],
  );
  return rowCount === 1;
}

export async function getActiveRun(q: Q, migrationId: string): Promise<ActiveRunRow | null> {
  const { rows } = await q.query<ActiveRunRow>('SELECT * FROM active_runs WHERE migration_id = $1', [migrationId]);
  return rows[0] ?? null;
}

export async function listActiveRuns(q: Q): Promise<ActiveRunRow[]> {
  const { rows } = await q.query<ActiveRunRow>('SELECT * FROM active_runs ORDER BY created_at');
  return rows;
}

/** The queued job that should run it (a newer job id supersedes older ones). */
export async function setActiveRunJob(q: Q, migrationId: string, jobId: string, waitingFor: string | null): Promise<void> {
  await q.query('UPDATE active_runs SET job_id = $2, waiting_for = $3 WHERE migration_id = $1', [migrationId, jobId, waitingFor]);
}

/** Take the lease for this job: only the job the row names, only with no live lease. */
export async function claimActiveRun(q: Q, r: { migrationId: string; jobId: string; token: string; worker: string }): Promise<ActiveRunRow | null> {
  const { rows } = await q.query<ActiveRunRow>(
    `UPDATE active_runs SET lease_token = $3, lease_pid = pg_backend_pid(), worker = $4, attempts = attempts + 1, heartbeat_at = now(), waiting_for = NULL
      WHERE migration_id = $1 AND job_id = $2 RETURNING *`,
    [r.migrationId, r.jobId, r.token, r.worker],
  );
  return rows[0] ?? null;
}

/** Refresh the lease; null when it was lost (taken over or the run was removed). */
export async function heartbeatActiveRun(q: Q, r: { migrationId: string; token: string; progress: Record<string, unknown>; waitingFor: string | null }): Promise<{ stop: StopRequest | null } | null> {
  const { rows } = await q.query<{ stop_requested: StopRequest | null }>(
    `UPDATE active_runs SET heartbeat_at = now(), progress = $3, waiting_for = $4 WHERE migration_id = $1 AND lease_token = $2 RETURNING stop_requested`,
    [r.migrationId, r.token, JSON.stringify(r.progress), r.waitingFor],
  );
  return rows[0] ? { stop: rows[0].stop_requested } : null;
}

/** Give the lease back without ending the run (a retry or a hand-over follows). */
export async function releaseActiveRun(q: Q, r: { migrationId: string; token: string; waitingFor: string; error: string | null }): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE active_runs SET lease_token = NULL, lease_pid = NULL, worker = NULL, heartbeat_at = now(), waiting_for = $3, last_error = $4
      WHERE migration_id = $1 AND lease_token = $2`,
    [r.migrationId, r.token, r.waitingFor, r.error],
  );
  return rowCount === 1;
}

/** The run is over: remove it (only by the lease holder, when a token is given). */
export async function deleteActiveRun(q: Q, migrationId: string, token?: string): Promise<boolean> {
  const { rowCount } = token
    ? await q.query('DELETE FROM active_runs WHERE migration_id = $1 AND lease_token = $2', [migrationId, token])
    : await q.query('DELETE FROM active_runs WHERE migration_id = $1', [migrationId]);
  return rowCount === 1;
}

/** Ask the worker holding the run to stop; returns the row (null: nothing active). */
export async function requestStop(q: Q, migrationId: string, as: StopRequest): Promise<ActiveRunRow | null> {
  const { rows } = await q.query<ActiveRunRow>('UPDATE active_runs SET stop_requested = $2 WHERE migration_id = $1 RETURNING *', [migrationId, as]);
  return rows[0] ?? null;
}

/** Runs whose heartbeat is older than `staleSeconds`: their worker died, hung, or they never started. */
export async function staleActiveRuns(q: Q, staleSeconds: number): Promise<ActiveRunRow[]> {
  const { rows } = await q.query<ActiveRunRow>(
    `SELECT * FROM active_runs WHERE heartbeat_at < now() - make_interval(secs => $1) ORDER BY created_at`,
    [staleSeconds],
  );
  return rows;
}

/** Push the heartbeat of a row the reaper has just handled, so it is not handled twice at once. */
export async function touchActiveRun(q: Q, migrationId: string, waitingFor: string): Promise<void> {
  await q.query('UPDATE active_runs SET heartbeat_at = now(), waiting_for = $2, lease_token = NULL, lease_pid = NULL, worker = NULL WHERE migration_id = $1', [migrationId, waitingFor]);
}

/** The advisory-lock key of a migration's run (session lock, held by the lease connection). */
export function runLockKey(migrationId: string): string {
  return `nexus-run:${migrationId}`;
}

export async function tryRunLock(q: Q, migrationId: string): Promise<boolean> {
  const { rows } = await q.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok', [runLockKey(migrationId)]);
  return rows[0]!.ok;
}

export async function releaseRunLock(q: Q, migrationId: string): Promise<void> {
  await q.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [runLockKey(migrationId)]);
}

/** Is the run's lock held by any session right now? */
export async function runLockHeld(q: Q, migrationId: string): Promise<boolean> {
  const { rows } = await q.query<{ held: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
       AND ((classid::bigint << 32) | objid::bigint) = hashtextextended($1, 0)) AS held`,
    [runLockKey(migrationId)],
  );
  return rows[0]!.held;
}

/** End the session holding a stale lease (a hung or partitioned worker), which frees its lock. */
export async function terminateLeaseHolder(q: Q, pid: number): Promise<void> {
  await q.query('SELECT pg_terminate_backend($1)', [pid]);
}
