/**
 * Validators for values a person types (CLI flags, API fields): each returns the parsed value or a
 * sentence saying what is wrong, never throws. Callers turn the sentence into their own error (the
 * CLI's UsageError, exit 2; the API's 400).
 */

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * A schema or table name we accept: a plain PostgreSQL identifier (letters, digits, _ and $, not
 * starting with a digit or $, at most 63 bytes). Quoting would make anything safe to send, but a
 * name such as `x"; drop table …` is a mistake or an attack, so it is refused rather than quoted.
 */
export function checkIdentifier(what: string, value: string): Checked<string> {
  if (!/^[A-Za-z_][A-Za-z0-9_$]*$/.test(value) || Buffer.byteLength(value) > 63) {
    return { ok: false, error: `${what} must be a plain identifier (letters, digits and _, not starting with a digit, at most 63 characters), got ${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)}` };
  }
  return { ok: true, value };
}

/** A whole number in [min, max], written as plain digits. */
export function checkInteger(what: string, value: string, min = 1, max = Number.MAX_SAFE_INTEGER): Checked<number> {
  if (!/^\d+$/.test(value.trim())) return { ok: false, error: `${what} must be a whole number, got ${JSON.stringify(value)}` };
  const n = Number(value.trim());
  if (!Number.isSafeInteger(n) || n < min || n > max) return { ok: false, error: `${what} must be between ${min} and ${max}, got ${value.trim()}` };
  return { ok: true, value: n };
}

export function checkUuid(what: string, value: string): Checked<string> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value.trim())) {
    return { ok: false, error: `${what} must be a UUID (like 3f1c…-…), got ${JSON.stringify(value)}` };
  }
  return { ok: true, value: value.trim().toLowerCase() };
}
