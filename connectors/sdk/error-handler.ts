/** Maps an HTTP outcome to a typed action: the definition's rules first, then the built-in defaults. */
import type { ErrorAction, ErrorRule } from './definition.ts';
import { getPath } from './json-path.ts';

export const DEFAULT_ERROR_RULES: ErrorRule[] = [
  { status: [401], action: 'refresh-token-then-retry' },
  { status: [403], action: 'fail-config', message: 'the credential lacks a permission or scope; re-authorize with the scopes listed by requiredPermissions()' },
  { status: [429], action: 'rate-limited' },
  { status: [408, 409, 425, 500, 502, 503, 504, 520, 522, 524], action: 'retry' },
  { status: [400, 404, 405, 410, 422], action: 'fail-config', message: 'the request was rejected; check the base URL, API version and object names' },
];

export interface Classification {
  action: ErrorAction;
  message?: string;
}

export function classify(status: number, body: unknown, rules: ErrorRule[]): Classification | undefined {
  if (status >= 200 && status < 300) return undefined;
  for (const rule of [...rules, ...DEFAULT_ERROR_RULES]) {
    if (rule.status && !rule.status.includes(status)) continue;
    if (rule.bodyPath) {
      const v = getPath(body, rule.bodyPath);
      if (v === undefined || (rule.equals && !rule.equals.includes(String(v)))) continue;
    }
    return { action: rule.action, message: rule.message };
  }
  if (status >= 500) return { action: 'retry' };
  return { action: 'fail-config', message: `unexpected HTTP ${status}` };
}

/** A short, secret-free summary of a vendor error body (HubSpot, Salesforce, OData and OAuth shapes). */
export function errorDetail(body: unknown): string | undefined {
  const first = Array.isArray(body) ? body[0] : body;
  if (typeof first === 'string') return first.slice(0, 300) || undefined;
  if (!first || typeof first !== 'object') return undefined;
  const pick = (...paths: string[]): string[] =>
    paths.map((p) => getPath(first, p)).filter((v): v is string | number => typeof v === 'string' || typeof v === 'number').map(String);
  const parts = pick('category', 'errorCode', 'error.code', 'error', 'message', 'error.message', 'error_description', 'correlationId');
  return parts.length ? parts.join(' | ').slice(0, 300) : undefined;
}

/** Exponential backoff with equal jitter: half fixed, half random. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + (exp / 2) * random());
}
