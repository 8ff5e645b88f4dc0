/** ShipStation V1 sandbox emulator: `startEmulator` per connectors/sdk/emulator-types.ts, with the kit's sandbox controls. */
import { createHash } from 'node:crypto';
import type { EmulatorHandle, SandboxControl, StartEmulatorOptions } from '../../sdk/emulator-types.ts';
import { Dataset, ENTITIES, type Entity } from './dataset.ts';
import { ShipStationEmulator } from './server.ts';

export { Dataset } from './dataset.ts';
export { ShipStationEmulator, REQUESTS_PER_WINDOW } from './server.ts';

export interface ShipStationEmulatorHandle extends EmulatorHandle {
  emulator: ShipStationEmulator;
  dataset: Dataset;
}

const hex = (label: string, seed: number): string => createHash('sha1').update(`shipstation-sandbox:${label}:${seed}`).digest('hex').slice(0, 32);

function entityOf(name: string): Entity {
  if (!(ENTITIES as readonly string[]).includes(name)) throw new Error(`the ShipStation sandbox has no entity "${name}" (${ENTITIES.join(', ')})`);
  return name as Entity;
}

/** `records` orders (about 0.6 customers per order, a store per 200 orders, at least 2); shipped orders have one or two shipments. */
export async function startEmulator(opts: StartEmulatorOptions & { windowMs?: number }): Promise<ShipStationEmulatorHandle> {
  const dataset = new Dataset(opts.records, opts.seed);
  const credentials = { apiKey: hex('key', opts.seed), apiSecret: hex('secret', opts.seed) };
  const emulator = new ShipStationEmulator(dataset, { ...credentials, faults: opts.faults ?? {}, rateLimits: opts.rateLimits ?? false, windowMs: opts.windowMs ?? 60_000 });
  const server = await emulator.listen(opts.port);
  const control: SandboxControl = {
    modify: (entity, index, fields = {}, at) => String(dataset.modify(entityOf(entity), index, fields, at === undefined ? Date.now() : typeof at === 'number' ? at : Date.parse(at))),
    remove: (entity) => {
      throw new Error(`ShipStation V1 lists never return deleted ${entity}: a delete cannot be observed (void a shipment with modify instead)`);
    },
    idOf: (entity, index) => String(dataset.idOf(entityOf(entity), index)),
    count: (entity) => dataset.tables[entityOf(entity)].size,
    counters: () => ({ requests: emulator.stats.requests, refused: emulator.stats.rateLimited, faults: emulator.stats.faults }),
  };
  return { url: server.url, tokenUrl: `${server.url}/no-oauth`, credentials, control, emulator, dataset, close: () => server.close() };
}
