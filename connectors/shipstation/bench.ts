/**
 * `npm run bench -- --source shipstation`: extract from the emulator with ShipStation's budget on —
 * 40 requests per key pair per window — and report `rate_efficiency` = served requests per second /
 * 40 per window. The bench declares a scaled clock: the window is `windowSeconds` (default 3 s, the
 * documented minute / 20) on both sides, so a 30-second run spans ten windows instead of half of one.
 */
import { RateLimiterRegistry } from '../sdk/index.ts';
import { extractFor, rateResult, type RateBenchResult } from '../sdk/rate-bench.ts';
import { startEmulator, REQUESTS_PER_WINDOW } from './emulator/index.ts';
import { createConnector } from './index.ts';

export async function benchShipStation(opts: { durationSeconds?: number; records?: number; seed?: number; windowSeconds?: number } = {}): Promise<RateBenchResult & { windowSeconds: number }> {
  const windowSeconds = opts.windowSeconds ?? 3;
  const durationMs = (opts.durationSeconds ?? 30) * 1000;
  const em = await startEmulator({ records: opts.records ?? 200_000, seed: opts.seed ?? 1, rateLimits: true, windowMs: windowSeconds * 1000 });
  const connector = createConnector({ credentials: em.credentials, baseUrl: em.url, rateLimiters: new RateLimiterRegistry(), windowSeconds });
  try {
    const { records, seconds } = await extractFor(connector, ['orders', 'shipments', 'customers', 'stores'], { durationMs, batchSize: 500 });
    const requests = em.emulator.stats.served;
    const ceilingRps = REQUESTS_PER_WINDOW / windowSeconds;
    return { ...rateResult({ seconds, requests, throttled: em.emulator.stats.rateLimited, records, ceilingRps, efficiency: requests / seconds / ceilingRps }), windowSeconds };
  } finally {
    await em.close();
  }
}
