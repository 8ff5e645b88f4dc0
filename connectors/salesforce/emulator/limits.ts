/**
 * The org's API allowance on the kit: DailyApiRequests (a UTC-day window, 403 REQUEST_LIMIT_EXCEEDED
 * when spent), a short-window ceiling when rate limits are on (the stand-in for Salesforce's
 * concurrent-request limit; the bench measures against it), the kit's fault switches, and the
 * Sforce-Limit-Info header and /limits body that report usage.
 */
import type { FaultOptions } from '../../sdk/emulator-types.ts';
import { BudgetSet, FaultSwitches, fixedWindow, retryAfterSeconds, tokenBucket } from '../../sdk/emulator/index.ts';
import { ApiError } from './http.ts';

export interface LimitsConfig {
  /** DailyApiRequests Max (Enterprise Edition base allowance is 100,000). */
  dailyApiRequests: number;
  requestsPerSecond: number;
}

export const DEFAULT_LIMITS: LimitsConfig = { dailyApiRequests: 100_000, requestsPerSecond: 25 };

export class OrgLimits {
  used = 0;
  refused = 0;
  readonly faults: FaultSwitches;
  private readonly budgets: BudgetSet;

  constructor(seed: number, faults: FaultOptions, private readonly rateLimits: boolean, readonly limits: LimitsConfig) {
    this.faults = new FaultSwitches(faults, seed);
    this.budgets = new BudgetSet([fixedWindow('daily', limits.dailyApiRequests, 86_400_000, { utcDay: true }), tokenBucket('burst', limits.requestsPerSecond)]);
  }

  /** Count a data request, or throw the refusal Salesforce would send. */
  admit(): void {
    const info = (): Record<string, string> => ({ 'Sforce-Limit-Info': this.limitInfo() });
    if (this.rateLimits) {
      const verdict = this.budgets.admit('org');
      if (!verdict.ok) {
        this.refused++;
        if (verdict.refusal.name === 'daily') throw new ApiError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.', info());
        throw new ApiError(429, 'REQUEST_LIMIT_EXCEEDED', 'ConcurrentPerOrgLongTxn Limit exceeded.', { ...info(), 'Retry-After': retryAfterSeconds(verdict.refusal.retryAfterMs) });
      }
    }
    const fault = this.faults.draw();
    if (fault) {
      this.refused++;
      if (fault.kind === '429') throw new ApiError(429, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.', { ...info(), 'Retry-After': '1' });
      throw new ApiError(fault.status, fault.status === 500 ? 'UNKNOWN_EXCEPTION' : 'SERVER_UNAVAILABLE', 'Server is temporarily unavailable; try again.', info());
    }
    this.used++;
  }

  limitInfo(): string {
    return `api-usage=${this.used}/${this.limits.dailyApiRequests}`;
  }

  limitsBody(bulkJobs: number): unknown {
    const max = this.limits.dailyApiRequests;
    const full = (n: number) => ({ Max: n, Remaining: n });
    return {
      ConcurrentAsyncGetReportInstances: full(200), DailyApiRequests: { Max: max, Remaining: Math.max(0, max - this.used) },
      DailyAsyncApexExecutions: full(250000), DailyBulkApiBatches: full(15000), DailyBulkV2QueryFileStorageMB: full(976562),
      DailyBulkV2QueryJobs: { Max: 10000, Remaining: Math.max(0, 10000 - bulkJobs) }, DataStorageMB: { Max: 5120, Remaining: 5000 }, FileStorageMB: full(20480),
    };
  }
}
