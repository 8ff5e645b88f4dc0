/**
 * The end of a background run, for the runner: its outcome decided and stored (report/settle.ts),
 * and the webhook event that says it. completed_with_issues is its own event, never a plain
 * migration.completed; a run whose outcome is failed (an entity with records of which none loaded)
 * is migration.failed even though the engine finished.
 */
import type { SourceConnector } from '../../shared/connector.ts';
import type { Outcome } from '../../shared/outcome.ts';
import { maxQuarantineShareOf, settleRun } from '../report/settle.ts';
import { withOutcome } from '../report/outcome.ts';
import type { RunReport } from '../report/types.ts';
import { withSystem, type Db } from './db.ts';
import type { MigrationRow } from '../jobs/execute-run.ts';
import type { WebhookEvent } from './webhooks/dispatcher.ts';

/** A follow-up run: the corrected quarantined records of one entity of an earlier run. */
export interface FollowUp {
  open(): Promise<SourceConnector>;
  runKey: string;
  retryOf: { runId: string; entity: string };
}

export interface RunEnd {
  outcome: Outcome | null;
  reason: string | null;
  report: RunReport | null;
  event(mode: 'run' | 'dry-run', hadReport: boolean): WebhookEvent;
}

export async function endOfRun(
  db: Db, m: MigrationRow,
  o: { report: RunReport | null; failure: string | null; completed: boolean; stopped: boolean; followUp: FollowUp | null },
): Promise<RunEnd> {
  let outcome: Outcome | null = null;
  let reason: string | null = null;
  let report = o.report;
  if (report && !o.stopped) {
    const share = maxQuarantineShareOf(m.mapping_yaml, { TENANT_ID: m.tenant_id, FRANCHISE_ID: String(m.config.franchiseId ?? m.tenant_id) });
    const opts = { maxQuarantineShare: share, failure: o.completed ? null : o.failure ?? 'run failed', retryOf: o.followUp?.retryOf ?? null };
    try {
      const settled = await withSystem(db, (c) => settleRun(c, db.schema, report!, opts));
      report = settled.report;
      outcome = settled.verdict.outcome;
      reason = settled.verdict.reason;
    } catch (err) {
      // Storing failed: the outcome is still decided and said (status, log, webhook), and the error says why it is not stored.
      const r = withOutcome(report, share);
      outcome = opts.failure ? 'failed' : r.outcome!;
      reason = `${opts.failure ?? r.outcomeReason ?? 'completed'}; the outcome could not be stored: ${err instanceof Error ? err.message : String(err)}`;
    }
  } else if (!o.stopped) {
    outcome = 'failed';
    reason = o.failure ?? 'the run stopped before the end';
  }
  return {
    outcome, reason, report,
    event(mode, hadReport) {
      // A dry run that finished reports its prediction (outcome and reason in the payload), whatever it predicts.
      if (mode === 'dry-run' && o.completed) return 'dry_run.completed';
      if (outcome === 'failed') return hadReport ? 'migration.failed' : 'migration.critical';
      return outcome === 'completed_with_issues' ? 'migration.completed_with_issues' : 'migration.completed';
    },
  };
}

/** The log line that ends a run: its outcome in words, never "completed" for a bad one. */
export function endMessage(mode: 'run' | 'dry-run', next: string, end: Pick<RunEnd, 'outcome' | 'reason'>, failure: string): string {
  if (next === 'failed') return `${mode} failed: ${failure}`;
  const why = end.reason ? `: ${end.reason}` : '';
  if (mode === 'dry-run' && next === 'awaiting_approval') {
    return end.outcome === 'completed' ? 'dry-run finished; awaiting approval' : `dry-run predicts ${end.outcome === 'failed' ? 'failed' : 'completed with issues'}${why}; awaiting approval`;
  }
  if (end.outcome === 'completed_with_issues') return `${mode} completed with issues${why}`;
  return `${mode} ${next}`;
}
