/** A run report's outcome (shared/outcome.ts, decided in report/outcome.ts) as the CLI prints it and exits with it. */
import { DEFAULT_MAX_QUARANTINE_SHARE, type Outcome, type OutcomeVerdict } from '../../shared/outcome.ts';
import { loadMapping } from '../engine/mapping/load.ts';
import { ENTITY_MARK, entityState, reportOutcome } from '../report/outcome.ts';
import type { EntityCounts, RunReport } from '../report/types.ts';

export { reportOutcome };

/** The mapping's maxQuarantineShare (default 1%). */
export function mappingMaxQuarantineShare(mappingYaml: string, vars: Record<string, string | undefined> = {}): number {
  return loadMapping(mappingYaml, vars).maxQuarantineShare ?? DEFAULT_MAX_QUARANTINE_SHARE;
}

/** The mark in the counts table: ✓ only when the entity loaded and reconciles; ! above the share; ✗ when it loaded nothing. */
export function entityMark(e: EntityCounts): string {
  return ENTITY_MARK[entityState(e)];
}

/** entityMark with the mapping's maxQuarantineShare. */
export function entityMarkWith(maxQuarantineShare: number): (e: EntityCounts) => string {
  return (e) => ENTITY_MARK[entityState(e, maxQuarantineShare)];
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
