/**
 * SQL of the run_units table (132_run_units.sql), one operation per function. Callers pass a
 * client in the control schema (search_path) as the pool's login role: the waiting run's pool
 * transaction or a unit's lease connection.
 */
import type pg from 'pg';
import type { StopRequest } from './active-runs.ts';

type Q = Pick<pg.ClientBase, 'query'>;
export type UnitState = 'queued' | 'running' | 'done' | 'wait' | 'failed' | 'stopped';

export interface RunUnitRow {
  run_id: string;
  entity: string;
  migration_id: string;
  tenant_id: string;
  state: UnitState;
  job_id: string | null;
  lease_token: string | null;
  lease_pid: number | null;
  worker: string | null;
  attempts: number;
  heartbeat_at: Date;
  stop_requested: StopRequest | null;
  waiting_for: string | null;
  error: string | null;
  progress: Record<string, unknown>;
  /** Seconds since the last heartbeat, measured by the database's clock. */
  age_s: number;
}

const COLS = `*, EXTRACT(EPOCH FROM (now() - heartbeat_at))::float8 AS age_s`;

export async function getUnit(q: Q, runId: string, entity: string): Promise<RunUnitRow | null> {
  const { rows } = await q.query<RunUnitRow>(`SELECT ${COLS} FROM run_units WHERE run_id = $1 AND entity = $2`, [runId, entity]);
  return rows[0] ?? null;
}

export async function listUnits(q: Q, runId: string): Promise<RunUnitRow[]> {
  const { rows } = await q.query<RunUnitRow>(`SELECT ${COLS} FROM run_units WHERE run_id = $1 ORDER BY entity`, [runId]);
  return rows;
}

/** Queue the unit (again): a new row, or an existing one that is not done and not held by a live worker. */
export async function queueUnit(q: Q, u: { runId: string; entity: string; migrationId: string; tenantId: string; jobId: string }): Promise<void> {
  await q.query(
    `INSERT INTO run_units (run_id, entity, migration_id, tenant_id, state, job_id) VALUES ($1, $2, $3, $4, 'queued', $5)
     ON CONFLICT (run_id, entity) DO UPDATE SET state = 'queued', job_id = EXCLUDED.job_id, stop_requested = NULL, error = NULL, waiting_for = NULL, heartbeat_at = now()
      WHERE run_units.state <> 'done'`,
    [u.runId, u.entity, u.migrationId, u.tenantId, u.jobId],
  );
}

/** Take the unit for this connection (which holds its advisory lock); null when it is done or not this job's. */
export async function claimUnit(q: Q, u: { runId: string; entity: string; jobId: string; token: string; worker: string }): Promise<RunUnitRow | null> {
  const { rows } = await q.query<RunUnitRow>(
    `UPDATE run_units SET state = 'running', lease_token = $4, lease_pid = pg_backend_pid(), worker = $5, attempts = attempts + 1,
            heartbeat_at = now(), started_at = COALESCE(started_at, now()), waiting_for = NULL, error = NULL
      WHERE run_id = $1 AND entity = $2 AND job_id = $3 AND state <> 'done' RETURNING ${COLS}`,
    [u.runId, u.entity, u.jobId, u.token, u.worker],
  );
  return rows[0] ?? null;
}

/** The holder's heartbeat; returns the stop request, or null when the unit is no longer this holder's. */
export async function heartbeatUnit(q: Q, u: { runId: string; entity: string; token: string; progress: Record<string, unknown> }): Promise<{ stop: StopRequest | null } | null> {
  const { rows } = await q.query<{ stop_requested: StopRequest | null }>(
    `UPDATE run_units SET heartbeat_at = now(), progress = $4 WHERE run_id = $1 AND entity = $2 AND lease_token = $3 AND state = 'running' RETURNING stop_requested`,
    [u.runId, u.entity, u.token, JSON.stringify(u.progress)],
  );
  return rows[0] ? { stop: rows[0].stop_requested } : null;
}

/** How the holder's attempt at the unit ended. */
export async function endUnit(q: Q, u: { runId: string; entity: string; token: string; state: Exclude<UnitState, 'running'>; waitingFor?: string | null; error?: string | null }): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE run_units SET state = $4, waiting_for = $5, error = $6, finished_at = CASE WHEN $4 = 'done' THEN now() ELSE finished_at END
      WHERE run_id = $1 AND entity = $2 AND lease_token = $3`,
    [u.runId, u.entity, u.token, u.state, u.waitingFor ?? null, u.error ?? null],
  );
  return rowCount === 1;
}

/** Ask the run's queued and running units to stop at their next batch boundary. */
export async function requestUnitStop(q: Q, runId: string, as: StopRequest): Promise<void> {
  await q.query(`UPDATE run_units SET stop_requested = $2 WHERE run_id = $1 AND state IN ('queued', 'running')`, [runId, as]);
}

export async function tryUnitLock(q: Q, runId: string, entity: string): Promise<boolean> {
  const { rows } = await q.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(hashtext('nexus-migrate:unit'), hashtext($1)) AS ok`, [`${runId}:${entity}`]);
  return rows[0]!.ok;
}

export async function releaseUnitLock(q: Q, runId: string, entity: string): Promise<void> {
  await q.query(`SELECT pg_advisory_unlock(hashtext('nexus-migrate:unit'), hashtext($1))`, [`${runId}:${entity}`]);
}

/** End the session of a unit holder whose heartbeat stopped (a hung process), so its lock frees. */
export async function terminateUnitHolder(q: Q, pid: number): Promise<void> {
  await q.query('SELECT pg_terminate_backend($1)', [pid]);
}
