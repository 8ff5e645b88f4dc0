/**
 * Bench support for `npm run bench -- --source dynamics`: extract from the Dataverse emulator with
 * service protection limits on and report how close the connector runs to the ceiling.
 *
 * Dataverse allows 6,000 requests per 5-minute sliding window; a bench cannot wait 5 minutes per
 * window, so the window is scaled down at the same rate (default 200 requests per 10 s = 20 req/s).
 * From a cold start a sliding window admits at most R·(⌊T/W⌋ + 1) requests in T seconds (a full
 * window at 0, W, 2W, …), so rate_efficiency = successful requests / that maximum (never above 1).
 * The run stops just before a window boundary so the final window is not counted half used.
 */
import { RateLimiterRegistry } from '../sdk/index.ts';
import { startEmulator } from './emulator/index.ts';
import { createConnector } from './index.ts';
import { extractFor, rateResult, type RateBenchResult } from '../sdk/rate-bench.ts';

export interface DynamicsBenchOptions {
  /** Whole windows to run for (default 3). */
  windows?: number;
  /** Requests per window (default 200). */
  requestsPerWindow?: number;
  /** Window length in seconds (default 10). */
  windowSeconds?: number;
  /** Accounts in the emulated org (default 50,000: more than the run can read). */
  records?: number;
  /** Records per page (default 50, so the run is bound by requests, not bytes). */
  pageSize?: number;
  seed?: number;
}

export async function benchDynamics(opts: DynamicsBenchOptions = {}): Promise<RateBenchResult> {
  const windowSeconds = opts.windowSeconds ?? 10;
  const perWindow = opts.requestsPerWindow ?? 200;
  const durationMs = ((opts.windows ?? 3) * windowSeconds - windowSeconds / 20) * 1000;
  const em = await startEmulator({
    records: opts.records ?? 50_000, seed: opts.seed ?? 1, rateLimits: true, limits: { requests: perWindow, windowSeconds },
  });
  const connector = createConnector({
    credentials: em.credentials, baseUrl: em.url, tokenUrl: em.tokenUrl, pageSize: opts.pageSize ?? 50,
    rateLimiters: new RateLimiterRegistry(),
    rateLimits: { buckets: [{ name: 'burst', requests: perWindow, perSeconds: windowSeconds }] },
  });
  try {
    const { records, seconds } = await extractFor(connector, ['account', 'contact', 'task'], { durationMs, batchSize: 1000 });
    const stats = connector.http.stats;
    const requests = stats.requests - stats.rateLimited - stats.retries;
    const maxRequests = perWindow * (Math.floor(seconds / windowSeconds) + 1);
    return rateResult({ seconds, requests, throttled: stats.rateLimited, records, ceilingRps: perWindow / windowSeconds, efficiency: requests / maxRequests });
  } finally {
    await em.close();
  }
}

