/**
 * `nexus-migrate emulate <vendor> --port <p> --records <n> --seed <s> [--rate-limits] [--fault-429 p] ...`
 * Starts a vendor sandbox emulator and prints one JSON line:
 *   {"ready":true,"vendor":…,"url":…,"tokenUrl":…,"credentials":{…}}
 * then serves until SIGINT/SIGTERM.
 */
import { parseFlags, type Command } from '../command.ts';
import { loadEmulator, registry } from '../../../connectors/registry.ts';
import type { FaultOptions } from '../../../connectors/sdk/index.ts';
import { readyLine } from '../../../connectors/sdk/emulator/ready.ts';

export class EmulateUsageError extends Error {
  override readonly name = 'EmulateUsageError';
}

function num(flags: Record<string, string | true>, name: string, fallback?: number): number | undefined {
  const v = flags[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (v === true || !Number.isFinite(n) || n < 0) throw new EmulateUsageError(`--${name} needs a non-negative number, got ${String(v)}`);
  return n;
}

export function faultsFromFlags(flags: Record<string, string | true>): FaultOptions {
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

export const emulateCommand: Command = {
  name: 'emulate',
  summary: 'Run a vendor sandbox emulator (demos, training, CI)',
  usage:
    'emulate <vendor> [--port 0] [--records 100] [--seed 1] [--rate-limits] [--fault-429 p] [--fault-429-burst n] ' +
    '[--fault-5xx p] [--fault-slow p --fault-slow-ms ms] [--token-ttl s] [--fault-modify p]',
  async run(args) {
    const { flags, positional } = parseFlags(args);
    const vendor = positional[0];
    if (!vendor) {
      const withEmulator = Object.entries(registry).filter(([, e]) => e.emulator).map(([k]) => k);
      process.stderr.write(`usage: nexus-migrate ${this.usage}\nvendors: ${withEmulator.join(', ')}\n`);
      return 2;
    }
    const start = await loadEmulator(vendor);
    const handle = await start({
      port: num(flags, 'port', 0),
      records: num(flags, 'records', 100)!,
      seed: num(flags, 'seed', 1)!,
      rateLimits: flags['rate-limits'] === true || flags['rate-limits'] === 'true',
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
};
