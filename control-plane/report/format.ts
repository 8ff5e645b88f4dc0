/** Shared formatting for the HTML and PDF renderings of a RunReport. */
import { redactText } from '../../shared/log/redact.ts';
import type { EntityCounts, RunReport } from './types.ts';
import { outcomeLabel, withOutcome } from './outcome.ts';

export const COUNT_COLUMNS = ['extracted', 'created', 'updated', 'unchanged', 'deleted', 'quarantined', 'skipped'] as const;
export type CountColumn = (typeof COUNT_COLUMNS)[number];

export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
export const fmtNum = (n: number, digits = 1): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });

export function fmtDuration(seconds: number): string {
  if (seconds < 60) return `${fmtNum(seconds, 2)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return m < 60 ? `${m} min ${s} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Does a counts row reconcile (recomputed, not trusted from the report)? */
export function reconciles(c: Omit<EntityCounts, 'entity' | 'target'>): boolean {
  return c.extracted === c.created + c.updated + c.unchanged + c.deleted + c.quarantined + c.skipped;
}

export function title(r: RunReport): string {
  return `nexus-migrate ${r.mode === 'dry-run' ? 'dry run' : 'run'} report: ${r.sourceSystem} → ${r.targetSchema}`;
}

/** Key/value facts shown at the top of both renderings. */
export function summaryFacts(r: RunReport): [string, string][] {
  return [
    ['Run', r.runId],
    ['Migration', r.migrationId ?? '—'],
    ['Mode', r.mode],
    ['Outcome', outcomeLabel(r.outcome)],
    ['Status', r.status],
    ['Source', r.sourceSystem],
    ['Tenant', r.tenantId],
    ['Target schema', r.targetSchema],
    ['Started', r.startedAt],
    ['Finished', r.finishedAt ?? '—'],
    ['Duration', fmtDuration(r.durationSeconds)],
    ['Throughput', `${fmtNum(r.throughput.recordsPerSecond)} records/s`],
    ['Reconciles', reconciles(r.totals) && r.entities.every((e) => reconciles(e)) ? 'yes' : 'NO'],
  ];
}

/** Every warning as one line of text, grouped by section title. */
export function warningSections(r: RunReport): { title: string; lines: string[] }[] {
  const w = r.warnings;
  return [
    { title: 'Unmapped picklist values', lines: w.unmappedPicklistValues.map((p) => `${p.entity}.${p.field} = "${p.value}" × ${fmtInt(p.count)} (policy: ${p.policy})`) },
    { title: 'Unmatched owners', lines: w.unmatchedOwners.map((o) => `${o.sourceUserId} <${o.email ?? 'no email'}> owns ${fmtInt(o.count)} record(s) → ${o.assignedTo ?? 'unassigned'}`) },
    { title: 'Orphan references', lines: w.orphans.map((o) => `${o.entity}.${o.field}: ${fmtInt(o.count)} (policy: ${o.policy})${o.sample.length ? `, e.g. ${o.sample.slice(0, 5).join(', ')}` : ''}`) },
    { title: 'Unmapped source fields (kept in metadata)', lines: w.unmappedFields.map((u) => `${u.entity}: ${u.fields.join(', ')}`) },
    { title: 'Other', lines: w.other },
  ].map((s) => ({ ...s, lines: s.lines.map((l) => redactText(l)) }));
}

/** The report with its outcome decided (when it was stored without one). */
export function decided(r: RunReport): RunReport {
  return r.outcome ? r : withOutcome(r);
}

/** The banner on top: the outcome and its reason (amber for issues, red for failed), and the retry links. */
export function outcomeBanner(r: RunReport): { tone: 'ok' | 'amber' | 'red'; text: string } {
  const what = r.mode === 'dry-run' ? `Dry run predicts: ${outcomeLabel(r.outcome)}` : `Outcome: ${outcomeLabel(r.outcome)}`;
  const tone = r.outcome === 'failed' ? 'red' : r.outcome === 'completed_with_issues' ? 'amber' : 'ok';
  return { tone, text: `${what}${r.outcomeReason ? ` (${r.outcomeReason})` : ''}` };
}

export function retryLines(r: RunReport): string[] {
  const out: string[] = [];
  if (r.retryOf) out.push(`Follow-up of run ${r.retryOf.runId}${r.retryOf.entity ? `: re-imported corrected ${r.retryOf.entity} records it quarantined` : ''}`);
  for (const x of r.retriedBy ?? []) out.push(`Retried by run ${x.runId}${x.entity ? ` (${x.entity})` : ''}${x.outcome ? `: ${outcomeLabel(x.outcome as RunReport['outcome'])}` : ''}`);
  return out;
}
