/** Turn a PostgreSQL error into a reason a person can read (no connection details, bounded length). */
import { redactText } from '../../../shared/log/redact.ts';

/** What a refusal names: the column (NOT NULL, type errors) or the constraint (FK, unique, CHECK). */
export interface PgErrorFields { column?: string; constraint?: string; table?: string }

export function pgErrorFields(err: unknown): PgErrorFields {
  const e = err as { column?: unknown; constraint?: unknown; table?: unknown };
  const out: PgErrorFields = {};
  if (typeof e.column === 'string') out.column = e.column;
  if (typeof e.constraint === 'string') out.constraint = e.constraint;
  if (typeof e.table === 'string') out.table = e.table;
  return out;
}

const MAX = 1000;

/** Keep both ends of a long text: what the error is, and what it ends with. */
function bound(s: string, max: number): string {
  if (s.length <= max) return s;
  const head = Math.floor(max * 0.7);
  return `${s.slice(0, head)} … (${s.length - max} characters left out) … ${s.slice(s.length - (max - head))}`;
}

export function pgReason(err: unknown): string {
  const e = err as { message?: string; column?: string; constraint?: string; detail?: string; code?: string };
  let s = bound(e.message ?? String(err), 400);
  if (e.column) s += ` (column ${e.column})`;
  if (e.constraint) s += ` (constraint ${e.constraint})`;
  // "Failing row contains (…)" repeats the whole row (a 10 MB value, other fields' data): the column
  // or constraint above says what failed, so only its start is kept.
  if (e.detail) s += `: ${e.detail.startsWith('Failing row contains') ? bound(e.detail, 200) : bound(e.detail, 400)}`;
  return redactText(bound(s, MAX));
}

/**
 * Only data exceptions (SQLSTATE class 22) and integrity violations (23) belong to a record, and are
 * isolated and quarantined. Anything else (connection lost, a missing column or constraint, no
 * permission, a bug of ours) is the run's problem: it stops the run instead of quarantining every record.
 */
export function isFatal(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code !== 'string' || !/^(22|23)/.test(code);
}
