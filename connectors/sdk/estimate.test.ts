import { describe, expect, it } from 'vitest';
import { defineConnector } from './definition.ts';
import { estimateMigrationTime, requiredPermissions } from './estimate.ts';

const def = defineConnector({
  sourceSystem: 'acme', label: 'Acme', baseUrl: 'https://x', auth: { type: 'bearer' },
  rateLimits: { buckets: [{ name: 'burst', requests: 100, perSeconds: 10 }, { name: 'daily', requests: 250_000, perSeconds: 86_400 }] },
  streams: [
    { name: 'a', path: '/a', recordSelector: 'r', pageSize: 100 },
    { name: 'b', path: '/b', recordSelector: 'r', pageSize: 100, extraRequestsPerPage: 1 },
  ],
  permissions: [{ name: 'a.read', reason: 'a', streams: ['a'] }, { name: 'b.read', reason: 'b', streams: ['b'] }, { name: 'base', reason: 'all' }],
});

describe('estimateMigrationTime', () => {
  it('given 100k + 50k records at 10 req/s, then 2,000 requests take 200 s, paced by the burst budget', () => {
    const e = estimateMigrationTime({ a: 100_000, b: 50_000 }, def);
    expect(e.streams).toEqual([{ entity: 'a', records: 100_000, requests: 1000 }, { entity: 'b', records: 50_000, requests: 1000 }]);
    expect(e).toMatchObject({ totalRequests: 2000, seconds: 200, bottleneck: 'burst', days: 1 });
  });

  it('given more requests than the daily budget, then the estimate spans days and warns', () => {
    const e = estimateMigrationTime({ a: 30_000_000 }, def);
    expect(e.days).toBe(2);
    expect(e.bottleneck).toBe('daily');
    expect(e.seconds).toBeGreaterThanOrEqual(86_400);
    expect(e.warnings[0]).toMatch(/daily budget is 250000/);
  });

  it('given entities, then only their permissions and the connector-wide ones are required', () => {
    expect(requiredPermissions(def, ['a']).map((p) => p.name)).toEqual(['a.read', 'base']);
    expect(requiredPermissions(def)).toHaveLength(3);
  });
});
