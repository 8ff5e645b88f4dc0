/** A local HTTP server that records every request it gets: a vendor stand-in, or an attacker's host that must get none. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Sink { origin: string; hits: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[]; close(): Promise<void> }

export async function startSink(host = '127.0.0.1', port = 0): Promise<Sink> {
  const hits: Sink['hits'] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { if (body.length < 65_536) body += c.toString(); });
    req.on('end', () => {
      hits.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"results":[],"paging":null}');
    });
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(port, host, resolve); });
  const { port: p } = server.address() as AddressInfo;
  return { origin: `http://${host}:${p}`, hits, close: () => new Promise<void>((r) => server.close(() => r())) };
}
