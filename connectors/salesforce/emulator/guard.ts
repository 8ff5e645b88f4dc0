/**
 * API usage accounting, rate limits and injected faults. Every data request passes `admit` before it
 * is served: it counts toward the daily allowance reported in Sforce-Limit-Info and /limits, and may be
 * refused (daily limit, short-window ceiling, injected 429/5xx) or slowed.
 */
import type { FaultOptions } from '../../sdk/emulator-types.ts';
import { rng } from '../../../shared/prng.ts';

export interface LimitsConfig {
  /** DailyApiRequests Max (Enterprise Edition base allowance is 100,000). */
  dailyApiRequests: number;
  /** Short-window ceiling in requests per second, enforced when rate limits are on (the emulator's
   *  stand-in for Salesforce's concurrent-request limit; the bench measures against it). */
  requestsPerSecond: number;
}

export const DEFAULT_LIMITS: LimitsConfig = { dailyApiRequests: 100_000, requestsPerSecond: 25 };

export interface Refusal {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}


export class ApiGuard {
  used = 0;
  refused = 0;
  private burstLeft = 0;
  private tokens: number;
  private lastRefill = Date.now();
  private readonly random: () => number;

  constructor(seed: number, private readonly faults: FaultOptions, private readonly rateLimits: boolean, readonly limits: LimitsConfig) {
    this.random = rng(seed ^ 0x5f0e);
    this.tokens = limits.requestsPerSecond;
  }

  /** Decide whether a request is served. Returns the refusal to send, or undefined to serve it. */
  admit(): Refusal | undefined {
    if (this.rateLimits && this.used >= this.limits.dailyApiRequests) {
      this.refused++;
      return { status: 403, body: [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }] };
    }
    if (this.rateLimits) {
      const now = Date.now();
      this.tokens = Math.min(this.limits.requestsPerSecond, this.tokens + ((now - this.lastRefill) / 1000) * this.limits.requestsPerSecond);
      this.lastRefill = now;
      if (this.tokens < 1) {
        this.refused++;
        const waitMs = Math.ceil(((1 - this.tokens) / this.limits.requestsPerSecond) * 1000);
        return { status: 429, headers: { 'Retry-After': String(Math.max(1, Math.ceil(waitMs / 1000))) },
          body: [{ message: 'ConcurrentPerOrgLongTxn Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }] };
      }
      this.tokens -= 1;
    }
    if (this.burstLeft > 0 || (this.faults.rate429 && this.random() < this.faults.rate429)) {
      this.burstLeft = this.burstLeft > 0 ? this.burstLeft - 1 : (this.faults.burst429Length ?? 3) - 1;
      this.refused++;
      return { status: 429, headers: { 'Retry-After': '1' }, body: [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }] };
    }
    if (this.faults.rate5xx && this.random() < this.faults.rate5xx) {
      this.refused++;
      const status = [500, 502, 503][Math.floor(this.random() * 3)]!;
      return { status, body: [{ message: 'Server is temporarily unavailable; try again.', errorCode: status === 500 ? 'UNKNOWN_EXCEPTION' : 'SERVER_UNAVAILABLE' }] };
    }
    this.used++;
    return undefined;
  }

  /** Milliseconds to delay this response (the slow fault), or 0. */
  delayMs(): number {
    return this.faults.slowRate && this.random() < this.faults.slowRate ? (this.faults.slowMs ?? 2000) : 0;
  }

  /** True when this page should trigger an edit to a record (records modified during extraction). */
  modifyNow(): boolean {
    return !!this.faults.modifyDuringExtraction && this.random() < this.faults.modifyDuringExtraction;
  }

  /** A deterministic index in [0, n) for fault-driven edits. */
  randomIndex(n: number): number {
    return Math.floor(this.random() * n);
  }

  limitInfo(): string {
    return `api-usage=${this.used}/${this.limits.dailyApiRequests}`;
  }

  limitsBody(bulkJobs: number): unknown {
    const max = this.limits.dailyApiRequests;
    return {
      ConcurrentAsyncGetReportInstances: { Max: 200, Remaining: 200 },
      DailyApiRequests: { Max: max, Remaining: Math.max(0, max - this.used) },
      DailyAsyncApexExecutions: { Max: 250000, Remaining: 250000 },
      DailyBulkApiBatches: { Max: 15000, Remaining: 15000 },
      DailyBulkV2QueryFileStorageMB: { Max: 976562, Remaining: 976562 },
      DailyBulkV2QueryJobs: { Max: 10000, Remaining: Math.max(0, 10000 - bulkJobs) },
      DataStorageMB: { Max: 5120, Remaining: 5000 },
      FileStorageMB: { Max: 20480, Remaining: 20480 },
    };
  }
}
