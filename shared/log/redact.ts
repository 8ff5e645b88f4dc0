/**
 * Secret redaction. Every log line, error message, report and API response that could carry
 * connection details passes through here. Known secret values are registered at the moment they
 * are read (from the keychain, env or a credential store) and are replaced wherever they appear.
 */
const registered = new Set<string>();

const SECRET_KEY = /pass(word)?|secret|token|api[-_]?key|authorization|private[-_]?key|client[-_]?secret|credential|cookie/i;

/** Remember a secret value so that it is scrubbed from any later text. Short values are ignored. */
export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 4) registered.add(value);
}

/** Replace registered secrets and credential-looking URL parts in free text. */
export function redactText(text: string): string {
  let out = text;
  for (const s of registered) if (out.includes(s)) out = out.split(s).join('[REDACTED]');
  // user:password@host in connection strings
  out = out.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#\s]*:)[^@/\s]+@/gi, '$1[REDACTED]@');
  // key=value pairs in connection strings and query strings
  out = out.replace(/\b(password|pwd|secret|token|access_token|refresh_token|client_secret|api_key)=([^;&\s]+)/gi, '$1=[REDACTED]');
  // Bearer tokens
  out = out.replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, '$1 [REDACTED]');
  return out;
}

/** Deep-copy a value with secret-looking keys masked and registered secrets scrubbed from strings. */
export function redact<T>(value: T): T {
  return redactValue(value, 0) as T;
}

function redactValue(value: unknown, depth: number): unknown {
  if (depth > 20) return '[…]';
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  if (value instanceof Error) return { name: value.name, message: redactText(value.message) };
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) && v != null && v !== '' ? '[REDACTED]' : redactValue(v, depth + 1);
    }
    return out;
  }
  return value;
}
