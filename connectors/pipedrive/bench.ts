/**
 * `npm run bench -- --source pipedrive`: extract from the emulator with Pipedrive's 2-second burst window
 * (Essential plan, api_token: 20 requests) and daily token budget on, for a fixed time, and report
 * `rate_efficiency` = achieved successful requests per second / the burst ceiling.
 */
import { RateLimiterRegistry } from '../sdk/index.ts';
import { extractFor, rateResult, type RateBenchResult } from '../sdk/rate-bench.ts';
import { startEmulator } from './emulator/index.ts';
import { BURST_MAX, BURST_WINDOW_MS } from './emulator/server.ts';
import { createConnector } from './index.ts';

export async function benchPipedrive(opts: { durationSeconds?: number; records?: number; seed?: number } = {}): Promise<RateBenchResult> {
  const durationMs = (opts.durationSeconds ?? 30) * 1000;
  const em = await startEmulator({ records: opts.records ?? 50_000, seed: opts.seed ?? 1, rateLimits: true });
  // The emulated company's budget: 30,000 tokens × one seat per user.
  const connector = createConnector({ credentials: em.credentials, baseUrl: em.url, rateLimiters: new RateLimiterRegistry(), dailyTokens: em.emulator.dailyBudget });
  try {
    const { records, seconds } = await extractFor(connector, ['organizations', 'persons', 'deals', 'activities', 'notes'], { durationMs, batchSize: 500 });
    const requests = em.emulator.stats.requests - em.emulator.stats.rateLimited;
    const ceilingRps = BURST_MAX / (BURST_WINDOW_MS / 1000);
    return rateResult({ seconds, requests, throttled: em.emulator.stats.rateLimited, records, ceilingRps, efficiency: requests / seconds / ceilingRps });
  } finally {
    await em.close();
  }
}
