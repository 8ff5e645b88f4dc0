/** HubSpot's documented budgets as the emulator enforces them: fixed 10-second burst windows and a daily count, per token. */
export const BURST_MAX = 100;
export const BURST_INTERVAL_MS = 10_000;
export const DAILY_MAX = 250_000;
export const SEARCH_PER_SECOND = 5;

interface Usage {
  windowStart: number;
  inWindow: number;
  day: string;
  today: number;
  searchSecond: number;
  searchInSecond: number;
}

export type LimitVerdict = { ok: true; headers: Record<string, string> } | { ok: false; policy: 'TEN_SECONDLY_ROLLING' | 'DAILY' | 'SECONDLY'; retryAfterMs: number; headers: Record<string, string> };

export class RateLimits {
  private readonly usage = new Map<string, Usage>();
  constructor(private readonly enforce: boolean) {}

  take(token: string, now: number, search: boolean): LimitVerdict {
    if (!this.enforce) return { ok: true, headers: {} };
    const day = new Date(now).toISOString().slice(0, 10);
    let u = this.usage.get(token);
    if (!u) this.usage.set(token, (u = { windowStart: now, inWindow: 0, day, today: 0, searchSecond: Math.floor(now / 1000), searchInSecond: 0 }));
    if (now - u.windowStart >= BURST_INTERVAL_MS) {
      u.windowStart = now;
      u.inWindow = 0;
    }
    if (u.day !== day) {
      u.day = day;
      u.today = 0;
    }
    const headers = (): Record<string, string> => ({
      'X-HubSpot-RateLimit-Daily': String(DAILY_MAX),
      'X-HubSpot-RateLimit-Daily-Remaining': String(Math.max(0, DAILY_MAX - u!.today)),
      'X-HubSpot-RateLimit-Interval-Milliseconds': String(BURST_INTERVAL_MS),
      'X-HubSpot-RateLimit-Max': String(BURST_MAX),
      'X-HubSpot-RateLimit-Remaining': String(Math.max(0, BURST_MAX - u!.inWindow)),
    });
    if (u.today >= DAILY_MAX) return { ok: false, policy: 'DAILY', retryAfterMs: Date.parse(`${day}T00:00:00.000Z`) + 86_400_000 - now, headers: headers() };
    if (u.inWindow >= BURST_MAX) return { ok: false, policy: 'TEN_SECONDLY_ROLLING', retryAfterMs: u.windowStart + BURST_INTERVAL_MS - now, headers: headers() };
    if (search) {
      const sec = Math.floor(now / 1000);
      if (sec !== u.searchSecond) {
        u.searchSecond = sec;
        u.searchInSecond = 0;
      }
      if (u.searchInSecond >= SEARCH_PER_SECOND) return { ok: false, policy: 'SECONDLY', retryAfterMs: (sec + 1) * 1000 - now, headers: headers() };
      u.searchInSecond++;
    }
    u.inWindow++;
    u.today++;
    return { ok: true, headers: headers() };
  }
}
