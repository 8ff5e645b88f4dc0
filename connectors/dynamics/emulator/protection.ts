/**
 * Dataverse service protection on the kit: per user a sliding window of requests (6,000 per 300 s)
 * and at most 52 concurrent requests, refused with 429, Retry-After and Dataverse's error codes;
 * `x-ms-ratelimit-*` headers report the remaining budget. Seeded faults render as Dataverse errors.
 */
import { BudgetSet, concurrency, retryAfterSeconds, slidingWindow, type Admission, type Fault } from '../../sdk/emulator/index.ts';
import { ODataError } from './odata.ts';

export interface ProtectionLimits {
  /** Requests per window (Dataverse: 6000). */
  requests: number;
  /** Window length in seconds (Dataverse: 300). */
  windowSeconds: number;
  /** Concurrent requests (Dataverse: 52). */
  concurrency: number;
}

export const DATAVERSE_LIMITS: ProtectionLimits = { requests: 6000, windowSeconds: 300, concurrency: 52 };

export const protectionBudgets = (l: ProtectionLimits): BudgetSet =>
  new BudgetSet([slidingWindow('window', l.requests, l.windowSeconds * 1000), concurrency('concurrency', l.concurrency)]);

export function protectionHeaders(verdict: Admission): Record<string, string> {
  const window = verdict.usage.find((u) => u.name === 'window')!;
  return { 'x-ms-ratelimit-burst-remaining-xrm-requests': String(window.remaining), 'x-ms-ratelimit-time-remaining-xrm-requests': '1,200.00' };
}

/** The 429 Dataverse sends for a refused request. */
export function refusal(verdict: Admission & { ok: false }, l: ProtectionLimits): ODataError {
  const headers = { ...protectionHeaders(verdict), 'Retry-After': retryAfterSeconds(verdict.refusal.retryAfterMs) };
  return verdict.refusal.name === 'window'
    ? new ODataError(429, '0x80072322', `Number of requests exceeded the limit of ${l.requests} over time window of ${l.windowSeconds} seconds.`, headers)
    : new ODataError(429, '0x80072326', `Number of concurrent requests exceeded the limit of ${l.concurrency}.`, headers);
}

/** A seeded fault as Dataverse would answer it. */
export function faultError(f: Fault): ODataError {
  if (f.kind === '429') {
    return new ODataError(429, '0x80072321', 'Combined execution time of incoming requests exceeded limit of 1,200,000 milliseconds over time window of 300 seconds.', { 'Retry-After': '1' });
  }
  return f.status === 500
    ? new ODataError(500, '0x80040216', 'An unexpected error occurred.')
    : new ODataError(503, '0x80044153', 'The service is temporarily unavailable. Please retry.');
}
