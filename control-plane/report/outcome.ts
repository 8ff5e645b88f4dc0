/**
 * A run report's outcome (shared/outcome.ts), the one verdict every surface shows: CLI, API,
 * webhooks, the JSON/HTML/PDF report and the console. The mapping's maxQuarantineShare sets the
 * threshold (default 1%).
 */
import { classifyOutcome, DEFAULT_MAX_QUARANTINE_SHARE, EXIT_CODES, type OutcomeVerdict } from '../../shared/outcome.ts';
import type { EntityCounts, RunReport } from './types.ts';

/** Records of an entity that were meant to load: everything read but what a mapping rule skipped or the mapping does not use. */
function toLoad(e: EntityCounts): number {
  return e.extracted - e.skipped - (e.notInMapping ?? 0);
}

function loaded(e: EntityCounts): number {
  return e.created + e.updated + e.unchanged + e.deleted;
}

export function reportOutcome(report: RunReport, maxQuarantineShare = report.maxQuarantineShare ?? DEFAULT_MAX_QUARANTINE_SHARE): OutcomeVerdict {
  if (!report.totals.reconciles) {
    const off = report.entities.find((e) => !e.reconciles);
    return { outcome: 'failed', reason: `the counts do not reconcile${off ? ` for ${off.entity}` : ''}: a record is unaccounted for`, exitCode: EXIT_CODES.failed };
  }
  const entities = report.entities.map((e) => ({ entity: e.entity, extracted: toLoad(e), loaded: loaded(e), quarantined: e.quarantined }));
  const finished = report.status === 'completed' || (report.status === 'failed' && report.outcome === 'failed' && !report.error);
  return classifyOutcome(entities, finished, maxQuarantineShare);
}

export type EntityState = 'ok' | 'issues' | 'failed';

/** One entity's state: failed when it does not reconcile or had records and loaded none; issues above the share. */
export function entityState(e: EntityCounts, maxQuarantineShare = DEFAULT_MAX_QUARANTINE_SHARE): EntityState {
  if (!e.reconciles) return 'failed';
  if (toLoad(e) > 0 && loaded(e) === 0) return 'failed';
  if (toLoad(e) > 0 && e.quarantined / toLoad(e) > maxQuarantineShare) return 'issues';
  return 'ok';
}

export const ENTITY_MARK: Record<EntityState, string> = { ok: '✓', issues: '!', failed: '✗' };

/**
 * The report as every surface serves it: with its outcome and reason, and, when the outcome is
 * `failed`, a status that does not say "completed" (the engine finished, the run did not succeed).
 */
export function withOutcome(report: RunReport, maxQuarantineShare = report.maxQuarantineShare ?? DEFAULT_MAX_QUARANTINE_SHARE): RunReport {
  const v = reportOutcome(report, maxQuarantineShare);
  return {
    ...report,
    status: v.outcome === 'failed' && report.status === 'completed' ? 'failed' : report.status,
    outcome: v.outcome,
    outcomeReason: v.reason,
    maxQuarantineShare,
  };
}

/** The outcome in words for people: never "completed" for a bad run. */
export function outcomeLabel(o: RunReport['outcome'] | null | undefined): string {
  return o === 'completed_with_issues' ? 'completed with issues' : o === 'failed' ? 'failed' : o === 'completed' ? 'completed' : 'unknown';
}
