/** Write a run report as JSON, HTML and PDF into a folder, and print the per-entity counts. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunReport } from '../report/types.ts';
import { renderReportHtml } from '../report/html.ts';
import { renderReportPdf } from '../report/pdf.ts';
import { entityMarkWith } from './outcome.ts';
import { DEFAULT_MAX_QUARANTINE_SHARE } from '../../shared/outcome.ts';

export const DEFAULT_REPORT_DIR = process.env.NEXUS_REPORT_DIR ?? path.resolve('nexus-migrate-reports');

export async function writeReportFiles(report: RunReport, dir = DEFAULT_REPORT_DIR): Promise<{ json: string; html: string; pdf: string }> {
  await mkdir(dir, { recursive: true });
  const base = path.join(dir, `run-${report.runId}`);
  const files = { json: `${base}.json`, html: `${base}.html`, pdf: `${base}.pdf` };
  await writeFile(files.json, JSON.stringify(report, null, 2));
  await writeFile(files.html, renderReportHtml(report));
  await writeFile(files.pdf, await renderReportPdf(report));
  return files;
}

export function countsTable(report: RunReport): string {
  const cols = ['extracted', 'created', 'updated', 'unchanged', 'deleted', 'quarantined', 'skipped'] as const;
  const head = ['entity'.padEnd(16), 'target'.padEnd(20), ...cols.map((c) => c.padStart(12)), '  ok'].join('');
  const lines = [head, '-'.repeat(head.length)];
  const entityMark = entityMarkWith(report.maxQuarantineShare ?? DEFAULT_MAX_QUARANTINE_SHARE);
  for (const e of report.entities) {
    lines.push([e.entity.padEnd(16), e.target.padEnd(20), ...cols.map((c) => e[c].toLocaleString().padStart(12)), `  ${entityMark(e)}`].join(''));
  }
  lines.push('-'.repeat(head.length));
  lines.push(['total'.padEnd(16), ''.padEnd(20), ...cols.map((c) => report.totals[c].toLocaleString().padStart(12)), report.totals.reconciles ? '  ✓' : '  ✗'].join(''));
  // Live tenants (mapping `match:`): matched records are inside updated / unchanged / skipped above.
  const matched = report.entities.filter((e) => e.matched);
  if (matched.length) lines.push(`matched to existing rows (included above): ${matched.map((e) => `${e.entity} ${e.matched!.toLocaleString()}`).join(', ')}`);
  return lines.join('\n');
}

export function warningsSummary(report: RunReport): string {
  const w = report.warnings;
  const out: string[] = [];
  if (w.unmappedPicklistValues.length) out.push(`unmapped picklist values: ${w.unmappedPicklistValues.map((p) => `${p.entity}.${p.field}=${JSON.stringify(p.value)}×${p.count} (${p.policy})`).join(', ')}`);
  if (w.unmatchedOwners.length) out.push(`owners without a Logic Nexus user: ${w.unmatchedOwners.map((o) => `${o.sourceUserId}${o.email ? ` <${o.email}>` : ''}×${o.count} → ${o.assignedTo ?? 'no owner'}`).join(', ')}`);
  if (w.orphans.length) out.push(`orphans: ${w.orphans.map((o) => `${o.entity}.${o.field}×${o.count} (${o.policy})`).join(', ')}`);
  if (w.unmappedFields.length) out.push(`unmapped source fields kept in metadata: ${w.unmappedFields.map((u) => `${u.entity}(${u.fields.length})`).join(', ')}`);
  for (const m of w.other) out.push(m);
  return out.map((l) => `  • ${l}`).join('\n');
}
