import { describe, expect, it } from 'vitest';
import { readCookie, UiAuth } from './ui-auth.ts';

describe('UiAuth sign-in links', () => {
  const setup = () => {
    let now = 1_000_000;
    const auth = new UiAuth({ loginTtlMs: 60_000, now: () => now });
    auth.bindPort(4711);
    const nonceOf = (url: string) => new URL(url).searchParams.get('token')!;
    return { auth, nonceOf, advance: (ms: number) => (now += ms) };
  };

  it('given a fresh link, then it is redeemable exactly once', () => {
    const { auth, nonceOf } = setup();
    const nonce = nonceOf(auth.issueLoginUrl());
    expect(auth.redeemLogin(nonce)).toBe(true);
    expect(auth.redeemLogin(nonce)).toBe(false);
  });

  it('given a link older than its lifetime, then it is refused', () => {
    const { auth, nonceOf, advance } = setup();
    const nonce = nonceOf(auth.issueLoginUrl());
    advance(60_001);
    expect(auth.redeemLogin(nonce)).toBe(false);
  });

  it('given the session token itself in the URL, then it is not accepted as a sign-in link', () => {
    const { auth } = setup();
    expect(auth.redeemLogin(auth.token)).toBe(false);
  });

  it('given a link, then it points at the loopback origin of the bound port', () => {
    const { auth } = setup();
    expect(auth.issueLoginUrl()).toMatch(/^http:\/\/127\.0\.0\.1:4711\/\?token=[A-Za-z0-9_-]{32}$/);
  });

  it.each([
    ['a = b; nm_session=abc; c=d', 'abc'],
    ['nm_session=abc', 'abc'],
    ['xnm_session=abc', undefined],
    [undefined, undefined],
  ])('given cookie header %j, then nm_session reads %j', (header, value) => {
    expect(readCookie(header, 'nm_session')).toBe(value);
  });
});
