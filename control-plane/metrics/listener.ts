/**
 * A worker's small HTTP listener (`worker --metrics-port P`): GET /metrics (Prometheus text),
 * /healthz (the process is up) and /readyz (database and job queue answer). Nothing else.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readiness, type MetricsSources, type ProcessMetrics } from './metrics.ts';

export async function startMetricsListener(metrics: ProcessMetrics, src: MetricsSources, opts: { port: number; host: string }): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'only GET\n');
    if (path === '/metrics') {
      metrics.text().then((t) => send(200, metrics.contentType, t), () => send(500, 'text/plain', 'metrics collection failed\n'));
    } else if (path === '/healthz') send(200, 'application/json', JSON.stringify({ ok: true }));
    else if (path === '/readyz') {
      readiness(src).then((r) => send(r.ready ? 200 : 503, 'application/json', JSON.stringify(r)), () => send(503, 'application/json', '{"ready":false}'));
    } else send(404, 'text/plain', 'not found: /metrics, /healthz, /readyz\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return {
    url: `http://${host}:${a.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
