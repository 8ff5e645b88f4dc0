/**
 * One HTTP request whose connection goes to the address that was checked (DNS rebinding defence):
 * the name is resolved once, inside the socket's own lookup, every answer is checked, and the socket
 * connects to the first checked address, on a fresh connection (no pooled socket: each request resolves
 * again). There is no second resolution between the check and the
 * connection. No redirects are followed (node's http client never follows them). The response body is
 * read up to `maxBodyBytes` (webhook receivers' answers are not used beyond their status).
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';

export type Resolve = (host: string) => Promise<string[]>;
/** Throws (an OutboundRefusedError) when an answer is not allowed; returns the address to connect to. */
export type CheckAddresses = (host: string, addresses: string[]) => string;

const NULL_BODY = new Set([101, 204, 205, 304]);

function bodyBytes(body: RequestInit['body']): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  throw new TypeError('pinned request: only string or byte bodies are supported');
}

export function pinnedRequest(url: URL, init: RequestInit, resolve: Resolve, check: CheckAddresses, maxBodyBytes = 64 * 1024): Promise<Response> {
  const lookup: LookupFunction = (hostname, options, callback) => {
    resolve(hostname).then((addrs) => {
      const address = check(hostname, addrs);
      return { address, family: address.includes(':') ? 6 : 4 };
    }).then(({ address, family }) => {
      if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
      else callback(null, address, family);
    }, (err: unknown) => callback(err as NodeJS.ErrnoException, '', 4));
  };
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((v, k) => { headers[k] = v; });
  const body = bodyBytes(init.body);
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise<Response>((done, fail) => {
    const req = lib.request(url, { method: init.method ?? 'GET', headers, lookup, agent: false, signal: init.signal ?? undefined }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= maxBodyBytes) chunks.push(c);
        else res.destroy();
      });
      const finish = () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
        const status = res.statusCode ?? 502;
        done(new Response(NULL_BODY.has(status) ? null : Buffer.concat(chunks), { status, headers: h }));
      };
      res.on('end', finish);
      res.on('close', () => { if (!res.complete) finish(); });
      res.on('error', () => undefined);
    });
    req.on('error', fail);
    req.end(body);
  });
}
