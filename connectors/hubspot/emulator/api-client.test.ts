import { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type HubSpotEmulatorHandle } from './index.ts';

let em: HubSpotEmulatorHandle;
let client: Client;
beforeAll(async () => {
  em = await startEmulator({ records: 130, seed: 42 });
  client = new Client({ accessToken: em.credentials['accessToken'], basePath: em.url, numberOfApiCallRetries: 0 });
});
afterAll(async () => {
  await em.close();
});

describe('the official @hubspot/api-client against the emulator', () => {
  it('given basicApi.getPage, then it returns typed objects and an after cursor', async () => {
    const page = await client.crm.companies.basicApi.getPage(10, undefined, ['name', 'nexus_tier']);
    expect(page.results).toHaveLength(10);
    expect(page.results[0]!.properties['name']).toMatch(/\S/);
    expect(page.results[0]!.properties).toHaveProperty('nexus_tier');
    expect(page.results[0]!.updatedAt).toBeInstanceOf(Date);
    expect(page.paging?.next?.after).toBe('10');
  });

  it('given getAll, then the client pages through every company', async () => {
    const all = await client.crm.companies.getAll(100);
    expect(all).toHaveLength(130);
    expect(new Set(all.map((c) => c.id)).size).toBe(130);
  });

  it('given getById, then one deal comes back; and an unknown id is a 404 with HubSpot error body', async () => {
    const first = (await client.crm.deals.basicApi.getPage(1)).results[0]!;
    const deal = await client.crm.deals.basicApi.getById(first.id, ['dealstage', 'amount']);
    expect(deal.id).toBe(first.id);
    expect(deal.properties['dealstage']).toMatch(/^(appointmentscheduled|qualifiedtobuy|presentationscheduled|decisionmakerboughtin|contractsent|closedwon|closedlost)$/);
    const err = (await client.crm.deals.basicApi.getById('999').catch((e: unknown) => e)) as { code: number; body: { category: string; correlationId: string } };
    expect(err.code).toBe(404);
    expect(err.body.category).toBe('OBJECT_NOT_FOUND');
    expect(err.body.correlationId).toMatch(/-/);
  });

  it('given the properties API, then custom properties and picklist options are listed', async () => {
    const props = await client.crm.properties.coreApi.getAll('companies');
    const tier = props.results.find((p) => p.name === 'nexus_tier')!;
    expect(tier.options.map((o) => o.value)).toEqual(['gold', 'silver', 'bronze']);
    expect(tier.hubspotDefined).toBeUndefined();
    expect(props.results.find((p) => p.name === 'name')!.hubspotDefined).toBe(true);
  });

  it('given the owners API, then owners have emails', async () => {
    const owners = await client.crm.owners.ownersApi.getPage(undefined, undefined, 100);
    expect(owners.results.length).toBeGreaterThanOrEqual(3);
    expect(owners.results[0]!.email).toMatch(/@nexus-demo-freight\.com$/);
  });

  it('given a search on lastmodifieddate, then total, results and paging match the filter', async () => {
    const res = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'lastmodifieddate', operator: 'GTE' as never, value: String(Date.parse('2023-01-01T00:00:00Z')) }] }],
      sorts: ['lastmodifieddate'], properties: ['email'], limit: 50, after: '0',
    });
    expect(res.total).toBe(390);
    expect(res.results).toHaveLength(50);
    expect(res.paging?.next?.after).toBe('50');
  });

  it('given associations v4 batch read, then contacts map to their company with a Primary label', async () => {
    const contact = (await client.crm.contacts.basicApi.getPage(1)).results[0]!;
    const res = await client.crm.associations.v4.batchApi.getPage('contacts', 'companies', { inputs: [{ id: contact.id }] });
    expect(res.results).toHaveLength(1);
    expect(res.results[0]!.to[0]!.associationTypes.map((t) => t.label)).toContain('Primary');
  });

  it('given the OAuth refresh grant, then a token is issued that the client can use', async () => {
    const c = em.credentials;
    const tokens = await client.oauth.tokensApi.create('refresh_token', undefined, undefined, c['clientId'], c['clientSecret'], c['refreshToken']);
    expect(tokens.expiresIn).toBe(1800);
    const oauthClient = new Client({ accessToken: tokens.accessToken, basePath: em.url, numberOfApiCallRetries: 0 });
    expect((await oauthClient.crm.companies.basicApi.getPage(1)).results).toHaveLength(1);
  });

  it('given a wrong token, then the client gets 401 with category INVALID_AUTHENTICATION', async () => {
    const bad = new Client({ accessToken: 'pat-na1-wrong', basePath: em.url, numberOfApiCallRetries: 0 });
    const err = (await bad.crm.companies.basicApi.getPage(1).catch((e: unknown) => e)) as { code: number; body: { category: string } };
    expect(err.code).toBe(401);
    expect(err.body.category).toBe('INVALID_AUTHENTICATION');
  });
});
