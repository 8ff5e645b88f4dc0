/** Pipedrive sandbox emulator: `startEmulator` per the contract in connectors/sdk/emulator-types.ts. */
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { EmulatorHandle, StartEmulatorOptions } from '../../sdk/index.ts';
import { Dataset } from './dataset.ts';
import { PipedriveEmulator } from './server.ts';

export { Dataset } from './dataset.ts';
export { PipedriveEmulator } from './server.ts';

export interface PipedriveEmulatorHandle extends EmulatorHandle {
  emulator: PipedriveEmulator;
  dataset: Dataset;
}

/** Pipedrive API tokens are 40 hex characters; derived from the seed so a sandbox keeps its token across restarts. */
export const emulatorApiToken = (seed: number): string => createHash('sha1').update(`pipedrive-sandbox-token:${seed}`).digest('hex');

/** `records` organizations; each has 2 persons, 1 deal, 1 activity and 1 note; one user per 10 organizations (at least 3). */
export async function startEmulator(opts: StartEmulatorOptions): Promise<PipedriveEmulatorHandle> {
  const dataset = new Dataset(opts.records, opts.seed);
  const apiToken = emulatorApiToken(opts.seed);
  const emulator = new PipedriveEmulator(dataset, { apiToken, faults: opts.faults ?? {}, rateLimits: opts.rateLimits ?? false });
  const server = emulator.createServer();
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url, tokenUrl: `${url}/oauth/token`, credentials: { apiToken }, emulator, dataset,
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((err) => (err ? reject(err) : resolve()));
    }),
  };
}
