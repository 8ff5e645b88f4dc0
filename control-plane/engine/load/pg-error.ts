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

/** Errors that say the connection or server is gone: never quarantine a record for these. */
export function isFatal(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return /^(08|53|57|58|XX)/.test(code) || !(err as { code?: string }).code;
}
