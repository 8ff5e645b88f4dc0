import jsforce from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type SalesforceEmulatorHandle } from './index.ts';

const V = '59.0';

async function token(em: SalesforceEmulatorHandle, form: Record<string, string>): Promise<{ status: number; body: Record<string, string> }> {
  const res = await fetch(em.tokenUrl, { method: 'POST', body: new URLSearchParams(form) });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

async function accessToken(em: SalesforceEmulatorHandle): Promise<string> {
  const { body } = await token(em, { grant_type: 'client_credentials', client_id: em.credentials.client_id!, client_secret: em.credentials.client_secret! });
  return body.access_token!;
}

async function api(em: SalesforceEmulatorHandle, path: string, init: RequestInit = {}): Promise<Response> {
  const at = await accessToken(em);
  return fetch(`${em.url}/services/data/v${V}${path}`, { ...init, headers: { Authorization: `Bearer ${at}`, ...(init.headers as Record<string, string>) } });
}

describe('salesforce emulator through jsforce', () => {
  let em: SalesforceEmulatorHandle;
  beforeAll(async () => { em = await startEmulator({ records: 30, seed: 7 }); });
  afterAll(async () => { await em.close(); });

  it('given the web-server flow, then jsforce authorizes with a code and queries with queryMore', async () => {
    const redirectUri = 'http://localhost:5555/callback';
    const conn = new jsforce.Connection({ oauth2: { loginUrl: em.url, clientId: em.credentials.client_id, clientSecret: em.credentials.client_secret, redirectUri }, version: V });
    const authUrl = conn.oauth2.getAuthorizationUrl({ scope: 'api refresh_token', state: 's1' });
    const redirect = await fetch(authUrl, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    const back = new URL(redirect.headers.get('location')!);
    expect(back.searchParams.get('state')).toBe('s1');
    const info = await conn.authorize(back.searchParams.get('code')!);
    expect(info.organizationId).toBe('00D5g000004ZbCdEAK');
    expect(conn.refreshToken).toMatch(/^5Aep861/);

    const first = await conn.query<{ Id: string }>('SELECT Id, Name FROM Contact', { autoFetch: false, maxFetch: 10000 }, );
    expect(first.totalSize).toBe(60);
    const seen = new Set(first.records.map((r) => r.Id));
    let page = first;
    while (!page.done) {
      page = await conn.queryMore<{ Id: string }>(page.nextRecordsUrl!);
      for (const r of page.records) seen.add(r.Id);
    }
    expect(seen.size).toBe(60);
  });

  it('given an access token that expired mid-session, then jsforce refreshes it and the call succeeds', async () => {
    const conn = new jsforce.Connection({ oauth2: { loginUrl: em.url, clientId: em.credentials.client_id, clientSecret: em.credentials.client_secret }, instanceUrl: em.url, refreshToken: em.credentials.refresh_token, version: V });
    await conn.oauth2.refreshToken(em.credentials.refresh_token!).then((r) => { conn.accessToken = r.access_token; });
    em.control.expireAccessTokens();
    const res = await conn.query('SELECT Id FROM User');
    expect(res.totalSize).toBe(em.control.count('User'));
  });

  it('given accessToken + instanceUrl, then describeGlobal and describe list standard and custom objects and fields', async () => {
    const conn = new jsforce.Connection({ instanceUrl: em.url, accessToken: await accessToken(em), version: V });
    const global = await conn.describeGlobal();
    const names = global.sobjects.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['Account', 'Contact', 'Lead', 'Opportunity', 'Task', 'Event', 'User', 'Shipment__c']));
    expect(global.sobjects.find((s) => s.name === 'Shipment__c')?.custom).toBe(true);
    const account = await conn.sobject('Account').describe();
    const region = account.fields.find((f) => f.name === 'Region__c');
    expect(region).toMatchObject({ custom: true, type: 'picklist' });
    expect(account.fields.find((f) => f.name === 'BillingCity')?.compoundFieldName).toBe('BillingAddress');
    const task = await conn.sobject('Task').describe();
    expect(task.fields.find((f) => f.name === 'WhatId')?.referenceTo).toEqual(['Account', 'Opportunity', 'Shipment__c']);
    const stage = (await conn.sobject('Opportunity').describe()).fields.find((f) => f.name === 'StageName');
    expect(stage?.picklistValues?.map((p) => p.value)).toContain('On Hold - Customs');
  });

  it('given bulk2.query, then jsforce reads every record of the job as CSV', async () => {
    const conn = new jsforce.Connection({ instanceUrl: em.url, accessToken: await accessToken(em), version: V });
    const stream = await conn.bulk2.query('SELECT Id, Name, Region__c FROM Account', { pollInterval: 20, pollTimeout: 10_000 });
    const rows: Array<Record<string, string>> = [];
    for await (const r of stream) rows.push(r as Record<string, string>);
    expect(rows).toHaveLength(30);
    expect(rows[0]!.Id).toBe(em.control.idOf('Account', 0));
  });
});

describe('salesforce emulator wire format', () => {
  let em: SalesforceEmulatorHandle;
  beforeAll(async () => { em = await startEmulator({ records: 25, seed: 3 }); });
  afterAll(async () => { await em.close(); });

  it.each([
    ['a bad SOQL keyword', 'SELEKT Name FROM Account', 'MALFORMED_QUERY', 'unexpected token: SELEKT'],
    ['an unknown field', 'SELECT Nope__c FROM Account', 'INVALID_FIELD', "No such column 'Nope__c'"],
    ['an unknown object', 'SELECT Id FROM Widget__c', 'INVALID_TYPE', "sObject type 'Widget__c'"],
  ])('given %s, then /query answers 400 with [{message, errorCode}]', async (_what, soql, code, message) => {
    const res = await api(em, `/query?q=${encodeURIComponent(soql)}`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as Array<{ message: string; errorCode: string }>;
    expect(Object.keys(body[0]!).sort()).toEqual(['errorCode', 'message']);
    expect(body[0]!.errorCode).toBe(code);
    expect(body[0]!.message).toContain(message);
  });

  it('given a revoked refresh token, then the token endpoint answers invalid_grant like Salesforce', async () => {
    const probe = await startEmulator({ records: 1, seed: 1 });
    try {
      probe.control.revokeRefreshTokens();
      const { status, body } = await token(probe, { grant_type: 'refresh_token', client_id: probe.credentials.client_id!, client_secret: probe.credentials.client_secret!, refresh_token: probe.credentials.refresh_token! });
      expect(status).toBe(400);
      expect(body).toEqual({ error: 'invalid_grant', error_description: 'expired access/refresh token' });
    } finally {
      await probe.close();
    }
  });

  it('given a bulk job paged with maxRecords, then locators chain to "null" and counts add up', async () => {
    const create = await api(em, '/jobs/query', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ operation: 'query', query: 'SELECT Id, LastName FROM Contact' }) });
    const job = (await create.json()) as { id: string; state: string };
    expect(job.state).toBe('UploadComplete');
    let state = '';
    for (let i = 0; i < 5 && state !== 'JobComplete'; i++) state = ((await (await api(em, `/jobs/query/${job.id}`)).json()) as { state: string }).state;
    expect(state).toBe('JobComplete');
    let locator = '';
    const ids: string[] = [];
    const pages: number[] = [];
    do {
      const res = await api(em, `/jobs/query/${job.id}/results?maxRecords=20${locator ? `&locator=${locator}` : ''}`);
      const lines = (await res.text()).trim().split('\n');
      expect(lines[0]).toBe('"Id","LastName"');
      pages.push(Number(res.headers.get('sforce-numberofrecords')));
      ids.push(...lines.slice(1).map((l) => l.split(',')[0]!.replace(/"/g, '')));
      locator = res.headers.get('sforce-locator')!;
    } while (locator !== 'null');
    expect(pages).toEqual([20, 20, 10]);
    expect(new Set(ids).size).toBe(50);
  });

  it('given records edited and deleted, then query hides deletions, queryAll shows IsDeleted and the cursor filter finds both', async () => {
    const before = (await (await api(em, `/query?q=${encodeURIComponent('SELECT Id FROM Lead')}`)).json()) as { totalSize: number };
    const edited = em.control.modify('Lead', 2, { Status: 'Working - Contacted' });
    const deleted = em.control.remove('Lead', 4);
    const since = new Date(Date.now() - 60_000).toISOString();
    const live = (await (await api(em, `/query?q=${encodeURIComponent('SELECT Id FROM Lead')}`)).json()) as { totalSize: number };
    expect(live.totalSize).toBe(before.totalSize - 1);
    const q = `SELECT Id, IsDeleted, Status, SystemModstamp FROM Lead WHERE SystemModstamp >= ${since}`;
    const changed = (await (await api(em, `/queryAll?q=${encodeURIComponent(q)}`)).json()) as { records: Array<Record<string, unknown>> };
    expect(changed.records.map((r) => [r.Id, r.IsDeleted])).toEqual([[edited, false], [deleted, true]]);
    expect(changed.records[0]!.SystemModstamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
  });

  it('given the same seed twice, then the generated org is identical', async () => {
    const other = await startEmulator({ records: 25, seed: 3 });
    try {
      const q = `/query?q=${encodeURIComponent('SELECT Id, Name, Type, ParentId, OwnerId FROM Account')}`;
      const a = (await (await api(em, q)).json()) as { records: unknown[] };
      const b = (await (await api(other, q)).json()) as { records: unknown[] };
      expect(JSON.stringify(b.records)).toBe(JSON.stringify(a.records));
    } finally {
      await other.close();
    }
  });

  it('given rate limits with a ceiling of 2 requests per second, then a burst is refused with 429 REQUEST_LIMIT_EXCEEDED', async () => {
    const limited = await startEmulator({ records: 2, seed: 1, rateLimits: true, limits: { requestsPerSecond: 2 } });
    try {
      const statuses: number[] = [];
      let body: unknown;
      for (let i = 0; i < 4; i++) {
        const res = await api(limited, '/limits');
        statuses.push(res.status);
        if (res.status === 429) { body = await res.json(); expect(res.headers.get('retry-after')).toBe('1'); } else await res.arrayBuffer();
      }
      expect(statuses.slice(0, 2)).toEqual([200, 200]);
      expect(statuses).toContain(429);
      expect(body).toEqual([{ message: expect.any(String), errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    } finally {
      await limited.close();
    }
  });
});
