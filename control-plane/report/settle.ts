/**
 * When a run ends, on any surface: decide its outcome from the report and the mapping's
 * maxQuarantineShare, store it on the runs row (and in the stored report), and record the link of a
 * follow-up run to the run it retries. Reading a report back adds the links both ways.
 */
import type pg from 'pg';
import { DEFAULT_MAX_QUARANTINE_SHARE, EXIT_CODES, type OutcomeVerdict } from '../../shared/outcome.ts';
import { loadMapping } from '../engine/mapping/load.ts';
import { withOutcome } from './outcome.ts';
import { getRunLinks, listRetries, saveReportJson, saveRunOutcome, setRetryOf } from './sql.ts';
import type { RunReport } from './types.ts';

type Q = pg.Pool | pg.PoolClient;

/** The mapping's maxQuarantineShare; the default when the mapping does not say (or does not parse: the run reports that itself). */
export function maxQuarantineShareOf(mappingYaml: string | null | undefined, vars: Record<string, string | undefined> = {}): number {
  if (!mappingYaml) return DEFAULT_MAX_QUARANTINE_SHARE;
  try {
    return loadMapping(mappingYaml, vars).maxQuarantineShare ?? DEFAULT_MAX_QUARANTINE_SHARE;
  } catch {
    return DEFAULT_MAX_QUARANTINE_SHARE;
  }
}

export interface Settled { report: RunReport; verdict: OutcomeVerdict }

/**
 * Decide and store a finished run's outcome. `failure` is an error the caller saw outside the
 * report (the run then failed, whatever the counts say). `retryOf` links a follow-up run.
 */
export async function settleRun(
  q: Q, cs: string, report: RunReport,
  o: { maxQuarantineShare: number; failure?: string | null; retryOf?: { runId: string; entity: string | null } | null },
): Promise<Settled> {
  let r = withOutcome(report, o.maxQuarantineShare);
  if (o.failure && r.outcome !== 'failed') r = { ...r, outcome: 'failed', outcomeReason: o.failure };
  if (o.retryOf) {
    await setRetryOf(q, cs, r.runId, o.retryOf.runId, o.retryOf.entity);
    r = { ...r, retryOf: o.retryOf };
  }
  await saveRunOutcome(q, cs, r.runId, { outcome: r.outcome!, reason: r.outcomeReason ?? null });
  await saveReportJson(q, cs, r.runId, r);
  return { report: r, verdict: { outcome: r.outcome!, reason: r.outcomeReason ?? null, exitCode: EXIT_CODES[r.outcome!] } };
}

/** A stored report as the surfaces serve it: its outcome (decided now for reports stored before outcomes), and its retry links. */
export async function servedReport(q: Q, cs: string, report: RunReport): Promise<RunReport> {
  const links = await getRunLinks(q, cs, report.runId);
  let r = report.outcome ? report : withOutcome(report);
  if (links?.outcome && links.outcome !== r.outcome) r = { ...r, outcome: links.outcome as RunReport['outcome'], outcomeReason: links.outcome_reason };
  const retries = await listRetries(q, cs, report.runId);
  return {
    ...r,
    retryOf: links?.retry_of ? { runId: links.retry_of, entity: links.retry_entity } : null,
    retriedBy: retries.map((x) => ({ runId: x.id, entity: x.retry_entity, outcome: x.outcome })),
  };
}
