/**
 * Service protection limits, as Dataverse applies them per user: a sliding window of requests
 * (6,000 per 300 s), at most 52 concurrent requests, a 429 with Retry-After when exceeded, and
 * `x-ms-ratelimit-*` headers reporting the remaining budget. Also the seeded fault injector.
 */
import type { FaultOptions } from '../../sdk/emulator-types.ts';
import { Rng } from './generate.ts';

export interface ProtectionLimits {
  /** Requests per window (Dataverse: 6000). */
  requests: number;
  /** Window length in seconds (Dataverse: 300). */
  windowSeconds: number;
  /** Concurrent requests (Dataverse: 52). */
  concurrency: number;
}

export const DATAVERSE_LIMITS: ProtectionLimits = { requests: 6000, windowSeconds: 300, concurrency: 52 };

export interface Rejection {
  status: 429 | 500 | 503;
  code: string;
  message: string;
  retryAfterSeconds?: number;
}

export class ServiceProtection {
  private readonly windows = new Map<string, number[]>();
  private readonly inFlight = new Map<string, number>();

  constructor(readonly limits: ProtectionLimits, private readonly now: () => number = Date.now) {}

  /** Admit a request for `user`, or say why not. Admitted requests must call `release`. */
  admit(user: string): { ok: true; headers: Record<string, string> } | { ok: false; rejection: Rejection; headers: Record<string, string> } {
    const t = this.now();
    const windowMs = this.limits.windowSeconds * 1000;
    const stamps = (this.windows.get(user) ?? []).filter((s) => s > t - windowMs);
    this.windows.set(user, stamps);
    const flying = this.inFlight.get(user) ?? 0;
    if (stamps.length >= this.limits.requests) {
      const retry = Math.max(1, Math.ceil((stamps[0]! + windowMs - t) / 1000));
      return {
        ok: false,
        headers: this.headers(0),
        rejection: {
          status: 429, code: '0x80072322', retryAfterSeconds: retry,
          message: `Number of requests exceeded the limit of ${this.limits.requests} over time window of ${this.limits.windowSeconds} seconds.`,
        },
      };
    }
    if (flying >= this.limits.concurrency) {
      return {
        ok: false,
        headers: this.headers(this.limits.requests - stamps.length),
        rejection: { status: 429, code: '0x80072326', retryAfterSeconds: 1, message: `Number of concurrent requests exceeded the limit of ${this.limits.concurrency}.` },
      };
    }
    stamps.push(t);
    this.inFlight.set(user, flying + 1);
    return { ok: true, headers: this.headers(this.limits.requests - stamps.length) };
  }

  release(user: string): void {
    this.inFlight.set(user, Math.max(0, (this.inFlight.get(user) ?? 1) - 1));
  }

  private headers(remaining: number): Record<string, string> {
    return {
      'x-ms-ratelimit-burst-remaining-xrm-requests': String(remaining),
      'x-ms-ratelimit-time-remaining-xrm-requests': '1,200.00',
    };
  }
}

/** Seeded faults: each request draws from one RNG stream, so a given seed misbehaves the same way every run. */
export class FaultInjector {
  private readonly rng: Rng;
  private burstLeft = 0;

  constructor(readonly faults: FaultOptions, seed: number) {
    this.rng = new Rng(seed, 0xfa017);
  }

  /** A rejection to serve instead of the real response, if any. */
  draw(): Rejection | undefined {
    const f = this.faults;
    if (this.burstLeft > 0) {
      this.burstLeft -= 1;
      return this.throttled();
    }
    if (f.rate429 && this.rng.chance(f.rate429)) {
      this.burstLeft = Math.max(0, (f.burst429Length ?? 3) - 1);
      return this.throttled();
    }
    if (f.rate5xx && this.rng.chance(f.rate5xx)) {
      return this.rng.chance(0.5)
        ? { status: 500, code: '0x80040216', message: 'An unexpected error occurred.' }
        : { status: 503, code: '0x80044153', message: 'The service is temporarily unavailable. Please retry.' };
    }
    return undefined;
  }

  delayMs(): number {
    const f = this.faults;
    return f.slowRate && f.slowMs && this.rng.chance(f.slowRate) ? f.slowMs : 0;
  }

  /** Whether the page just served triggers edits to records ahead of the reader. */
  modifiesNow(): boolean {
    return !!this.faults.modifyDuringExtraction && this.rng.chance(this.faults.modifyDuringExtraction);
  }

  get random(): Rng {
    return this.rng;
  }

  private throttled(): Rejection {
    return { status: 429, code: '0x80072321', retryAfterSeconds: 1, message: 'Combined execution time of incoming requests exceeded limit of 1,200,000 milliseconds over time window of 300 seconds.' };
  }
}
