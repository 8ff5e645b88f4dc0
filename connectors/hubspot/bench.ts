/**
 * Bench support for `npm run bench -- --source hubspot`: extract from the emulator with HubSpot's real
 * burst and daily limits on, for a fixed time, and report how close the connector runs to the ceiling:
 * `rate_efficiency=<achieved successful requests per second / burst ceiling>`.
 */
import { RateLimiterRegistry } from '../sdk/index.ts';
import { extractFor, rateResult, type RateBenchResult } from '../sdk/rate-bench.ts';
import { startEmulator } from './emulator/index.ts';
import { BURST_INTERVAL_MS, BURST_MAX } from './emulator/limits.ts';
import { createConnector } from './index.ts';

export interface HubSpotBenchOptions {
  /** Wall-clock seconds to extract for; a multiple of 10 matches HubSpot's burst window (default 30). */
  durationSeconds?: number;
  /** Companies in the emulated portal (default 50,000: more than the run can read). */
  records?: number;
  seed?: number;
}

export type HubSpotBenchResult = RateBenchResult;

export async function benchHubSpot(opts: HubSpotBenchOptions = {}): Promise<HubSpotBenchResult> {
  const durationMs = (opts.durationSeconds ?? 30) * 1000;
  const em = await startEmulator({ records: opts.records ?? 50_000, seed: opts.seed ?? 1, rateLimits: true });
  const connector = createConnector({ credentials: em.credentials, baseUrl: em.url, tokenUrl: em.tokenUrl, rateLimiters: new RateLimiterRegistry() });
  try {
    const { records, seconds } = await extractFor(connector, ['companies', 'contacts', 'deals', 'calls', 'meetings', 'tasks', 'notes'], { durationMs, batchSize: 500 });
    const requests = em.emulator.stats.requests - em.emulator.stats.rateLimited;
    const ceilingRps = BURST_MAX / (BURST_INTERVAL_MS / 1000);
    return rateResult({ seconds, requests, throttled: em.emulator.stats.rateLimited, records, ceilingRps, efficiency: requests / seconds / ceilingRps });
  } finally {
    await em.close();
  }
}
