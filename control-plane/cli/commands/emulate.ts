/**
 * `nexus-migrate emulate <vendor> --port <p> --records <n> --seed <s> [--rate-limits] [--fault-429 p] ...`
 * Starts a vendor sandbox emulator and prints one JSON line:
 *   {"ready":true,"vendor":…,"url":…,"tokenUrl":…,"credentials":{…}}
 * then serves until SIGINT/SIGTERM.
 */
import { defineCommand, type Flags } from '../command.ts';
import { loadEmulator, registry } from '../../../connectors/registry.ts';
import type { FaultOptions } from '../../../connectors/sdk/index.ts';
import { readyLine } from '../../../connectors/sdk/emulator/ready.ts';

export class EmulateUsageError extends Error {
  override readonly name = 'EmulateUsageError';
}

function num(flags: Flags, name: string, fallback?: number): number | undefined {
  const v = flags[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (v === true || !Number.isFinite(n) || n < 0) throw new EmulateUsageError(`--${name} needs a non-negative number, got ${String(v)}`);
  return n;
}

export function faultsFromFlags(flags: Flags): FaultOptions {
  const faults: FaultOptions = {
    rate429: num(flags, 'fault-429'),
    burst429Length: num(flags, 'fault-429-burst'),
    rate5xx: num(flags, 'fault-5xx'),
    slowRate: num(flags, 'fault-slow'),
    slowMs: num(flags, 'fault-slow-ms'),
    tokenTtlSeconds: num(flags, 'token-ttl'),
    modifyDuringExtraction: num(flags, 'fault-modify'),
  };
  return Object.fromEntries(Object.entries(faults).filter(([, v]) => v !== undefined)) as FaultOptions;
}

const USAGE = 'emulate <vendor> [--port 0] [--records 100] [--seed 1] [--rate-limits] [--fault-429 p] [--fault-429-burst n] ' +
  '[--fault-5xx p] [--fault-slow p --fault-slow-ms ms] [--token-ttl s] [--fault-modify p]';

export const emulateCommand = defineCommand({
  name: 'emulate',
  summary: 'Run a vendor sandbox emulator (demos, training, CI)',
  positionals: [{ name: 'vendor', description: `the vendor: ${Object.entries(registry).filter(([, e]) => e.emulator).map(([k]) => k).join(', ')}` }],
  options: {
    port: { type: 'string', value: 'P', description: 'port (default 0: any free port)' },
    records: { type: 'string', value: 'N', description: 'records per entity (default 100)' },
    seed: { type: 'string', value: 'S', description: 'random seed (default 1)' },
    'rate-limits': { type: 'boolean', description: "enforce the vendor's real rate limits" },
    'fault-429': { type: 'string', value: 'p', description: 'share of requests answered 429' },
    'fault-429-burst': { type: 'string', value: 'n', description: 'length of each 429 burst' },
    'fault-5xx': { type: 'string', value: 'p', description: 'share of requests answered 5xx' },
    'fault-slow': { type: 'string', value: 'p', description: 'share of slow responses' },
    'fault-slow-ms': { type: 'string', value: 'ms', description: 'how slow' },
    'token-ttl': { type: 'string', value: 's', description: 'access token lifetime' },
    'fault-modify': { type: 'string', value: 'p', description: 'share of records modified during extraction' },
  },
  notes: 'Prints one JSON line {"ready":true,"vendor":…,"url":…,"tokenUrl":…,"credentials":{…}} and serves until SIGINT/SIGTERM.',
  async run({ flags, positional }) {
    const vendor = positional[0];
    if (!vendor) {
      const withEmulator = Object.entries(registry).filter(([, e]) => e.emulator).map(([k]) => k);
      process.stderr.write(`usage: nexus-migrate ${USAGE}\nvendors: ${withEmulator.join(', ')}\n`);
      return 2;
    }
    const start = await loadEmulator(vendor);
    const handle = await start({
      port: num(flags, 'port', 0),
      records: num(flags, 'records', 100)!,
      seed: num(flags, 'seed', 1)!,
      rateLimits: flags['rate-limits'] === true,
      faults: faultsFromFlags(flags),
    });
    // Listen for the stop signal before announcing readiness, so a client may stop us right away.
    const stopped = new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    // The credentials are the sandbox's own, printed on purpose so a client can connect.
    process.stdout.write(readyLine(vendor, handle));
    await stopped;
    await handle.close();
    return 0;
  },
});
