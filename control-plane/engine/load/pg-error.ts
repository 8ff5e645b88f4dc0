/** Turn a PostgreSQL error into a reason a person can read (no connection details, bounded length). */
import { redactText } from '../../../shared/log/redact.ts';

export function pgReason(err: unknown): string {
  const e = err as { message?: string; column?: string; constraint?: string; detail?: string; code?: string };
  let s = e.message ?? String(err);
  if (e.column) s += ` (column ${e.column})`;
  if (e.constraint) s += ` (constraint ${e.constraint})`;
  if (e.detail) s += `: ${e.detail}`;
  s = redactText(s);
  return s.length > 500 ? `${s.slice(0, 497)}…` : s;
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
