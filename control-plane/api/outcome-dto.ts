/** Outcome fields of the API's migration and run DTOs (shared/outcome.ts vocabulary). */
import type pg from 'pg';
import { entityState, type EntityState } from '../report/outcome.ts';
import { maxQuarantineShareOf } from '../report/settle.ts';
import type { MigrationRow } from '../jobs/execute-run.ts';

type Outcome = 'completed' | 'completed_with_issues' | 'failed';

export interface OutcomeFields { outcome: Outcome | null; outcomeReason: string | null; outcomeRunId: string | null; outcomeMode: string | null }

/** The outcome of the migration's latest finished run (a dry run's is its prediction). */
export async function latestOutcome(c: pg.PoolClient, migrationId: string): Promise<OutcomeFields> {
  const { rows } = await c.query<{ id: string; mode: string; outcome: Outcome; outcome_reason: string | null }>(
    'SELECT id, mode, outcome, outcome_reason FROM runs WHERE migration_id = $1 AND outcome IS NOT NULL ORDER BY started_at DESC LIMIT 1', [migrationId]);
  const r = rows[0];
  return { outcome: r?.outcome ?? null, outcomeReason: r?.outcome_reason ?? null, outcomeRunId: r?.id ?? null, outcomeMode: r?.mode ?? null };
}

/** A run's outcome fields; a run whose outcome is failed never says "completed" as its status. */
export function runOutcomeFields(r: { status: string; outcome: string | null; outcome_reason: string | null; retry_of: string | null; retry_entity: string | null }) {
  return {
    status: r.outcome === 'failed' && r.status === 'completed' ? 'failed' : r.status,
    outcome: (r.outcome as Outcome | null) ?? null,
    outcomeReason: r.outcome_reason,
    retryOf: r.retry_of,
    retryEntity: r.retry_entity,
  };
}

/** Per-entity state with the migration mapping's maxQuarantineShare: an entity that loaded nothing is 'failed', never 'ok'. */
export function entityStateOf(m: MigrationRow): (e: { status: string; extracted: number; created: number; updated: number; unchanged: number; deleted: number; quarantined: number; skipped: number }) => EntityState | 'running' {
  const share = maxQuarantineShareOf(m.mapping_yaml, { TENANT_ID: m.tenant_id, FRANCHISE_ID: String(m.config.franchiseId ?? m.tenant_id) });
  return (e) => {
    if (e.status === 'pending' || e.status === 'running') return 'running';
    const reconciles = e.extracted === e.created + e.updated + e.unchanged + e.deleted + e.quarantined + e.skipped;
    return entityState({ entity: '', target: '', ...e, reconciles }, share);
  };
}
