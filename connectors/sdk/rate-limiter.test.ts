import { describe, expect, it } from 'vitest';
import { RateLimitSchema } from './definition.ts';
import { CredentialRateLimiter, RateLimiterRegistry, retryAfterMs, TokenBucket } from './rate-limiter.ts';
import { backoffMs, classify } from './error-handler.ts';
import { manualClock } from './testing.ts';

describe('rate limiting', () => {
  it('given a 10-per-second bucket, then the 11th take waits 100 ms', () => {
    const clock = manualClock();
    const b = new TokenBucket(10, 10 / 1000, clock);
    for (let i = 0; i < 10; i++) expect(b.tryTake()).toBe(0);
    expect(b.tryTake()).toBe(100);
    clock.advance(100);
    expect(b.tryTake()).toBe(0);
  });

  it('given burst 100/10 s, then 250 acquisitions take 15 s of (virtual) time', async () => {
    const clock = manualClock();
    const l = new CredentialRateLimiter(RateLimitSchema.parse({ buckets: [{ name: 'burst', requests: 100, perSeconds: 10 }], concurrency: 100 }), clock);
    for (let i = 0; i < 250; i++) (await l.acquire())();
    expect(clock.now()).toBe(15_000);
    expect(l.ceilingPerSecond()).toBe(10);
  });

  it('given concurrency 2 and five callers, then never more than two hold a slot', async () => {
    const l = new CredentialRateLimiter(RateLimitSchema.parse({ concurrency: 2 }), manualClock());
    let holding = 0;
    let peak = 0;
    await Promise.all(Array.from({ length: 5 }, async () => {
      const release = await l.acquire();
      holding++;
      peak = Math.max(peak, holding);
      await new Promise((r) => setImmediate(r));
      holding--;
      release();
    }));
    expect(peak).toBe(2);
  });

  it('given an empty daily bucket, then the burst bucket is not spent while waiting', async () => {
    const clock = manualClock();
    const l = new CredentialRateLimiter(RateLimitSchema.parse({ buckets: [{ name: 'burst', requests: 10, perSeconds: 1 }, { name: 'daily', requests: 2, perSeconds: 86_400 }] }), clock);
    (await l.acquire())();
    (await l.acquire())();
    await l.acquire();
    expect(clock.now()).toBeGreaterThanOrEqual(43_200_000 - 1);
  });

  it('given a vendor header saying 3 remain, then the bucket never believes it has more', () => {
    const clock = manualClock();
    const l = new CredentialRateLimiter(RateLimitSchema.parse({ buckets: [{ name: 'burst', requests: 100, perSeconds: 10 }], headers: { remaining: 'x-left' } }), clock);
    l.observe(new Headers({ 'x-left': '3' }));
    expect(l.buckets[0]!.bucket.available()).toBe(3);
  });

  it('given the same vendor and credential twice, then the registry returns one shared limiter', () => {
    const reg = new RateLimiterRegistry(manualClock());
    const def = RateLimitSchema.parse({});
    expect(reg.forCredential('hubspot', 'tok-1', def)).toBe(reg.forCredential('hubspot', 'tok-1', def));
    expect(reg.forCredential('hubspot', 'tok-1', def)).not.toBe(reg.forCredential('hubspot', 'tok-2', def));
  });

  it.each([
    ['7', 0, 7000],
    ['Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'), 10_000],
    ['soon', 0, undefined],
  ] as const)('given Retry-After %s, then the wait is %s ms', (value, now, want) => {
    expect(retryAfterMs(new Headers({ 'retry-after': value }), now)).toBe(want);
  });

  it.each([
    [1, 0, 500], [1, 1, 1000], [3, 0.5, 3000], [20, 1, 60_000],
  ])('given attempt %i and random %s, then backoff is %i ms', (attempt, random, want) => {
    expect(backoffMs(attempt, 1000, 60_000, () => random)).toBe(want);
  });

  it.each([
    [401, {}, 'refresh-token-then-retry'],
    [403, {}, 'fail-config'],
    [429, {}, 'rate-limited'],
    [503, {}, 'retry'],
    [404, {}, 'fail-config'],
    [400, { category: 'INVALID_EMAIL' }, 'quarantine-record'],
    [400, { category: 'OTHER' }, 'fail-config'],
  ] as const)('given status %i and body %j, then the action is %s', (status, body, action) => {
    const rules = [{ status: [400], bodyPath: 'category', equals: ['INVALID_EMAIL'], action: 'quarantine-record' as const }];
    expect(classify(status, body, rules)?.action).toBe(action);
  });
});
