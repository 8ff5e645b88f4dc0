/**
 * A recording proxy in front of an emulator, for the conformance suite: every request is logged
 * with its time and response status/headers, the emulator's own URL in response bodies and headers is
 * rewritten to the proxy's (instance URLs, next links), and a `stuck` switch replays one page forever
 * (a server whose cursor never advances: the client's loop guard must stop it).
 */
import { request as httpRequest } from 'node:http';
import { readBody, serve, type EmulatorServer } from './http.ts';

export interface ProxiedExchange {
  at: number;
  method: string;
  path: string;
  query: string;
  status: number;
  headers: Record<string, string>;
}

export interface RecordingProxy extends EmulatorServer {
  log: ProxiedExchange[];
  /** Once a path is requested with a second distinct query string, replay that response for every later request to the path. */
  stuck: boolean;
}

interface Stored { status: number; headers: Record<string, string>; body: Buffer }

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const seenQuery = new Map<string, string>();
  const frozen = new Map<string, Stored>();
  const log: ProxiedExchange[] = [];
  let self = '';
  const proxy: { stuck: boolean } = { stuck: false };
  const server = await serve(async ({ req, res, url }) => {
    const at = Date.now();
    const body = await readBody(req, 50_000_000);
    const key = `${req.method} ${url.pathname}`;
    let out = proxy.stuck ? frozen.get(key) : undefined;
    if (!out) {
      out = await forward(target, req.method ?? 'GET', url, req.headers as Record<string, string>, body.split(self).join(target).split(encodeURIComponent(self)).join(encodeURIComponent(target)));
      const text = out.body.toString('utf8').split(target).join(self);
      out = { ...out, body: Buffer.from(text), headers: Object.fromEntries(Object.entries(out.headers).map(([k, v]) => [k, v.split(target).join(self)])) };
      if (proxy.stuck && out.status === 200) {
        const prev = seenQuery.get(key);
        if (prev !== undefined && prev !== url.search) frozen.set(key, out);
        else seenQuery.set(key, url.search);
      }
    }
    log.push({ at, method: req.method ?? 'GET', path: url.pathname, query: url.search, status: out.status, headers: out.headers });
    const headers: Record<string, string> = { ...out.headers, 'content-length': String(out.body.length) };
    delete headers['transfer-encoding'];
    res.writeHead(out.status, headers);
    res.end(out.body);
  });
  self = server.url;
  const out = Object.assign(server, { log }) as RecordingProxy;
  Object.defineProperty(out, 'stuck', { get: () => proxy.stuck, set: (v: boolean) => void (proxy.stuck = v) });
  return out;
}

function forward(target: string, method: string, url: URL, headers: Record<string, string>, body: string): Promise<Stored> {
  const t = new URL(target);
  return new Promise((resolve, reject) => {
    const r = httpRequest({ host: t.hostname, port: t.port, method, path: url.pathname + url.search, headers: { ...headers, host: t.host, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined && k !== 'content-length' && k !== 'connection' && k !== 'keep-alive') h[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ status: res.statusCode ?? 502, headers: h, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    r.on('error', reject);
    r.end(body);
  });
}
