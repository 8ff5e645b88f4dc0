/**
 * Bench support for Salesforce: extract from the emulator with rate limits on (its short-window
 * request ceiling and daily allowance) for a fixed time, and report how close the connector runs to the
 * ceiling: `rate_efficiency=<successful API requests / the most the ceiling allows in that time>` (a
 * full bucket at the start plus requestsPerSecond × seconds). The workload is REST query
 * paging at the smallest page size, the request-bound path (Bulk API 2.0 needs few requests by design).
 */
import { startEmulator } from './emulator/index.ts';
import { createConnector } from './index.ts';

export interface SalesforceBenchOptions {
  /** Wall-clock seconds to extract for (default 20). */
  durationSeconds?: number;
  /** Accounts in the emulated org (default 50,000: more than the run can read). */
  records?: number;
  seed?: number;
  /** The emulator's ceiling in requests per second (default: the emulator's default). */
  requestsPerSecond?: number;
}

export interface SalesforceBenchResult {
  seconds: number;
  /** Requests the emulator served (refusals excluded). */
  requests: number;
  refused: number;
  records: number;
  achievedRps: number;
  ceilingRps: number;
  rateEfficiency: number;
  /** One line for the bench report: "rate_efficiency=0.973". */
  line: string;
}

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
  const controller = new AbortController();
  let records = 0;
  // Token and describe calls happen before the clock starts: the measure is steady-state paging.
  await connector.describe('Task');
  const before = em.control.stats();
  const started = Date.now();
  const timer = setTimeout(() => controller.abort(), durationMs);
  try {
    for (const entity of ['Task', 'Contact', 'Account', 'Opportunity']) {
      if (controller.signal.aborted) break;
      for await (const batch of connector.read(entity, { batchSize: 200, signal: controller.signal })) records += batch.records.length;
    }
  } catch (err) {
    if (!controller.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
    await connector.close();
    await em.close();
  }
  const seconds = (Date.now() - started) / 1000;
  const after = em.control.stats();
  const requests = after.apiRequests - before.apiRequests;
  const achievedRps = requests / seconds;
  // The most the emulator would serve in this time: a full bucket at the start plus the steady rate.
  const possible = ceilingRps + ceilingRps * seconds;
  const rateEfficiency = Math.round(Math.min(1, requests / possible) * 1000) / 1000;
  return {
    seconds, requests, refused: after.refused - before.refused, records, achievedRps, ceilingRps, rateEfficiency,
    line: `rate_efficiency=${rateEfficiency.toFixed(3)}`,
  };
}
