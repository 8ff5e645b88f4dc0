/**
 * Control-schema operations behind outcomes and failed-record round trips: the outcome stored on
 * a run, the follow-up link, and the quarantined records of one run and entity. One operation per
 * function; `cs` is the control schema (API transactions pass theirs too, RLS still applies).
 */
import type pg from 'pg';
import { qualified } from '../db/sql/ident.ts';
import type { OutcomeVerdict } from '../../shared/outcome.ts';

type Q = pg.Pool | pg.PoolClient;

export async function saveRunOutcome(q: Q, cs: string, runId: string, v: Pick<OutcomeVerdict, 'outcome' | 'reason'>): Promise<void> {
  await q.query(`UPDATE ${qualified(cs, 'runs')} SET outcome = $2, outcome_reason = $3 WHERE id = $1`, [runId, v.outcome, v.reason]);
}

export async function setRetryOf(q: Q, cs: string, runId: string, originalRunId: string, entity: string | null): Promise<void> {
  await q.query(`UPDATE ${qualified(cs, 'runs')} SET retry_of = $2, retry_entity = $3 WHERE id = $1`, [runId, originalRunId, entity]);
}

export interface RunLinkRow { id: string; outcome: string | null; outcome_reason: string | null; retry_of: string | null; retry_entity: string | null }

/** The run's stored outcome and its retry link (null when the run does not exist or is not visible). */
export async function getRunLinks(q: Q, cs: string, runId: string): Promise<RunLinkRow | null> {
  const { rows } = await q.query<RunLinkRow>(`SELECT id, outcome, outcome_reason, retry_of, retry_entity FROM ${qualified(cs, 'runs')} WHERE id = $1`, [runId]);
  return rows[0] ?? null;
}

/** Follow-up runs of a run, oldest first. */
export async function listRetries(q: Q, cs: string, runId: string): Promise<{ id: string; retry_entity: string | null; outcome: string | null }[]> {
  const { rows } = await q.query<{ id: string; retry_entity: string | null; outcome: string | null }>(
    `SELECT id, retry_entity, outcome FROM ${qualified(cs, 'runs')} WHERE retry_of = $1 ORDER BY started_at`, [runId]);
  return rows;
}

export interface RunHead { id: string; tenant_id: string; migration_id: string | null; mode: string; status: string; source_system: string }

export async function getRunHead(q: Q, cs: string, runId: string): Promise<RunHead | null> {
  const { rows } = await q.query<RunHead>(`SELECT id, tenant_id, migration_id, mode, status, source_system FROM ${qualified(cs, 'runs')} WHERE id = $1`, [runId]);
  return rows[0] ?? null;
}

export interface QuarantineRow { source_id: string | null; field: string | null; reason: string; record: unknown }

/** Every quarantined record of one entity of one run, in quarantine order. */
export async function listQuarantined(q: Q, cs: string, runId: string, entity: string): Promise<QuarantineRow[]> {
  const { rows } = await q.query<QuarantineRow>(
    `SELECT source_id, field, reason, record FROM ${qualified(cs, 'quarantine')} WHERE run_id = $1 AND entity = $2 ORDER BY id`, [runId, entity]);
  return rows;
}

/** Entities of a run with quarantined records, and how many each. */
export async function quarantineCounts(q: Q, cs: string, runId: string): Promise<{ entity: string; count: number }[]> {
  const { rows } = await q.query<{ entity: string; count: string }>(
    `SELECT entity, count(*) AS count FROM ${qualified(cs, 'quarantine')} WHERE run_id = $1 GROUP BY entity ORDER BY entity`, [runId]);
  return rows.map((r) => ({ entity: r.entity, count: Number(r.count) }));
}

/** The distinct source ids one entity of one run quarantined. */
export async function quarantinedSourceIds(q: Q, cs: string, runId: string, entity: string): Promise<Set<string>> {
  const { rows } = await q.query<{ source_id: string }>(
    `SELECT DISTINCT source_id FROM ${qualified(cs, 'quarantine')} WHERE run_id = $1 AND entity = $2 AND source_id IS NOT NULL`, [runId, entity]);
  return new Set(rows.map((r) => r.source_id));
}

/** Replace the stored report (with its outcome added). */
export async function saveReportJson(q: Q, cs: string, runId: string, report: unknown): Promise<void> {
  await q.query(`UPDATE ${qualified(cs, 'runs')} SET report = $2 WHERE id = $1`, [runId, JSON.stringify(report)]);
}

export async function getStoredReport<T = unknown>(q: Q, cs: string, runId: string): Promise<T | null> {
  const { rows } = await q.query<{ report: T | null }>(`SELECT report FROM ${qualified(cs, 'runs')} WHERE id = $1`, [runId]);
  return rows[0]?.report ?? null;
}
