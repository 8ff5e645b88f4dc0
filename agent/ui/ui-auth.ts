/**
 * Who may talk to the local UI: a per-session bearer token (random, created at start), or an
 * HttpOnly cookie holding it, set by opening a one-time sign-in link (`/?token=<nonce>`).
 * Every request must name the loopback host (defeats DNS rebinding); state-changing requests
 * must also come from the page's own origin (defeats CSRF) and carry JSON.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'nm_session';

export type AuthResult = { ok: true; via: 'bearer' | 'cookie' } | { ok: false; status: number; reason: string };

export interface UiAuthOptions {
  /** Lifetime of a sign-in link. */
  loginTtlMs?: number;
  now?: () => number;
}

export class UiAuth {
  readonly token = randomBytes(32).toString('base64url');
  private readonly tokenDigest = digest(this.token);
  private readonly nonces = new Map<string, number>();
  private port = 0;
  private readonly ttl: number;
  private readonly now: () => number;

  constructor(opts: UiAuthOptions = {}) {
    this.ttl = opts.loginTtlMs ?? 10 * 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** Set once the server listens: the allowed Host headers and Origins depend on it. */
  bindPort(port: number): void {
    this.port = port;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A fresh one-time sign-in link. */
  issueLoginUrl(): string {
    const now = this.now();
    for (const [n, expires] of this.nonces) if (expires <= now) this.nonces.delete(n);
    const nonce = randomBytes(24).toString('base64url');
    this.nonces.set(nonce, now + this.ttl);
    return `${this.origin}/?token=${nonce}`;
  }

  /** Consume a sign-in nonce; true at most once per nonce and only before it expires. */
  redeemLogin(nonce: string): boolean {
    const expires = this.nonces.get(nonce);
    if (expires === undefined) return false;
    this.nonces.delete(nonce);
    return expires > this.now();
  }

  sessionCookie(): string {
    return `${SESSION_COOKIE}=${this.token}; HttpOnly; SameSite=Strict; Path=/`;
  }

  hostAllowed(host: string | undefined): boolean {
    return host === `127.0.0.1:${this.port}` || host === `localhost:${this.port}`;
  }

  originAllowed(origin: string): boolean {
    return origin === `http://127.0.0.1:${this.port}` || origin === `http://localhost:${this.port}`;
  }

  /** Check a request's credentials and, for state-changing methods, its origin and content type. */
  check(req: { method: string; headers: Record<string, string | string[] | undefined> }): AuthResult {
    const h = (name: string): string | undefined => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    let via: 'bearer' | 'cookie' | null = null;
    const authz = h('authorization');
    if (authz?.startsWith('Bearer ') && this.matches(authz.slice(7).trim())) via = 'bearer';
    else if (this.matches(readCookie(h('cookie'), SESSION_COOKIE))) via = 'cookie';
    if (!via) return { ok: false, status: 401, reason: 'not signed in: open the sign-in link printed when the agent started' };

    if (req.method === 'GET' || req.method === 'HEAD') return { ok: true, via };
    const origin = h('origin');
    if (origin !== undefined && !this.originAllowed(origin)) {
      return { ok: false, status: 403, reason: `cross-origin request from ${origin} refused` };
    }
    const site = h('sec-fetch-site');
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      return { ok: false, status: 403, reason: `cross-site request (${site}) refused` };
    }
    // A cookie alone is what a forged cross-site request would carry: insist on proof of origin.
    if (via === 'cookie' && origin === undefined) {
      return { ok: false, status: 403, reason: 'state-changing request without an Origin header refused' };
    }
    if (!(h('content-type') ?? '').toLowerCase().startsWith('application/json')) {
      return { ok: false, status: 415, reason: 'state-changing requests must send application/json' };
    }
    return { ok: true, via };
  }

  private matches(candidate: string | undefined): boolean {
    if (!candidate) return false;
    return timingSafeEqual(digest(candidate), this.tokenDigest);
  }
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
