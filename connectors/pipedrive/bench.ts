/**
 * `npm run bench -- --source pipedrive`: extract from the emulator with Pipedrive's 2-second burst window
 * (Essential plan, api_token: 20 requests) and daily token budget on, for a fixed time, and report
 * `rate_efficiency` = achieved successful requests per second / the burst ceiling. Two streams are read
 * at once (as the engine loads entities of one dependency level with `parallelism` 2), through one
 * shared per-credential limiter: one stream alone is latency-bound below the ceiling.
 */
import { RateLimiterRegistry } from '../sdk/index.ts';
import { extractFor, rateResult, type RateBenchResult } from '../sdk/rate-bench.ts';
import { startEmulator } from './emulator/index.ts';
import { BURST_MAX, BURST_WINDOW_MS } from './emulator/server.ts';
import { createConnector } from './index.ts';

export async function benchPipedrive(opts: { durationSeconds?: number; records?: number; seed?: number } = {}): Promise<RateBenchResult> {
  const durationMs = (opts.durationSeconds ?? 30) * 1000;
  // `records` counts every record of the sandbox (each organization brings 2 persons, a deal, an activity and a
  // note); the emulator holds them in memory, so 100,000 (16,667 organizations) is what the bench's heap allows.
  const em = await startEmulator({ records: Math.ceil(Math.min(opts.records ?? 100_000, 100_000) / 6), seed: opts.seed ?? 1, rateLimits: true });
  // The emulated company's budget: 30,000 tokens × one seat per user; one limiter for the credential.
  const rateLimiters = new RateLimiterRegistry();
  const connector = () => createConnector({ credentials: em.credentials, baseUrl: em.url, rateLimiters, dailyTokens: em.emulator.dailyBudget });
  try {
    // Each lane reads its streams again when done, so both stay busy until the time is up (the measure is the rate, not the data).
    const lane = (entities: string[]) => extractFor(connector(), [...entities, ...entities, ...entities], { durationMs, batchSize: 500 });
    const lanes = await Promise.all([lane(['persons', 'activities']), lane(['organizations', 'deals', 'notes'])]);
    const records = lanes.reduce((n, l) => n + l.records, 0);
    const seconds = Math.max(...lanes.map((l) => l.seconds));
    const requests = em.emulator.stats.requests - em.emulator.stats.rateLimited;
    const ceilingRps = BURST_MAX / (BURST_WINDOW_MS / 1000);
    return rateResult({ seconds, requests, throttled: em.emulator.stats.rateLimited, records, ceilingRps, efficiency: requests / seconds / ceilingRps });
  } finally {
    await em.close();
  }
}
