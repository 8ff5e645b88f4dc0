/**
 * Issue 11 defect 2, DNS rebinding: a webhook host name is resolved again for every delivery, every
 * answer is checked, and the connection goes to the checked address, with no second lookup between
 * check and connect. Two real receivers listen on one port: 127.0.0.1 (allowed by the server
 * setting) and 127.0.0.2 (private, not allowed); the resolver's answers are scripted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSink, type Sink } from '../../control-plane/security/testing/sink.ts';
import { inAllowance, OutboundDispatcher, OutboundRefusedError, parsePrivateAllowance } from './outbound.ts';

let allowed: Sink;
let forbidden: Sink;
let port = 0;

beforeAll(async () => {
  allowed = await startSink('127.0.0.1');
  port = Number(new URL(allowed.origin).port);
  forbidden = await startSink('127.0.0.2', port);
});
afterAll(async () => {
  await allowed?.close();
  await forbidden?.close();
});

/** A resolver that answers from a script, one answer per lookup, and counts lookups. */
function scripted(...answers: string[][]) {
  const calls: string[] = [];
  return { calls, resolve: async (host: string) => { calls.push(host); return answers[Math.min(calls.length - 1, answers.length - 1)]!; } };
}

const post = (d: OutboundDispatcher, path = '/hook') => d.send({ kind: 'webhook' }, `http://hooks.rebind.test:${port}${path}`, { method: 'POST', body: '{"event":"x"}', headers: { 'content-type': 'application/json' } });

describe('webhook DNS rebinding', () => {
  it('given a name answering an allowed address first and a private one on any later lookup, then the delivery connects to the checked address, looked up once', async () => {
    const r = scripted(['127.0.0.1'], ['127.0.0.2']);
    const d = new OutboundDispatcher({ allowPrivateWebhooks: ['127.0.0.1'], resolve: r.resolve });
    const res = await post(d, '/first');
    expect(res.status).toBe(200);
    expect(r.calls).toEqual(['hooks.rebind.test']);
    expect(allowed.hits.map((h) => [h.url, h.body])).toEqual([['/first', '{"event":"x"}']]);
    expect(forbidden.hits).toEqual([]);
  });

  it('given the next delivery after the name re-bound to a private address, then it is resolved again and refused, and nothing reaches that address', async () => {
    const r = scripted(['127.0.0.1'], ['127.0.0.2']);
    const d = new OutboundDispatcher({ allowPrivateWebhooks: ['127.0.0.1'], resolve: r.resolve });
    expect((await post(d, '/one')).status).toBe(200);
    await expect(post(d, '/two')).rejects.toBeInstanceOf(OutboundRefusedError);
    expect(r.calls).toHaveLength(2);
    expect(d.refused()).toBe(1);
    expect(d.sent().map((s) => s.url)).toEqual([`http://hooks.rebind.test:${port}/one`]);
    expect(forbidden.hits).toEqual([]);
  });

  it.each([
    ['an allowed and a link-local address', ['127.0.0.1', '169.254.169.254']],
    ['a v4-mapped private address', ['::ffff:10.0.0.1']],
    ['no address at all', []],
  ])('given an answer with %s, then the delivery is refused before connecting', async (_n, answer) => {
    const before = forbidden.hits.length + allowed.hits.length;
    const d = new OutboundDispatcher({ allowPrivateWebhooks: ['127.0.0.1'], resolve: scripted(answer).resolve });
    await expect(post(d)).rejects.toBeInstanceOf(OutboundRefusedError);
    expect(forbidden.hits.length + allowed.hits.length).toBe(before);
  });

  it('given no private setting, then even the loopback receiver is refused, by name and by address literal', async () => {
    const before = allowed.hits.length;
    const d = new OutboundDispatcher({ allowPrivateWebhooks: false, resolve: scripted(['127.0.0.1']).resolve });
    await expect(post(d)).rejects.toBeInstanceOf(OutboundRefusedError);
    await expect(d.send({ kind: 'webhook' }, `${allowed.origin}/x`, { method: 'POST', body: '{}' })).rejects.toBeInstanceOf(OutboundRefusedError);
    expect(allowed.hits.length).toBe(before);
  });

  it('given a receiver that redirects, then the redirect is not followed', async () => {
    const d = new OutboundDispatcher({ allowPrivateWebhooks: ['127.0.0.1'], resolve: scripted(['127.0.0.1']).resolve });
    const res = await d.send({ kind: 'webhook' }, `http://hooks.rebind.test:${port}/x`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(200);
    expect(allowed.hits.at(-1)?.url).toBe('/x');
  });

  it.each([
    ['1', true], ['', false], ['0', false], ['10.1.2.3, 192.168.0.0/16', ['10.1.2.3', '192.168.0.0/16']],
  ])('given NEXUS_WEBHOOK_ALLOW_PRIVATE=%j, then the allowance is %j', (v, want) => {
    expect(parsePrivateAllowance(v)).toEqual(want);
  });

  it.each([
    ['192.168.4.5', ['192.168.0.0/16'], true], ['192.169.0.1', ['192.168.0.0/16'], false], ['10.1.2.3', ['10.1.2.3'], true],
    ['10.1.2.4', ['10.1.2.3'], false], ['::ffff:10.1.2.3', ['10.1.2.3'], true], ['10.0.0.1', ['10.0.0.0/33'], false],
  ])('given %s and the allowance %j, then allowed is %s', (addr, list, want) => {
    expect(inAllowance(addr, list)).toBe(want);
  });
});
