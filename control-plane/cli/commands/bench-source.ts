/** `bench --source <vendor>`: extraction against the vendor's emulator with its real rate limits on. */
import { registry } from '../../../connectors/registry.ts';

import type { Flags } from '../command.ts';

export async function benchSourceCli(vendor: string, records: number, flags: Flags): Promise<number> {
  const load = registry[vendor]?.bench;
  if (!load) throw new Error(`no rate benchmark for ${vendor}; known: ${Object.keys(registry).filter((v) => registry[v]?.bench).join(', ')}`);
  const bench = await load();
  process.stderr.write(`bench: extracting from the ${vendor} emulator with its real rate limits on…\n`);
  const r = await bench(records, typeof flags.seconds === 'string' ? Number(flags.seconds) : undefined);
  const throttled = r.throttled;
  process.stdout.write(`${vendor}: ${r.records} records in ${r.seconds.toFixed(1)} s; ${r.achievedRps.toFixed(2)} req/s against a ceiling of ${r.ceilingRps.toFixed(2)} req/s; ${throttled} throttled responses\n`);
  process.stdout.write(`RESULT source=${vendor} records=${r.records} seconds=${r.seconds.toFixed(2)} throttled=${throttled} ${r.line}\n`);
  return 0;
}
