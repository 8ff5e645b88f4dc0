/** HubSpot sandbox emulator: `startEmulator` per the contract in connectors/sdk/emulator-types.ts. */
import type { EmulatorHandle, StartEmulatorOptions } from '../../sdk/index.ts';
import { Dataset, objectType, type ObjectType } from './dataset.ts';
import { rngFor, seededUuid } from '../../sdk/emulator/prng.ts';
import { HubSpotEmulator } from './server.ts';

export { Dataset } from './dataset.ts';
export { HubSpotEmulator } from './server.ts';

export interface HubSpotEmulatorHandle extends EmulatorHandle {
  emulator: HubSpotEmulator;
  dataset: Dataset;
}

const hex = (seed: number, label: string, len: number): string => rngFor(seed, label, 0).hex(len);

/** Credentials are derived from the seed, so they are stable across restarts of the same sandbox. */
export function emulatorCredentials(seed: number): { accessToken: string; clientId: string; clientSecret: string; refreshToken: string } {
  const uuid = (label: string): string => seededUuid(seed, label);
  return { accessToken: `pat-na1-${uuid('pat')}`, clientId: uuid('client'), clientSecret: uuid('secret'), refreshToken: `na1-${hex(seed, 'refresh', 4)}-${uuid('refresh')}` };
}

export async function startEmulator(opts: StartEmulatorOptions): Promise<HubSpotEmulatorHandle> {
  const dataset = new Dataset(opts.records, opts.seed);
  const credentials = emulatorCredentials(opts.seed);
  const emulator = new HubSpotEmulator({ dataset, faults: opts.faults ?? {}, rateLimits: opts.rateLimits ?? false, credentials });
  const server = await emulator.listen(opts.port ?? 0);
  const url = server.url;
  emulator.baseUrl = url;
  return {
    url,
    tokenUrl: `${url}/oauth/v1/token`,
    credentials: { ...credentials },
    emulator,
    dataset,
    control: {
      modify(entity, index, fields = {}, at) {
        const t = mustType(entity);
        const ms = at === undefined ? Date.now() : typeof at === 'string' ? Date.parse(at) : at;
        dataset.edit(t, index, Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v === null ? null : String(v)])), ms);
        return dataset.idOf(t, index);
      },
      remove(entity, index) {
        const t = mustType(entity);
        dataset.archive(t, index, Date.now());
        return dataset.idOf(t, index);
      },
      idOf: (entity, index) => dataset.idOf(mustType(entity), index),
      count: (entity) => dataset.count(mustType(entity)),
      expireAccessTokens: () => emulator.expireAccessTokens(),
      counters: () => ({ ...emulator.stats, refused: emulator.stats.rateLimited }),
      users: () => Array.from({ length: dataset.ownerCount() }, (_, i) => ({ email: dataset.owner(i).email, name: dataset.owner(i).firstName })),
    },
    close: () => server.close(),
  };
}

function mustType(entity: string): ObjectType {
  const t = objectType(entity);
  if (!t) throw new RangeError(`the emulator has no object named ${entity}`);
  return t;
}
