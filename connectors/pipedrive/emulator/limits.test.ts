/** The emulator's budgets: the 2-second burst window answers 429 with Retry-After, the connector rides it out. */
import { afterEach, describe, expect, it } from 'vitest';
import { RateLimiterRegistry } from '../../sdk/index.ts';
import { createConnector } from '../index.ts';
import { BURST_MAX, COST } from './server.ts';
import { startEmulator, type PipedriveEmulatorHandle } from './index.ts';

let em: PipedriveEmulatorHandle | undefined;
afterEach(async () => {
  await em?.close();
  em = undefined;
});

describe('Pipedrive emulator limits', () => {
  it('given more than the burst in one window, then the extra request is a 429 with Retry-After and x-ratelimit-remaining 0', async () => {
    em = await startEmulator({ records: 2, seed: 1, rateLimits: true });
    const get = () => fetch(`${em!.url}/api/v2/deals?limit=1`, { headers: { 'x-api-token': em!.credentials['apiToken']! } });
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i <= BURST_MAX; i++) {
      last = await get();
      statuses.push(last.status);
    }
    expect(statuses.slice(0, BURST_MAX).every((s) => s === 200)).toBe(true);
    expect(statuses[BURST_MAX]).toBe(429);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last!.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(await last!.json()).toMatchObject({ success: false, errorCode: 429 });
    expect(em.emulator.stats.tokensSpent).toBe(BURST_MAX * COST.v2List);
  });

  it('given limits on and 120 organizations, then the connector reads every one without exhausting its retries', async () => {
    em = await startEmulator({ records: 120, seed: 2, rateLimits: true });
    const c = createConnector({ credentials: em.credentials, baseUrl: em.url, rateLimiters: new RateLimiterRegistry() });
    let n = 0;
    for (const entity of ['organizations', 'persons', 'deals']) for await (const b of c.read(entity, { batchSize: 100 })) n += b.records.length;
    await c.close();
    expect(n).toBe(120 + 240 + 120);
  });
});
