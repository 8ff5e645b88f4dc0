/** Pipedrive sandbox emulator: `startEmulator` per the contract in connectors/sdk/emulator-types.ts. */
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { EmulatorHandle, SandboxControl, StartEmulatorOptions } from '../../sdk/emulator-types.ts';
import { Dataset, ENTITY_TYPES, type EntityType } from './dataset.ts';
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
  const typeOf = (entity: string): EntityType => {
    if (!(ENTITY_TYPES as readonly string[]).includes(entity)) throw new Error(`the Pipedrive sandbox has no entity "${entity}" (${ENTITY_TYPES.join(', ')})`);
    return entity as EntityType;
  };
  // Index = position in id order (what the conformance suite and demos address records by).
  const idAt = (type: EntityType, index: number): number => {
    const rec = dataset.list(type)[index];
    if (!rec) throw new RangeError(`no ${type} at index ${index}`);
    return rec.id;
  };
  const control: SandboxControl = {
    modify(entity, index, fields = {}, at) {
      const type = typeOf(entity);
      const id = idAt(type, index);
      dataset.edit(type, id, fields, at === undefined ? Date.now() : typeof at === 'number' ? at : Date.parse(at));
      return String(id);
    },
    remove(entity, index) {
      const type = typeOf(entity);
      const id = idAt(type, index);
      dataset.remove(type, id, Date.now());
      return String(id);
    },
    idOf: (entity, index) => String(idAt(typeOf(entity), index)),
    count: (entity) => dataset.records[typeOf(entity)].size,
    counters: () => ({ requests: emulator.stats.requests, refused: emulator.stats.rateLimited, faults: emulator.stats.faults }),
    users: () => dataset.users.map((u) => ({ email: String(u['email']), name: String(u['name']) })),
  };
  return {
    url, tokenUrl: `${url}/oauth/token`, credentials: { apiToken }, control, emulator, dataset,
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((err) => (err ? reject(err) : resolve()));
    }),
  };
}
