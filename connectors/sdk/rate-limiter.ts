/**
 * One rate limiter per credential: token buckets for each documented budget (burst, daily), a
 * concurrency cap, and pauses driven by the vendor's rate-limit headers and Retry-After.
 */
import { createHash } from 'node:crypto';
import type { RateLimitDefinition } from './definition.ts';
import { realClock, type Clock } from './clock.ts';

export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    readonly capacity: number,
    private readonly refillPerMs: number,
    private readonly clock: Clock,
  ) {
    this.tokens = capacity;
    this.last = clock.now();
  }
  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.refillPerMs);
    this.last = now;
  }
  /** Take one token; returns 0 when taken, else the milliseconds to wait before trying again. */
  tryTake(): number {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - this.tokens) / this.refillPerMs);
  }
  /** The server says only `remaining` are left: never believe we have more. */
  clampTo(remaining: number): void {
    this.refill();
    this.tokens = Math.min(this.tokens, Math.max(0, remaining));
  }
  available(): number {
    this.refill();
    return this.tokens;
  }
}

/**
 * A budget shared by every process that uses the same credential (workers on several machines):
 * the buckets live outside the process (control-plane/jobs/vendor-budget.ts keeps them in
 * PostgreSQL), so two workers never spend twice the vendor's budget.
 */
export interface SharedBudgetStore {
  /** Take one token from every bucket at once; 0 when taken, else the milliseconds to wait (a pause included). */
  take(key: string, buckets: readonly BucketSpec[]): Promise<number>;
  /** No request on this credential for `ms`. */
  pause(key: string, ms: number): Promise<void>;
  /** The vendor says only `remaining` are left in `bucket`. */
  clamp(key: string, bucket: string, remaining: number): Promise<void>;
}

export interface BucketSpec { name: string; capacity: number; refillPerMs: number }

export class CredentialRateLimiter {
  readonly buckets: { name: string; bucket: TokenBucket }[];
  private pausedUntil = 0;
  private inFlight = 0;
  private readonly waiters: (() => void)[] = [];

  private readonly specs: BucketSpec[];
  private sharedChain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly def: RateLimitDefinition,
    private readonly clock: Clock = realClock,
    private readonly shared: { store: SharedBudgetStore; key: string } | null = null,
  ) {
    this.specs = def.buckets.map((b) => ({ name: b.name, capacity: b.requests, refillPerMs: b.requests / (b.perSeconds * 1000) }));
    this.buckets = this.specs.map((b) => ({ name: b.name, bucket: new TokenBucket(b.capacity, b.refillPerMs, clock) }));
  }

  /** Is this limiter's budget shared with other processes? */
  isShared(): boolean {
    return this.shared !== null;
  }

  private sharedDo(fn: (s: { store: SharedBudgetStore; key: string }) => Promise<void>): void {
    const sh = this.shared;
    if (!sh) return;
    this.sharedChain = this.sharedChain.then(() => fn(sh)).catch(() => undefined);
  }

  /** Wait for a concurrency slot and a token from every bucket. Call the returned function when the response is in. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    // A released slot is handed straight to the next waiter, so the cap holds under contention.
    if (this.inFlight >= this.def.concurrency) await new Promise<void>((resolve) => this.waiters.push(resolve));
    else this.inFlight++;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) next();
      else this.inFlight--;
    };
    try {
      for (;;) {
        const pause = this.pausedUntil - this.clock.now();
        if (pause > 0) {
          await this.clock.sleep(pause, signal);
          continue;
        }
        await this.sharedChain;
        const wait = this.shared ? await this.shared.store.take(this.shared.key, this.specs) : this.takeAll();
        if (wait === 0) return release;
        await this.clock.sleep(wait, signal);
      }
    } catch (err) {
      release();
      throw err;
    }
  }

  private takeAll(): number {
    // Check first so a request never spends a burst token while the daily bucket is empty.
    for (const { bucket } of this.buckets) if (bucket.available() < 1) return bucket.tryTake();
    for (const { bucket } of this.buckets) bucket.tryTake();
    return 0;
  }

  /** Stop all requests on this credential for `ms` (Retry-After, a spent window). */
  pauseFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
    this.sharedDo((s) => s.store.pause(s.key, ms));
  }

  /** Honour the vendor's budget headers (names come from the definition). */
  observe(headers: Headers): void {
    const h = this.def.headers;
    const remaining = h.remaining ? numberHeader(headers, h.remaining) : undefined;
    if (remaining !== undefined) {
      this.buckets[0]?.bucket.clampTo(remaining);
      const first = this.buckets[0]?.name;
      if (first) this.sharedDo((s) => s.store.clamp(s.key, first, remaining));
      if (remaining <= 0) {
        const reset = h.resetSeconds ? numberHeader(headers, h.resetSeconds) : undefined;
        const interval = h.intervalMs ? numberHeader(headers, h.intervalMs) : undefined;
        this.pauseFor(reset !== undefined ? reset * 1000 : interval ?? 1000);
      }
    }
    const daily = h.dailyRemaining ? numberHeader(headers, h.dailyRemaining) : undefined;
    if (daily !== undefined) {
      this.buckets.find((b) => b.name === 'daily')?.bucket.clampTo(daily);
      if (this.buckets.some((b) => b.name === 'daily')) this.sharedDo((s) => s.store.clamp(s.key, 'daily', daily));
    }
  }

  /** Highest steady request rate (per second) the buckets allow. */
  ceilingPerSecond(): number {
    return Math.min(...this.def.buckets.map((b) => b.requests / b.perSeconds), Infinity);
  }
}

function numberHeader(headers: Headers, name: string): number | undefined {
  const v = headers.get(name);
  if (v === null || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** Parse Retry-After (delta seconds or HTTP date) into milliseconds. */
export function retryAfterMs(headers: Headers, now: number): number | undefined {
  const v = headers.get('retry-after');
  if (!v) return undefined;
  const secs = Number(v);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** Limiters keyed by vendor + a hash of the credential identity, shared by every connector instance in the process. */
export class RateLimiterRegistry {
  private readonly limiters = new Map<string, CredentialRateLimiter>();
  private shared: SharedBudgetStore | null = null;
  constructor(private readonly clock: Clock = realClock) {}
  /** From now on, new limiters keep their buckets in `store`, shared with every other process using it. */
  useSharedBudget(store: SharedBudgetStore | null): void {
    this.shared = store;
    this.limiters.clear();
  }
  forCredential(vendor: string, credentialIdentity: string, def: RateLimitDefinition): CredentialRateLimiter {
    const key = `${vendor}:${createHash('sha256').update(credentialIdentity).digest('hex').slice(0, 16)}`;
    let l = this.limiters.get(key);
    if (!l) {
      l = new CredentialRateLimiter(def, this.clock, this.shared ? { store: this.shared, key } : null);
      this.limiters.set(key, l);
    }
    return l;
  }
}

export const defaultRateLimiters = new RateLimiterRegistry();
