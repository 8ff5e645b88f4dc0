/**
 * `npm run bench -- --source zoho`: extract from the emulator with Zoho's documented budget on — the
 * Free edition's 5,000 API credits per rolling 24 h (one per call) and its 5 concurrent calls — and
 * report `rate_efficiency` = served calls per second / (credits / window). The bench declares a scaled
 * clock: the 24-hour window is `windowSeconds` (default 200 s, the day / 432) on both sides, and the
 * org starts in steady state (the window full of the last window's calls, spread evenly), so the budget
 * binds from the first call instead of after a day's worth of them.
 */
import { RateLimiterRegistry } from '../sdk/index.ts';
import { extractFor, rateResult, type RateBenchResult } from '../sdk/rate-bench.ts';
import { CONCURRENCY, creditsFor, startEmulator } from './emulator/index.ts';
import { createConnector } from './index.ts';

export async function benchZoho(opts: { durationSeconds?: number; records?: number; seed?: number; windowSeconds?: number } = {}): Promise<RateBenchResult & { windowSeconds: number; credits: number }> {
  const windowSeconds = opts.windowSeconds ?? 200;
  const durationMs = (opts.durationSeconds ?? 30) * 1000;
  const em = await startEmulator({ records: opts.records ?? 100_000, seed: opts.seed ?? 1, rateLimits: true, edition: 'free', windowMs: windowSeconds * 1000, steadyState: true });
  const credits = creditsFor('free', em.dataset.userCount);
  const connector = createConnector({
    credentials: em.credentials, baseUrl: em.url, tokenUrl: em.tokenUrl, rateLimiters: new RateLimiterRegistry(),
    budget: { credits, windowSeconds, concurrency: CONCURRENCY.free },
  });
  try {
    const { records, seconds } = await extractFor(connector, ['Accounts', 'Contacts', 'Deals', 'Tasks', 'Leads', 'users'], { durationMs, batchSize: 1000 });
    const requests = em.emulator.stats.served;
    const ceilingRps = credits / windowSeconds;
    return { ...rateResult({ seconds, requests, throttled: em.emulator.stats.rateLimited, records, ceilingRps, efficiency: requests / seconds / ceilingRps }), windowSeconds, credits };
  } finally {
    await em.close();
  }
}
