import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, seedTenant, startApi, type ApiFixture, type TestTenant } from '../test-support.ts';
import { verifySignature } from './sign.ts';

interface Received { headers: http.IncomingHttpHeaders; body: string }

/** A real local receiver answering with the given status codes in turn (then 200). */
async function receiver(statuses: number[]): Promise<{ url: string; got: Received[]; close(): Promise<void> }> {
  const got: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = statuses[got.length - 1] ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, close: () => new Promise((r) => server.close(() => r())) };
}

let f: ApiFixture;
let t: TestTenant;

beforeAll(async () => {
  f = await startApi({ webhooks: { baseDelayMs: 20, maxDelayMs: 200, maxAttempts: 4, allowPrivate: true } });
  t = await seedTenant(f, 'hooks');
});
afterAll(async () => f?.close());

async function addHook(url: string, events?: string[]): Promise<{ id: string; signingSecret: string }> {
  const res = await f.server.app.inject({ method: 'POST', url: '/api/v1/webhooks', headers: bearer(t.keys.admin), payload: { url, ...(events ? { events } : {}) } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

describe('alert webhooks', () => {
  it('given a receiver failing twice with 503, then the alert is retried and arrives signed (HMAC-SHA256) on the third attempt', async () => {
    const rx = await receiver([503, 503]);
    try {
      const hook = await addHook(rx.url);
      f.server.ctx.webhooks.emit(t.id, 'migration.completed', { migrationId: 'm-1', totals: { extracted: 5 } });
      await f.server.ctx.webhooks.idle();
      expect(rx.got).toHaveLength(3);
      const last = rx.got[2]!;
      expect(verifySignature(hook.signingSecret, String(last.headers['x-nexus-signature']), last.body, Math.floor(Date.now() / 1000))).toBe(true);
      expect(verifySignature('wrong-secret', String(last.headers['x-nexus-signature']), last.body, Math.floor(Date.now() / 1000))).toBe(false);
      expect(JSON.parse(last.body)).toMatchObject({ event: 'migration.completed', tenantId: t.id, data: { migrationId: 'm-1' } });
      expect(new Set(rx.got.map((g) => g.headers['x-nexus-delivery'])).size).toBe(1);
      const d = await f.server.app.inject({ method: 'GET', url: `/api/v1/webhooks/${hook.id}/deliveries`, headers: bearer(t.keys.viewer) });
      expect(d.json().items[0]).toMatchObject({ status: 'delivered', attempts: 3, lastStatus: 200 });
    } finally {
      await rx.close();
      await f.server.app.inject({ method: 'DELETE', url: `/api/v1/webhooks/${(await f.server.app.inject({ method: 'GET', url: '/api/v1/webhooks', headers: bearer(t.keys.admin) })).json().items[0].id}`, headers: bearer(t.keys.admin) });
    }
  });

  it.each([
    { statuses: [400], attempts: 1, why: 'a 4xx is not retried' },
    { statuses: [500, 500, 500, 500, 500], attempts: 4, why: 'retries stop at maxAttempts' },
  ])('given a receiver answering $statuses, then delivery fails after $attempts attempt(s) ($why)', async ({ statuses, attempts }) => {
    const rx = await receiver(statuses);
    try {
      const hook = await addHook(rx.url, ['migration.failed']);
      f.server.ctx.webhooks.emit(t.id, 'migration.completed', { ignored: true }); // not subscribed
      f.server.ctx.webhooks.emit(t.id, 'migration.failed', { migrationId: 'm-2' });
      await f.server.ctx.webhooks.idle();
      expect(rx.got).toHaveLength(attempts);
      const d = await f.server.app.inject({ method: 'GET', url: `/api/v1/webhooks/${hook.id}/deliveries`, headers: bearer(t.keys.viewer) });
      expect(d.json().items).toEqual([expect.objectContaining({ status: 'failed', attempts, event: 'migration.failed' })]);
      await f.server.app.inject({ method: 'DELETE', url: `/api/v1/webhooks/${hook.id}`, headers: bearer(t.keys.admin) });
    } finally {
      await rx.close();
    }
  });

  it('given a webhook listed later, then its signing secret is never returned again', async () => {
    const hook = await addHook('http://127.0.0.1:9/never');
    const list = await f.server.app.inject({ method: 'GET', url: '/api/v1/webhooks', headers: bearer(t.keys.admin) });
    expect(list.body).toContain(hook.id);
    expect(list.body).not.toContain(hook.signingSecret);
  });
});

describe('webhook SSRF (issue 11 defect 2)', () => {
  it('given no private setting and a hook at a loopback sink, then nothing is delivered and the deliveries list shows only a generic reason', async () => {
    const g = await startApi({ webhooks: { baseDelayMs: 20, maxAttempts: 2 } });
    const rx = await receiver([418]);
    try {
      const tt = await seedTenant(g, 'ssrf');
      const res = await g.server.app.inject({ method: 'POST', url: '/api/v1/webhooks', headers: bearer(tt.keys.admin), payload: { url: rx.url } });
      expect(res.statusCode, res.body).toBe(201);
      g.server.ctx.webhooks.emit(tt.id, 'migration.completed', { migrationId: 'm-3' });
      await g.server.ctx.webhooks.idle();
      expect(rx.got).toHaveLength(0);
      const d = await g.server.app.inject({ method: 'GET', url: `/api/v1/webhooks/${res.json().id}/deliveries`, headers: bearer(tt.keys.viewer) });
      const item = d.json().items[0];
      expect(item).toMatchObject({ status: 'failed', attempts: 1, lastStatus: null, lastError: 'delivery refused: target address not allowed' });
      expect(d.body).not.toContain('127.0.0.1');
    } finally {
      await rx.close();
      await g.close();
    }
  });
});
