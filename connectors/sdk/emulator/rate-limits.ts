/**
 * Rate-limit budgets per credential, in the styles vendors document: fixed windows (HubSpot's
 * 10-second burst, daily counts), sliding windows (Dataverse's 6,000 per 300 s), token buckets
 * (a per-second ceiling) and a concurrency cap. A `BudgetSet` admits a request only when every
 * budget does; the refusal names the budget and its Retry-After. Vendors render headers from `usage`.
 */
export interface BudgetUsage {
  name: string;
  limit: number;
  remaining: number;
  /** Window length in ms (0 when not windowed). */
  intervalMs: number;
}

export interface Refusal {
  name: string;
  retryAfterMs: number;
}

export interface Budget {
  readonly name: string;
  /** Would a request fit now? (no side effect) */
  check(owner: string, now: number): Refusal | undefined;
  /** Count an admitted request. */
  commit(owner: string, now: number): void;
  usage(owner: string, now: number): BudgetUsage;
  /** A finished request (concurrency). */
  release?(owner: string): void;
}

/** `requests` per fixed window of `intervalMs`; the window starts at the first request (or at UTC midnight when `utcDay`). */
export function fixedWindow(name: string, requests: number, intervalMs: number, opts: { utcDay?: boolean } = {}): Budget {
  const state = new Map<string, { start: number; used: number }>();
  const windowStart = (now: number): number => (opts.utcDay ? Math.floor(now / 86_400_000) * 86_400_000 : now);
  const get = (owner: string, now: number): { start: number; used: number } => {
    let s = state.get(owner);
    if (!s || now - s.start >= intervalMs) state.set(owner, (s = { start: windowStart(now), used: 0 }));
    return s;
  };
  return {
    name,
    check(owner, now) {
      const s = get(owner, now);
      return s.used >= requests ? { name, retryAfterMs: s.start + intervalMs - now } : undefined;
    },
    commit: (owner, now) => void get(owner, now).used++,
    usage: (owner, now) => ({ name, limit: requests, remaining: Math.max(0, requests - get(owner, now).used), intervalMs }),
  };
}

/** `requests` in any trailing window of `intervalMs`. */
export function slidingWindow(name: string, requests: number, intervalMs: number): Budget {
  const stamps = new Map<string, number[]>();
  const get = (owner: string, now: number): number[] => {
    const s = (stamps.get(owner) ?? []).filter((t) => t > now - intervalMs);
    stamps.set(owner, s);
    return s;
  };
  return {
    name,
    check(owner, now) {
      const s = get(owner, now);
      return s.length >= requests ? { name, retryAfterMs: s[0]! + intervalMs - now } : undefined;
    },
    commit: (owner, now) => void get(owner, now).push(now),
    usage: (owner, now) => ({ name, limit: requests, remaining: Math.max(0, requests - get(owner, now).length), intervalMs }),
  };
}

/** A token bucket refilling `perSecond`, holding at most `burst` (default `perSecond`). */
export function tokenBucket(name: string, perSecond: number, burst = perSecond): Budget {
  const state = new Map<string, { tokens: number; at: number }>();
  const get = (owner: string, now: number): { tokens: number; at: number } => {
    let s = state.get(owner);
    if (!s) state.set(owner, (s = { tokens: burst, at: now }));
    s.tokens = Math.min(burst, s.tokens + ((now - s.at) / 1000) * perSecond);
    s.at = now;
    return s;
  };
  return {
    name,
    check(owner, now) {
      const s = get(owner, now);
      return s.tokens < 1 ? { name, retryAfterMs: Math.ceil(((1 - s.tokens) / perSecond) * 1000) } : undefined;
    },
    commit: (owner, now) => void (get(owner, now).tokens -= 1),
    usage: (owner, now) => ({ name, limit: burst, remaining: Math.floor(get(owner, now).tokens), intervalMs: 1000 }),
  };
}

/** At most `max` requests in flight; admitted requests must be released. */
export function concurrency(name: string, max: number, retryAfterMs = 1000): Budget {
  const flying = new Map<string, number>();
  return {
    name,
    check: (owner) => ((flying.get(owner) ?? 0) >= max ? { name, retryAfterMs } : undefined),
    commit: (owner) => void flying.set(owner, (flying.get(owner) ?? 0) + 1),
    release: (owner) => void flying.set(owner, Math.max(0, (flying.get(owner) ?? 1) - 1)),
    usage: (owner) => ({ name, limit: max, remaining: max - (flying.get(owner) ?? 0), intervalMs: 0 }),
  };
}

export type Admission = { ok: true; usage: BudgetUsage[] } | { ok: false; refusal: Refusal; usage: BudgetUsage[] };

export class BudgetSet {
  refused = 0;
  constructor(readonly budgets: readonly Budget[], private readonly now: () => number = Date.now) {}

  /** Admit or refuse; an admitted request counts against every budget. Pass `only` to apply a subset (e.g. a search limit). */
  admit(owner: string, extra: readonly Budget[] = []): Admission {
    const t = this.now();
    const all = [...this.budgets, ...extra];
    for (const b of all) {
      const refusal = b.check(owner, t);
      if (refusal) {
        this.refused++;
        return { ok: false, refusal, usage: all.map((x) => x.usage(owner, t)) };
      }
    }
    for (const b of all) b.commit(owner, t);
    return { ok: true, usage: all.map((x) => x.usage(owner, t)) };
  }

  release(owner: string): void {
    for (const b of this.budgets) b.release?.(owner);
  }
}

/** Retry-After in whole seconds (at least 1). */
export const retryAfterSeconds = (ms: number): string => String(Math.max(1, Math.ceil(ms / 1000)));
