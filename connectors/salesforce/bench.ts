/**
 * Bench support for Salesforce: extract from the emulator with rate limits on (its short-window
 * request ceiling and daily allowance) for a fixed time, and report how close the connector runs to the
 * ceiling: `rate_efficiency=<successful API requests / the most the ceiling allows in that time>` (a
 * full bucket at the start plus requestsPerSecond × seconds). The workload is REST query
 * paging at the smallest page size, the request-bound path (Bulk API 2.0 needs few requests by design).
 */
import { startEmulator } from './emulator/index.ts';
import { createConnector } from './index.ts';
import { extractFor, rateResult, type RateBenchResult } from '../sdk/rate-bench.ts';

export interface SalesforceBenchOptions {
  /** Wall-clock seconds to extract for (default 20). */
  durationSeconds?: number;
  /** Accounts in the emulated org (default 50,000: more than the run can read). */
  records?: number;
  seed?: number;
  /** The emulator's ceiling in requests per second (default: the emulator's default). */
  requestsPerSecond?: number;
}

export type SalesforceBenchResult = RateBenchResult;

export async function benchSalesforce(opts: SalesforceBenchOptions = {}): Promise<SalesforceBenchResult> {
  const durationMs = (opts.durationSeconds ?? 20) * 1000;
  const em = await startEmulator({
    records: opts.records ?? 50_000, seed: opts.seed ?? 1, rateLimits: true,
    ...(opts.requestsPerSecond ? { limits: { requestsPerSecond: opts.requestsPerSecond } } : {}),
  });
  const ceilingRps = em.control.limits.requestsPerSecond;
  // Pace 3% under the ceiling: client and server clocks and socket timing differ slightly, and one
  // refusal costs a whole Retry-After second (25 requests at the default ceiling).
  const connector = createConnector({
    credentials: em.credentials, baseUrl: em.url, tokenUrl: em.tokenUrl, requestsPerSecond: ceilingRps * 0.97,
    tuning: { extraction: 'rest', pollIntervalMs: 50 },
  });
  // Token and describe calls happen before the clock starts: the measure is steady-state paging.
  await connector.describe('Task');
  const before = em.control.stats();
  try {
    const { records, seconds } = await extractFor(connector, ['Task', 'Contact', 'Account', 'Opportunity'], { durationMs, batchSize: 200 });
    const after = em.control.stats();
    const requests = after.apiRequests - before.apiRequests;
    // The most the emulator would serve in this time: a full bucket at the start plus the steady rate.
    const possible = ceilingRps + ceilingRps * seconds;
    return rateResult({ seconds, requests, throttled: after.refused - before.refused, records, ceilingRps, efficiency: requests / possible });
  } finally {
    await em.close();
  }
}
