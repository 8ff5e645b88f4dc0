import { describe, expect, it } from 'vitest';
import { benchSalesforce } from './bench.ts';

describe('salesforce bench support', () => {
  it('given a one-second run with rate limits on, then it reports served requests and a rate_efficiency line', async () => {
    const r = await benchSalesforce({ durationSeconds: 1, records: 5000 });
    expect(r.requests).toBeGreaterThan(0);
    expect(r.records).toBeGreaterThan(0);
    expect(r.rateEfficiency).toBeGreaterThan(0);
    expect(r.rateEfficiency).toBeLessThanOrEqual(1);
    expect(r.line).toMatch(/^rate_efficiency=\d\.\d{3}$/);
  });
});
