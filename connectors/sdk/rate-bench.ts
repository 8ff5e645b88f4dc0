/**
 * Shared by the vendors' rate benchmarks (`npm run bench -- --source <vendor>`): read entities for a
 * fixed time, stop cleanly when it runs out, and report the result in one shape.
 */
import type { SourceConnector } from '../../shared/connector.ts';

export interface RateBenchResult {
  seconds: number;
  /** Requests the emulator served with data (refusals and retries excluded). */
  requests: number;
  /** Responses refused for rate (429 or the vendor's equivalent). */
  throttled: number;
  records: number;
  achievedRps: number;
  ceilingRps: number;
  /** achieved / what the vendor's documented budget allows in the elapsed time (≤ 1). */
  rateEfficiency: number;
  /** One line for the bench report: "rate_efficiency=0.973". */
  line: string;
}

/** Read `entities` in order until `durationMs` runs out; then close the connector. */
export async function extractFor(
  connector: SourceConnector, entities: string[], o: { durationMs: number; batchSize: number },
): Promise<{ records: number; seconds: number }> {
  const controller = new AbortController();
  let records = 0;
  const started = Date.now();
  const timer = setTimeout(() => controller.abort(), o.durationMs);
  try {
    for (const entity of entities) {
      if (controller.signal.aborted) break;
      for await (const batch of connector.read(entity, { batchSize: o.batchSize, signal: controller.signal })) records += batch.records.length;
    }
  } catch (err) {
    if (!controller.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
    await connector.close();
  }
  return { records, seconds: (Date.now() - started) / 1000 };
}

export function rateResult(r: Omit<RateBenchResult, 'rateEfficiency' | 'line' | 'achievedRps'> & { efficiency: number }): RateBenchResult {
  const rateEfficiency = Math.round(Math.min(1, r.efficiency) * 1000) / 1000;
  const { efficiency: _e, ...rest } = r;
  void _e;
  return { ...rest, achievedRps: r.requests / r.seconds, rateEfficiency, line: `rate_efficiency=${rateEfficiency.toFixed(3)}` };
}
