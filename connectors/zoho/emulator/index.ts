/** Zoho CRM sandbox emulator: `startEmulator` per connectors/sdk/emulator-types.ts, with the kit's sandbox controls. */
import type { EmulatorHandle, SandboxControl, StartEmulatorOptions } from '../../sdk/emulator-types.ts';
import { rngFor } from '../../sdk/emulator/index.ts';
import { Dataset, idFor, MODULES, type Module } from './dataset.ts';
import type { Edition } from './limits.ts';
import { ZohoEmulator } from './server.ts';

export { Dataset } from './dataset.ts';
export { ZohoEmulator } from './server.ts';
export { creditsFor, CONCURRENCY, type Edition } from './limits.ts';

export interface ZohoEmulatorHandle extends EmulatorHandle {
  emulator: ZohoEmulator;
  dataset: Dataset;
}

export interface ZohoEmulatorOptions extends StartEmulatorOptions {
  /** The org's edition (default enterprise): its credits and concurrency. */
  edition?: Edition;
  /** The credits window in ms (default 24 h; the bench declares a scaled one). */
  windowMs?: number;
  /** Start with the window full of the last window's calls, spread evenly (the bench's steady state). */
  steadyState?: boolean;
}

/** Zoho client ids and secrets look like `1000.XXXX…` and 42 hex characters; derived from the seed. */
export function emulatorCredentials(seed: number): { clientId: string; clientSecret: string; refreshToken: string } {
  const hex = (label: string, n: number): string => rngFor(seed, `zoho:${label}`, 0).hex(n);
  return { clientId: `1000.${hex('client', 30).toUpperCase()}`, clientSecret: hex('secret', 42), refreshToken: `1000.${hex('rt1', 32)}.${hex('rt2', 32)}` };
}

function moduleOf(name: string): Module {
  const m = MODULES.find((x) => x === name);
  if (!m) throw new Error(`the Zoho sandbox has no module "${name}" (${MODULES.join(', ')})`);
  return m;
}

/** `records` Accounts, each with 2 Contacts, a Deal and a Task; half as many Leads; a user per 20 accounts (at least 3). */
export async function startEmulator(opts: ZohoEmulatorOptions): Promise<ZohoEmulatorHandle> {
  const dataset = new Dataset(opts.records, opts.seed);
  const credentials = emulatorCredentials(opts.seed);
  const emulator = new ZohoEmulator(dataset, {
    credentials, faults: opts.faults ?? {}, rateLimits: opts.rateLimits ?? false, edition: opts.edition ?? 'enterprise', windowMs: opts.windowMs, steadyState: opts.steadyState,
  });
  const server = await emulator.listen(opts.port);
  emulator.baseUrl = server.url;
  const control: SandboxControl = {
    modify(entity, index, fields = {}, at) {
      const m = moduleOf(entity);
      dataset.tables[m].edit(index, fields, at === undefined ? Date.now() : typeof at === 'number' ? at : Date.parse(at));
      return idFor(m, index);
    },
    remove(entity, index) {
      const m = moduleOf(entity);
      dataset.tables[m].remove(index, Date.now());
      return idFor(m, index);
    },
    idOf: (entity, index) => idFor(moduleOf(entity), index),
    count: (entity) => {
      const t = dataset.tables[moduleOf(entity)];
      return t.count - t.removedEntries().length;
    },
    expireAccessTokens: () => emulator.expireAccessTokens(),
    counters: () => ({ requests: emulator.stats.requests, refused: emulator.stats.rateLimited, faults: emulator.stats.faults }),
    users: () => Array.from({ length: dataset.userCount }, (_, u) => ({ email: dataset.user(u).email, name: dataset.user(u).full_name })),
  };
  return { url: server.url, tokenUrl: `${server.url}/oauth/v2/token`, credentials: { ...credentials }, control, emulator, dataset, close: () => server.close() };
}
