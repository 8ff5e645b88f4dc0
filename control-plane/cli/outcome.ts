/** A run report's outcome (shared/outcome.ts) as the CLI prints it and exits with it. */
import { classifyOutcome, EXIT_CODES, type Outcome, type OutcomeVerdict } from '../../shared/outcome.ts';
import type { EntityCounts, RunReport } from '../report/types.ts';

/** Records of an entity that were meant to load: everything read but what a mapping rule skipped or the mapping does not use. */
function toLoad(e: EntityCounts): number {
  return e.extracted - e.skipped - (e.notInMapping ?? 0);
}

function loaded(e: EntityCounts): number {
  return e.created + e.updated + e.unchanged + e.deleted;
}

export function reportOutcome(report: RunReport): OutcomeVerdict {
  if (!report.totals.reconciles) {
    const off = report.entities.find((e) => !e.reconciles);
    return { outcome: 'failed', reason: `the counts do not reconcile${off ? ` for ${off.entity}` : ''}: a record is unaccounted for`, exitCode: EXIT_CODES.failed };
  }
  const entities = report.entities.map((e) => ({ entity: e.entity, extracted: toLoad(e), loaded: loaded(e), quarantined: e.quarantined }));
  return classifyOutcome(entities, report.status === 'completed');
}

/** The mark in the counts table: ✓ only when the entity loaded and reconciles. */
export function entityMark(e: EntityCounts): string {
  if (!e.reconciles) return '✗';
  if (toLoad(e) > 0 && loaded(e) === 0) return '✗';
  if (toLoad(e) > 0 && e.quarantined / toLoad(e) > 0.01) return '!';
  return '✓';
}

/** How the CLI writes an outcome: a bad one in capitals, so it stands out in a terminal or a log. */
export function outcomeWord(o: Outcome): string {
  return { completed: 'completed', completed_with_issues: 'COMPLETED WITH ISSUES', failed: 'FAILED' }[o];
}

/** One line: what happened, and why when it is not clean. */
export function outcomeLine(report: RunReport, v: OutcomeVerdict): string {
  const word = outcomeWord(v.outcome);
  const what = report.mode === 'dry-run' ? `dry run ${report.runId} predicts: ${word}` : `run ${report.runId} ${word}`;
  return `${what}${v.reason ? ` (${v.reason})` : ''}`;
}
