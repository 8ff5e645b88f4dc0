import { describe, expect, it } from 'vitest';
import { classify, estimateMigrationTime, requiredPermissions } from '../sdk/index.ts';
import { benchHubSpot } from './bench.ts';
import { hubspotDefinition, hubspotOAuthDefinition } from './definition.ts';

describe('HubSpot definition', () => {
  it('given 1M companies and 3M contacts, then the estimate counts list pages plus association reads at 10 requests/s', () => {
    const e = estimateMigrationTime({ companies: 1_000_000, contacts: 3_000_000 }, hubspotDefinition);
    expect(e.streams).toEqual([
      { entity: 'companies', records: 1_000_000, requests: 10_000 },
      { entity: 'contacts', records: 3_000_000, requests: 60_000 },
    ]);
    expect(e).toMatchObject({ totalRequests: 70_000, requestsPerSecond: 10, seconds: 7000, bottleneck: 'burst', days: 1 });
  });

  it('given only deals, then the required scopes are the deal read and schema scopes', () => {
    expect(requiredPermissions(hubspotDefinition, ['deals']).map((p) => p.name)).toEqual(['crm.objects.deals.read', 'crm.schemas.deals.read']);
  });

  it('given the OAuth variant, then only the auth differs', () => {
    expect(hubspotOAuthDefinition.auth.type).toBe('oauth2-refresh');
    expect({ ...hubspotOAuthDefinition, auth: null }).toEqual({ ...hubspotDefinition, auth: null });
  });

  it.each([
    [429, { policyName: 'TEN_SECONDLY_ROLLING', errorType: 'RATE_LIMIT' }, 'rate-limited'],
    [429, { policyName: 'DAILY', errorType: 'RATE_LIMIT' }, 'fail-config'],
    [403, { category: 'MISSING_SCOPES' }, 'fail-config'],
    [401, { category: 'EXPIRED_AUTHENTICATION' }, 'refresh-token-then-retry'],
    [502, {}, 'retry'],
  ] as const)('given HubSpot status %i with %j, then the action is %s', (status, body, action) => {
    expect(classify(status, body, hubspotDefinition.errors)?.action).toBe(action);
  });

  it('given a 1-second bench run, then it reports a rate_efficiency line from real requests', async () => {
    const r = await benchHubSpot({ durationSeconds: 1, records: 2000 });
    expect(r.line).toMatch(/^rate_efficiency=\d+\.\d{3}$/);
    expect(r.requests).toBeGreaterThan(0);
    expect(r.records).toBeGreaterThan(0);
    expect(r.ceilingRps).toBe(10);
  });
});
