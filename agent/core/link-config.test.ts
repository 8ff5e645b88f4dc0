/** Backoff, proxy selection, spool back-pressure gate and control-plane URL handling: pure functions, no network. */
import { describe, expect, it } from 'vitest';
import { fullJitterDelay } from './backoff.ts';
import { proxyFor } from './link.ts';
import { SpoolGate } from './spool-gate.ts';
import { agentSocketUrl } from './ui-bridge.ts';

describe('full-jitter backoff', () => {
  it.each([
    [0, 0.999, 99],
    [3, 0.5, 400],
    [10, 0.999, 29_970],
    [40, 1, 30_000],
    [5, 0, 0],
  ])('given attempt %i and random %f, then the delay is %i ms (base 100, cap 30 s)', (attempt, r, expected) => {
    expect(fullJitterDelay(attempt, 100, 30_000, () => r)).toBe(expected);
  });
});

describe('proxy selection', () => {
  const env = { HTTPS_PROXY: 'http://proxy.corp:3128', HTTP_PROXY: 'http://plain.corp:3128', NO_PROXY: 'internal.corp,.lan' };
  it.each([
    ['wss://cp.logicnexus.ai/agent/ws', undefined, 'http://proxy.corp:3128'],
    ['ws://cp.logicnexus.ai/agent/ws', undefined, 'http://plain.corp:3128'],
    ['wss://cp.logicnexus.ai/agent/ws', 'http://explicit:8080', 'http://explicit:8080'],
    ['wss://cp.internal.corp/agent/ws', undefined, undefined],
    ['wss://host.lan/agent/ws', undefined, undefined],
    ['ws://127.0.0.1:8080/agent/ws', 'http://explicit:8080', 'http://explicit:8080'],
    ['wss://cp.internal.corp/agent/ws', 'http://explicit:8080', undefined],
    ['ws://localhost:8080/agent/ws', undefined, undefined],
  ])('given %s (explicit proxy %s), then the proxy is %s', (url, explicit, expected) => {
    expect(proxyFor(new URL(url), explicit, env)).toBe(expected);
  });
});

describe('spool gate', () => {
  it('given a full spool, then the reader waits until an acknowledgement frees space', async () => {
    const gate = new SpoolGate(0, 100);
    await gate.waitForSpace();
    gate.add(120);
    let passed = false;
    const waiting = gate.waitForSpace().then(() => (passed = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(passed).toBe(false);
    gate.release(50);
    await waiting;
    expect(passed).toBe(true);
    expect(gate.used).toBe(70);
  });

  it('given an aborted reader waiting on a full spool, then the wait rejects', async () => {
    const gate = new SpoolGate(200, 100);
    const ac = new AbortController();
    const waiting = gate.waitForSpace(ac.signal);
    ac.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
  });
});

describe('control plane URL', () => {
  it.each([
    ['https://cp.logicnexus.ai', 'wss://cp.logicnexus.ai/agent/ws'],
    ['http://127.0.0.1:8080/', 'ws://127.0.0.1:8080/agent/ws'],
    ['wss://cp.logicnexus.ai/custom/ws', 'wss://cp.logicnexus.ai/custom/ws'],
  ])('given %s, then the agent dials %s', (input, expected) => {
    expect(agentSocketUrl(input)).toBe(expected);
  });

  it.each(['ftp://x', 'not a url'])('given %s, then it is refused as input the person can fix', (input) => {
    expect(() => agentSocketUrl(input)).toThrow(expect.objectContaining({ name: 'AgentInputError' }));
  });
});
