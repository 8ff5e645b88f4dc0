import { describe, expect, it } from 'vitest';
import { BudgetSet, fixedWindow, OAuthServer, TimelineTable, cursorCodec, EmulatorHttpError, FaultSwitches } from './index.ts';

describe('emulator kit', () => {
  it('given 1M records, then a time window maps to an index range without scanning and edits move records to their new time', () => {
    const t = new TimelineTable({ count: 1_000_000, baseTime: Date.parse('2023-01-01T00:00:00Z'), endTime: Date.parse('2025-01-01T00:00:00Z') });
    const from = t.baseUpdatedAt(300);
    const w = t.window(from, t.baseUpdatedAt(600), 0, 5);
    expect(w.total).toBe(300);
    expect(w.indices).toEqual([300, 301, 302, 303, 304]);
    t.edit(301, { name: 'x' }, t.lastBaseTime + 1000);
    expect(t.window(from, t.baseUpdatedAt(600), 0, 3).indices).toEqual([300, 302, 303]);
    expect(t.window(t.lastBaseTime + 1, Infinity, 0, 10).indices).toEqual([301]);
    t.remove(302, Date.now());
    expect(t.window(from, t.baseUpdatedAt(600), 0, 3).indices).toEqual([300, 303, 304]);
    expect(t.changedSince(0)).toEqual([301, 302]);
  });

  it('given a fixed window of 2, then the third request is refused with the wait until the window ends', () => {
    let now = 1_000;
    const set = new BudgetSet([fixedWindow('burst', 2, 10_000)], () => now);
    expect(set.admit('a').ok).toBe(true);
    expect(set.admit('a').ok).toBe(true);
    now = 4_000;
    const third = set.admit('a');
    expect(third.ok ? 0 : third.refusal.retryAfterMs).toBe(7_000);
    expect(set.admit('b').ok).toBe(true);
  });

  it('given the three grants, then codes are single-use, refresh needs a known token and expired tokens are reported expired', () => {
    const o = new OAuthServer({ clientId: 'c', clientSecret: 's', grants: ['authorization_code', 'refresh_token', 'client_credentials'], ttlSeconds: 60 });
    const code = new URL(o.authorize(new URLSearchParams({ response_type: 'code', client_id: 'c', redirect_uri: 'http://app/cb' }))).searchParams.get('code')!;
    const form = new URLSearchParams({ grant_type: 'authorization_code', client_id: 'c', client_secret: 's', code, redirect_uri: 'http://app/cb' });
    const first = o.token(form) as { access_token: string; refresh_token: string };
    expect(() => o.token(form)).toThrow(EmulatorHttpError);
    expect(o.check(first.access_token)).toEqual({ ok: true, owner: 'c' });
    const refreshed = o.token(new URLSearchParams({ grant_type: 'refresh_token', client_id: 'c', refresh_token: first.refresh_token })) as { access_token: string };
    expect(() => o.token(new URLSearchParams({ grant_type: 'refresh_token', client_id: 'c', refresh_token: 'nope' }))).toThrow(EmulatorHttpError);
    expect(() => o.token(new URLSearchParams({ grant_type: 'client_credentials', client_id: 'c', client_secret: 'wrong' }))).toThrow(EmulatorHttpError);
    o.expireAccessTokens();
    expect(o.check(refreshed.access_token)).toEqual({ ok: false, reason: 'expired' });
  });

  it('given a sealed cursor, then only its own tag opens it; and a seed replays the same faults', () => {
    const a = cursorCodec<{ i: number }>('a');
    expect(a.open(a.seal({ i: 3 }))).toEqual({ i: 3 });
    expect(cursorCodec('b').open(a.seal({ i: 3 }))).toBeUndefined();
    const draws = (seed: number) => { const f = new FaultSwitches({ rate429: 0.3, rate5xx: 0.2 }, seed); return Array.from({ length: 40 }, () => f.draw()?.kind ?? '-').join(''); };
    expect(draws(5)).toBe(draws(5));
    expect(draws(5)).not.toBe(draws(6));
    expect(draws(5)).toMatch(/429/);
  });
});
