/**
 * Bench support for `npm run bench -- --source hubspot`: extract from the emulator with HubSpot's real
 * burst and daily limits on, for a fixed time, and report how close the connector runs to the ceiling:
 * `rate_efficiency=<achieved successful requests per second / burst ceiling>`.
 */
import { RateLimiterRegistry } from '../sdk/index.ts';
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

export interface HubSpotBenchResult {
  seconds: number;
  /** Requests the emulator answered (excluding 429s). */
  requests: number;
  rateLimited: number;
  records: number;
  achievedRps: number;
  ceilingRps: number;
  rateEfficiency: number;
  /** One line for the bench report: "rate_efficiency=0.973". */
  line: string;
}

export async function benchHubSpot(opts: HubSpotBenchOptions = {}): Promise<HubSpotBenchResult> {
  const durationMs = (opts.durationSeconds ?? 30) * 1000;
  const em = await startEmulator({ records: opts.records ?? 50_000, seed: opts.seed ?? 1, rateLimits: true });
  const connector = createConnector({ credentials: em.credentials, baseUrl: em.url, tokenUrl: em.tokenUrl, rateLimiters: new RateLimiterRegistry() });
  const controller = new AbortController();
  let records = 0;
  const started = Date.now();
  const timer = setTimeout(() => controller.abort(), durationMs);
  try {
    for (const entity of ['companies', 'contacts', 'deals', 'calls', 'meetings', 'tasks', 'notes']) {
      if (controller.signal.aborted) break;
      for await (const batch of connector.read(entity, { batchSize: 500, signal: controller.signal })) records += batch.records.length;
    }
  } catch (err) {
    if (!controller.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
    await connector.close();
    await em.close();
  }
  const seconds = (Date.now() - started) / 1000;
  const requests = em.emulator.stats.requests - em.emulator.stats.rateLimited;
  const ceilingRps = BURST_MAX / (BURST_INTERVAL_MS / 1000);
  const achievedRps = requests / seconds;
  const rateEfficiency = Math.round((achievedRps / ceilingRps) * 1000) / 1000;
  return {
    seconds, requests, rateLimited: em.emulator.stats.rateLimited, records, achievedRps, ceilingRps, rateEfficiency,
    line: `rate_efficiency=${rateEfficiency.toFixed(3)}`,
  };
}
