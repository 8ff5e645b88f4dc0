import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, seedTenant, startApi, type ApiFixture, type TestTenant } from '../test-support.ts';

let f: ApiFixture;
let a: TestTenant;
let b: TestTenant;
let base: string;

beforeAll(async () => {
  f = await startApi();
  a = await seedTenant(f, 'sse-a');
  b = await seedTenant(f, 'sse-b');
  await f.server.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(f.server.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => f?.close());

/** Read SSE frames until `n` data events arrived. */
async function readEvents(res: Response, n: number): Promise<{ event: string; data: Record<string, unknown> }[]> {
  const out: { event: string; data: Record<string, unknown> }[] = [];
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let buf = '';
  try {
    while (out.length < n) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const ev = /^event: (.+)$/m.exec(frame)?.[1];
        const data = /^data: (.+)$/m.exec(frame)?.[1];
        if (ev && data) out.push({ event: ev, data: JSON.parse(data) });
      }
    }
  } finally {
    await reader.cancel();
  }
  return out;
}

describe('live progress over SSE', () => {
  it('given no credentials, then the event stream is refused with 401', async () => {
    const res = await fetch(`${base}/api/v1/events`);
    expect(res.status).toBe(401);
  });

  it("given events for two tenants and two migrations, then a subscriber sees only its tenant's events for its migration", async () => {
    const m1 = '11111111-1111-4111-8111-111111111111';
    const m2 = '22222222-2222-4222-8222-222222222222';
    const res = await fetch(`${base}/api/v1/events?migrationId=${m1}`, { headers: bearer(a.keys.viewer) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reading = readEvents(res, 3);
    await new Promise((r) => setTimeout(r, 50));
    const progress = { runId: 'r1', mode: 'run' as const, entity: 'companies', extracted: 50, loaded: 48, created: 48, updated: 0, unchanged: 0, quarantined: 2, skipped: 0, recordsPerSecond: 25, etaSeconds: 2 };
    f.server.ctx.bus.publish(b.id, { type: 'progress', migrationId: m1, ...progress, extracted: 999 });
    f.server.ctx.bus.publish(a.id, { type: 'progress', migrationId: m2, ...progress, extracted: 777 });
    f.server.ctx.bus.publish(a.id, { type: 'progress', migrationId: m1, ...progress });
    f.server.ctx.bus.publish(a.id, { type: 'agent', agentId: 'ag-1', online: false });
    f.server.ctx.bus.publish(a.id, { type: 'status', migrationId: m1, status: 'completed' });
    const events = await reading;
    expect(events.map((e) => e.event)).toEqual(['progress', 'agent', 'status']);
    expect(events[0]!.data).toMatchObject({ extracted: 50, loaded: 48, quarantined: 2, etaSeconds: 2 });
    expect(events[1]!.data).toMatchObject({ agentId: 'ag-1', online: false });
  });
});
