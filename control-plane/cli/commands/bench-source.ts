/** `bench --source <vendor>`: extraction against the vendor's emulator with its real rate limits on. */
import type { RateBenchResult } from '../../../connectors/sdk/rate-bench.ts';

type Flags = Record<string, string | true>;

const benches: Record<string, (records: number, seconds: number | undefined) => Promise<RateBenchResult>> = {
  hubspot: async (records, seconds) => (await import('../../../connectors/hubspot/bench.ts')).benchHubSpot({ records, ...(seconds ? { durationSeconds: seconds } : {}) }),
  salesforce: async (records, seconds) => (await import('../../../connectors/salesforce/bench.ts')).benchSalesforce({ records, ...(seconds ? { durationSeconds: seconds } : {}) }),
  dynamics: async (records, seconds) => (await import('../../../connectors/dynamics/bench.ts')).benchDynamics({ records, ...(seconds ? { windows: Math.max(1, Math.round(seconds / 10)) } : {}) }),
};

export async function benchSourceCli(vendor: string, records: number, flags: Flags): Promise<number> {
  const bench = benches[vendor];
  if (!bench) throw new Error(`no rate benchmark for ${vendor}; known: ${Object.keys(benches).join(', ')}`);
  process.stderr.write(`bench: extracting from the ${vendor} emulator with its real rate limits on…\n`);
  const r = await bench(records, typeof flags.seconds === 'string' ? Number(flags.seconds) : undefined);
  const throttled = r.throttled;
  process.stdout.write(`${vendor}: ${r.records} records in ${r.seconds.toFixed(1)} s; ${r.achievedRps.toFixed(2)} req/s against a ceiling of ${r.ceilingRps.toFixed(2)} req/s; ${throttled} throttled responses\n`);
  process.stdout.write(`RESULT source=${vendor} records=${r.records} seconds=${r.seconds.toFixed(2)} throttled=${throttled} ${r.line}\n`);
  return 0;
}
