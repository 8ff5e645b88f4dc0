/**
 * Failed records come back (issue 10 point 8). One entity's quarantined source records of one run
 * as a CSV a person can fix: control columns first (__sourceId, __reason, __field, __json), then
 * the source record's own fields under their source names. A cell of a field whose value is not
 * text (a number, boolean, object or list) holds JSON, and __json names those fields, so the
 * corrected file re-imports with the values the source had. The same file, corrected, is what a
 * follow-up run reads (retry-source.ts).
 */
import { stringify } from 'csv-stringify/sync';
import type { QuarantineRow } from '../report/sql.ts';

export const CONTROL_COLUMNS = ['__sourceId', '__reason', '__field', '__json'] as const;

interface Merged { sourceId: string; reasons: string[]; fields: string[]; record: Record<string, unknown> }

/** Rows of one entity; several quarantine entries of one record become one row with every reason. */
function merge(rows: QuarantineRow[]): Merged[] {
  const byId = new Map<string, Merged>();
  for (const r of rows) {
    if (r.source_id === null || r.field === '(delete)') continue; // not a source record to correct
    const m = byId.get(r.source_id) ?? { sourceId: r.source_id, reasons: [], fields: [], record: {} };
    m.reasons.push(r.reason);
    if (r.field) m.fields.push(r.field);
    if (r.record && typeof r.record === 'object' && !Array.isArray(r.record)) m.record = { ...(r.record as Record<string, unknown>), ...m.record };
    byId.set(r.source_id, m);
  }
  return [...byId.values()];
}

export function quarantineCsv(rows: QuarantineRow[]): { csv: string; records: number } {
  const merged = merge(rows);
  const columns: string[] = [];
  const seen = new Set<string>(CONTROL_COLUMNS);
  for (const m of merged) for (const k of Object.keys(m.record)) if (!seen.has(k)) { seen.add(k); columns.push(k); }
  const out: (string | null)[][] = [[...CONTROL_COLUMNS, ...columns]];
  for (const m of merged) {
    const json: string[] = [];
    const cells = columns.map((k) => {
      const v = m.record[k];
      if (v === undefined || v === null) return null;
      if (typeof v === 'string') return v;
      json.push(k);
      return JSON.stringify(v);
    });
    out.push([m.sourceId, [...new Set(m.reasons)].join('; '), [...new Set(m.fields)].join('; ') || null, json.join(' ') || null, ...cells]);
  }
  // Empty strings are quoted ("") so they stay empty strings; a null is an empty unquoted cell.
  return { csv: stringify(out, { quoted_match: /^$/ }), records: merged.length };
}

/** A file name for the download. */
export function quarantineFileName(runId: string, entity: string): string {
  return `quarantine-${runId}-${entity.replace(/[^A-Za-z0-9_.-]/g, '_')}.csv`;
}
