/**
 * Secret redaction. Every log line, error message, report and API response that could carry
 * connection details passes through here. Known secret values are registered at the moment they
 * are read (from the keychain, env or a credential store) and are replaced wherever they appear.
 *
 * Secrets are scoped (issue 11, defect 3): a tenant's secrets are registered under its scope and
 * text produced for one tenant is scrubbed of that tenant's secrets and the process's own (master
 * key, transport key, DB password) only, so tenant B cannot learn tenant A's secret by watching
 * which guess comes back [REDACTED]. The scope comes from the argument or from the async context
 * (`withSecretScope`: each API request after authentication, each background run). Text made
 * outside any scope (process logs on stderr, the CLI) is scrubbed of every secret of every scope.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const processSecrets = new Set<string>();
const scopedSecrets = new Map<string, Set<string>>();
const context = new AsyncLocalStorage<string>();

/** A scope for requests that carry no tenant (before login): only the process's secrets apply. */
export const ANONYMOUS_SCOPE = '\0anonymous';

const SECRET_KEY = /pass(word)?|secret|token|api[-_]?key|authorization|private[-_]?key|client[-_]?secret|credential|cookie/i;

/** Run fn with `scope` (a tenant id) as the secret scope of everything it does, async included. */
export function withSecretScope<T>(scope: string, fn: () => T): T {
  return context.run(scope, fn);
}

/** The scope of the current async context, if any. */
export function currentSecretScope(): string | undefined {
  return context.getStore();
}

/**
 * Remember a secret value so that it is scrubbed from any later text. Short values are ignored.
 * With a scope (or inside withSecretScope) it belongs to that tenant; otherwise to the process.
 */
export function registerSecret(value: string | undefined | null, scope: string | undefined = context.getStore()): void {
  if (!value || value.length < 4) return;
  if (scope === undefined || scope === ANONYMOUS_SCOPE) { processSecrets.add(value); return; }
  let set = scopedSecrets.get(scope);
  if (!set) scopedSecrets.set(scope, (set = new Set()));
  set.add(value);
}

function* secretsFor(scope: string | undefined): Iterable<string> {
  yield* processSecrets;
  if (scope === undefined) for (const set of scopedSecrets.values()) yield* set;
  else if (scope !== ANONYMOUS_SCOPE) yield* scopedSecrets.get(scope) ?? [];
}

/** Replace registered secrets (of `scope`, default the current one) and credential-looking URL parts in free text. */
export function redactText(text: string, scope: string | undefined = context.getStore()): string {
  let out = text;
  for (const s of secretsFor(scope)) if (out.includes(s)) out = out.split(s).join('[REDACTED]');
  // user:password@host in connection strings
  out = out.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#\s]*:)[^@/\s]+@/gi, '$1[REDACTED]@');
  // key=value pairs in connection strings and query strings
  out = out.replace(/\b(password|pwd|secret|token|access_token|refresh_token|client_secret|api_key)=([^;&\s]+)/gi, '$1=[REDACTED]');
  // Bearer tokens
  out = out.replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, '$1 [REDACTED]');
  return out;
}

/** Deep-copy a value with secret-looking keys masked and registered secrets scrubbed from strings. */
export function redact<T>(value: T, scope: string | undefined = context.getStore()): T {
  return redactValue(value, 0, scope) as T;
}

function redactValue(value: unknown, depth: number, scope: string | undefined): unknown {
  if (depth > 20) return '[…]';
  if (typeof value === 'string') return redactText(value, scope);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1, scope));
  if (value instanceof Error) return { name: value.name, message: redactText(value.message, scope) };
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) && v != null && v !== '' ? '[REDACTED]' : redactValue(v, depth + 1, scope);
    }
    return out;
  }
  return value;
}
