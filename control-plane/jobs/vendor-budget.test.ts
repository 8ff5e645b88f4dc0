/**
 * The shared vendor budget on real PostgreSQL: limiters of two "processes" (two registries) on the
 * same credential take from one budget, so together they never exceed what one would be allowed;
 * a Retry-After seen by one pauses the other; a different credential has its own budget.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiterRegistry } from '../../connectors/sdk/index.ts';
import { createTestSchema, type TestSchema } from '../../test/support/pg.ts';
import { migrate } from '../db/migrate.ts';
import { pgBudgetStore } from './vendor-budget.ts';

let s: TestSchema;
beforeAll(async () => {
  s = await createTestSchema('budget');
  await migrate(s.pool, 'control', s.schema);
});
afterAll(async () => s?.drop());

const def = { buckets: [{ name: 'burst', requests: 10, perSeconds: 2 }], concurrency: 50, headers: {} };

function twoProcesses(shared: boolean): [RateLimiterRegistry, RateLimiterRegistry] {
  const a = new RateLimiterRegistry();
  const b = new RateLimiterRegistry();
  if (shared) for (const r of [a, b]) r.useSharedBudget(pgBudgetStore(s.pool, s.schema));
  return [a, b];
}

/** How many requests both get through in `ms`, each trying as fast as it can. */
async function grantedWithin(regs: RateLimiterRegistry[], credential: string[], ms: number): Promise<number> {
  const stopAt = Date.now() + ms;
  let granted = 0;
  await Promise.all(regs.map(async (r, i) => {
    const l = r.forCredential('vendor', credential[i]!, def as never);
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), Math.max(0, stopAt - Date.now()));
    try {
      while (Date.now() < stopAt) {
        const release = await l.acquire(ctl.signal);
        if (Date.now() <= stopAt) granted++;
        release();
      }
    } catch {
      /* aborted at the deadline */
    } finally {
      clearTimeout(timer);
    }
  }));
  return granted;
}

describe('shared vendor budget', () => {
  it.each([
    { name: 'given two processes on one credential with a shared budget, then together they stay within one budget', shared: true, creds: ['tok-1', 'tok-1'], max: 10 + 5 + 2, min: 10 },
    { name: 'given two processes with their own budgets, then together they spend twice the budget (what sharing prevents)', shared: false, creds: ['tok-2', 'tok-2'], max: 40, min: 21 },
    { name: 'given two different credentials on a shared store, then each has its own budget', shared: true, creds: ['tok-3', 'tok-4'], max: 34, min: 21 },
  ])('$name', async ({ shared, creds, max, min }) => {
    // 1 s: the burst of 10 plus 5 refilled per process budget.
    const n = await grantedWithin(twoProcesses(shared), creds, 1000);
    expect(n).toBeGreaterThanOrEqual(min);
    expect(n).toBeLessThanOrEqual(max);
  });

  it('given a Retry-After seen by one process, then the other process waits too', async () => {
    const [a, b] = twoProcesses(true);
    const la = a.forCredential('vendor', 'tok-5', def as never);
    const lb = b.forCredential('vendor', 'tok-5', def as never);
    (await la.acquire())();
    la.pauseFor(800);
    await new Promise((r) => setTimeout(r, 50)); // the pause reaches the database
    const t0 = Date.now();
    (await lb.acquire())();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(600);
  });
});
