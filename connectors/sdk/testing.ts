/**
 * Testing utilities for connector authors: a real local HTTP server driven by a handler function
 * (no mocked fetch), and a clock whose sleeps are capped so backoff paths run fast.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { realClock, type Clock } from './clock.ts';

export interface ScriptedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface ScriptedResponse {
  status?: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; strings as-is. */
  body?: unknown;
}

export interface ScriptedServer {
  url: string;
  requests: ScriptedRequest[];
  close(): Promise<void>;
}

export async function startScriptedServer(handler: (req: ScriptedRequest, n: number) => ScriptedResponse | Promise<ScriptedResponse>): Promise<ScriptedServer> {
  const requests: ScriptedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://local');
      const r: ScriptedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(r);
      Promise.resolve(handler(r, requests.length))
        .then((out) => {
          const isText = typeof out.body === 'string';
          const text = out.body === undefined ? '' : isText ? (out.body as string) : JSON.stringify(out.body);
          res.writeHead(out.status ?? 200, { 'content-type': isText ? 'text/plain' : 'application/json', ...out.headers });
          res.end(text);
        })
        .catch((err: unknown) => {
          res.writeHead(599, { 'content-type': 'text/plain' });
          res.end(String(err));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/**
 * Real time plus a virtual offset: every sleep really waits at most `capMs` and moves the clock
 * forward by the rest, so backoff, Retry-After and rate-limit pauses run fast. Sleeps are recorded.
 */
export function fastClock(capMs = 5): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  let skipped = 0;
  return {
    sleeps,
    now: () => Date.now() + skipped,
    sleep: async (ms, signal) => {
      sleeps.push(ms);
      await realClock.sleep(Math.min(ms, capMs), signal);
      skipped += Math.max(0, ms - capMs);
    },
  };
}

/** Manually advanced time for rate-limiter tests: sleep() advances the clock instantly. */
export function manualClock(start = 0): Clock & { advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => void (t += ms),
    sleep: async (ms) => void (t += Math.max(0, ms)),
  };
}
