/**
 * Run outcomes (issue 10 point 3): the one definition every surface uses.
 *   completed              -> exit 0
 *   completed_with_issues  -> exit 3: quarantined share above maxQuarantineShare (default 1%),
 *                             overall or in any entity
 *   failed                 -> exit 4: the run stopped before the end, or an entity has records
 *                             of which none loaded
 * Usage errors exit 2.
 */
export type Outcome = 'completed' | 'completed_with_issues' | 'failed';

export const EXIT_CODES = { completed: 0, usage: 2, completed_with_issues: 3, failed: 4 } as const;
export const DEFAULT_MAX_QUARANTINE_SHARE = 0.01;

export interface EntityCounts {
  readonly entity: string;
  readonly extracted: number;
  readonly loaded: number; // created + updated + unchanged
  readonly quarantined: number;
}

export interface OutcomeVerdict {
  readonly outcome: Outcome;
  readonly reason: string | null;
  readonly exitCode: number;
}

function verdict(outcome: Outcome, reason: string | null): OutcomeVerdict {
  return { outcome, reason, exitCode: EXIT_CODES[outcome] };
}

function pct(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

export function classifyOutcome(
  entities: readonly EntityCounts[],
  finished: boolean,
  maxQuarantineShare: number = DEFAULT_MAX_QUARANTINE_SHARE,
): OutcomeVerdict {
  if (!finished) return verdict('failed', 'the run stopped before the end');
  const dead = entities.find((e) => e.extracted > 0 && e.loaded === 0);
  if (dead) return verdict('failed', `entity ${dead.entity}: ${dead.extracted} records, none loaded`);
  for (const e of entities) {
    const share = e.extracted > 0 ? e.quarantined / e.extracted : 0;
    if (share > maxQuarantineShare) {
      return verdict('completed_with_issues', `entity ${e.entity}: ${pct(share)} quarantined (max ${pct(maxQuarantineShare)})`);
    }
  }
  const total = entities.reduce((n, e) => n + e.extracted, 0);
  const quarantined = entities.reduce((n, e) => n + e.quarantined, 0);
  const share = total > 0 ? quarantined / total : 0;
  if (share > maxQuarantineShare) {
    return verdict('completed_with_issues', `${pct(share)} of records quarantined (max ${pct(maxQuarantineShare)})`);
  }
  return verdict('completed', null);
}
