import { afterEach, describe, expect, it } from 'vitest';
import { RecordBatchSchema, type Checkpoint, type RecordBatch } from '../../shared/record-batch.ts';
import { startEmulator, type SalesforceEmulatorHandle } from './emulator/index.ts';
import { authorizeUrl, createConnector, exchangeAuthorizationCode, ReauthorizeRequiredError, type SalesforceConnectorOptions } from './index.ts';
import { loginUrl } from './auth.ts';
import type { SalesforceReadTuning } from './connector.ts';

const open: SalesforceEmulatorHandle[] = [];
afterEach(async () => { while (open.length) await open.pop()!.close(); });

async function emulator(opts: Partial<Parameters<typeof startEmulator>[0]> = {}): Promise<SalesforceEmulatorHandle> {
  const em = await startEmulator({ records: 40, seed: 11, ...opts });
  open.push(em);
  return em;
}

function connect(em: SalesforceEmulatorHandle, tuning: Partial<SalesforceReadTuning> = {}, extra: Partial<SalesforceConnectorOptions> = {}, credentials = em.credentials) {
  return createConnector({ credentials, baseUrl: em.url, tokenUrl: em.tokenUrl, tuning: { pollIntervalMs: 10, ...tuning }, ...extra });
}

async function collect(it: AsyncIterable<RecordBatch>, stopAfter = Infinity): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of it) {
    RecordBatchSchema.parse(b);
    out.push(b);
    if (out.length >= stopAfter) break;
  }
  return out;
}

const ids = (batches: RecordBatch[]): string[] => batches.flatMap((b) => b.records.map((r) => r.sourceId));

describe('salesforce connector against the emulator', () => {
  it('given a full Bulk read of Account, then every record arrives once, typed, with component address fields and final checkpoint', async () => {
    const em = await emulator();
    const c = connect(em, { bulkPageSize: 15 });
    const batches = await collect(c.read('Account', { batchSize: 8 }));
    expect(batches.map((b) => b.seq)).toEqual(batches.map((_, i) => i));
    expect(batches.at(-1)!.final).toBe(true);
    expect(batches.slice(0, -1).every((b) => !b.final)).toBe(true);
    const all = batches.flatMap((b) => b.records);
    expect(new Set(ids(batches)).size).toBe(40);
    expect(all).toHaveLength(40);
    const a17 = all.find((r) => r.sourceId === em.control.idOf('Account', 17))!;
    expect(a17.fields.ParentId).toBe(em.control.idOf('Account', 10));
    expect(typeof a17.fields.Customs_Broker__c).toBe('boolean');
    expect(typeof a17.fields.NumberOfEmployees).toBe('number');
    expect(a17.fields.SystemModstamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
    expect(a17.fields).toHaveProperty('BillingCity');
    expect(a17.fields).not.toHaveProperty('BillingAddress');
    expect(String(a17.fields.OwnerId)).toMatch(/^005/);
    const end = batches.at(-1)!.checkpoint;
    expect(Object.keys(end).sort()).toEqual(['cursor', 'ids']);
    expect(em.control.stats().bulkJobs).toBe(1);
  });

  it.each<[string, SalesforceReadTuning['extraction']]>([['Bulk API 2.0', 'bulk'], ['REST query', 'rest']])(
    'given a %s read stopped after a batch, then resuming from its checkpoint yields exactly the remaining records',
    async (_name, extraction) => {
      const em = await emulator();
      const full = ids(await collect(connect(em, { extraction, bulkPageSize: 12 }).read('Contact', { batchSize: 7 })));
      expect(full).toHaveLength(80);
      const first = await collect(connect(em, { extraction, bulkPageSize: 12 }).read('Contact', { batchSize: 7 }), 5);
      const rest = await collect(connect(em, { extraction, bulkPageSize: 12 }).read('Contact', { batchSize: 7, checkpoint: first.at(-1)!.checkpoint }));
      expect(rest[0]!.seq).toBe(5);
      expect([...ids(first), ...ids(rest)]).toEqual(full);
    },
  );

  it('given a finished pass, then the next pass returns the edited and deleted records plus only the records at the boundary second', async () => {
    const em = await emulator();
    const c = connect(em);
    const first = await collect(c.read('Contact', { batchSize: 50 }));
    const cp = first.at(-1)!.checkpoint;
    const boundary = cp.ids as string[];
    expect(boundary.length).toBeGreaterThan(0);
    // The boundary second is re-read: a record read at that second can be edited again within it.
    const again = await collect(c.read('Contact', { batchSize: 50, checkpoint: cp }));
    expect(ids(again).sort()).toEqual([...boundary].sort());
    const edited = em.control.modify('Contact', 3, { Title: 'VP Logistics' });
    const deleted = em.control.remove('Contact', 9);
    const second = await collect(c.read('Contact', { batchSize: 50, checkpoint: cp }));
    const recs = second.flatMap((b) => b.records).filter((r) => !boundary.includes(r.sourceId));
    expect(recs.map((r) => [r.sourceId, r.op])).toEqual([[edited, 'upsert'], [deleted, 'delete']]);
    expect(recs[0]!.fields.Title).toBe('VP Logistics');
    const third = await collect(c.read('Contact', { batchSize: 50, checkpoint: second.at(-1)!.checkpoint }));
    expect(new Set(ids(third))).toEqual(new Set((second.at(-1)!.checkpoint.ids as string[])));
  });

  it('given a boundary record edited again within the boundary second, then the next pass returns it with its new values', async () => {
    const em = await emulator();
    const c = connect(em);
    const first = await collect(c.read('Contact', { batchSize: 50 }));
    const cp = first.at(-1)!.checkpoint;
    const last = em.control.count('Contact') - 1;
    const id = em.control.modify('Contact', last, { Title: 'Same Second' }, String(cp.cursor));
    expect(cp.ids).toContain(id);
    const recs = (await collect(c.read('Contact', { batchSize: 50, checkpoint: cp }))).flatMap((b) => b.records);
    expect(recs.find((r) => r.sourceId === id)?.fields.Title).toBe('Same Second');
  });

  it('given an object Bulk API 2.0 does not support, then it is read through REST query', async () => {
    const em = await emulator();
    const batches = await collect(connect(em).read('OpportunityStage', { batchSize: 100 }));
    expect(ids(batches)).toHaveLength(11);
    expect(em.control.stats().bulkJobs).toBe(0);
  });

  it('given the access token expires mid-run, then it is refreshed and the read completes', async () => {
    const em = await emulator();
    const c = connect(em, { bulkPageSize: 10 });
    const got: string[] = [];
    let n = 0;
    for await (const b of c.read('Opportunity', { batchSize: 10 })) {
      got.push(...b.records.map((r) => r.sourceId));
      if (n++ === 0) em.control.expireAccessTokens();
    }
    expect(new Set(got).size).toBe(40);
  });

  it('given the refresh token is revoked mid-run, then the read stops with a re-authorize error and resumes from the last checkpoint after re-authorizing', async () => {
    const em = await emulator();
    const full = ids(await collect(connect(em, { bulkPageSize: 10 }).read('Lead', { batchSize: 4 })));
    const got: string[] = [];
    let last: Checkpoint | undefined;
    let error: unknown;
    try {
      for await (const b of connect(em, { bulkPageSize: 10 }).read('Lead', { batchSize: 4 })) {
        got.push(...b.records.map((r) => r.sourceId));
        last = b.checkpoint;
        if (got.length === 8) em.control.revokeRefreshTokens();
      }
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ReauthorizeRequiredError);
    expect((error as Error).message).toMatch(/re-authorize the Salesforce connection/);
    expect((error as Error).message).not.toContain(em.credentials.refresh_token!);
    expect((error as ReauthorizeRequiredError).checkpoint).toEqual(last);
    const fresh = { ...em.credentials, refresh_token: em.control.reauthorize() };
    const rest = await collect(connect(em, { bulkPageSize: 10 }, {}, fresh).read('Lead', { batchSize: 4, checkpoint: last }));
    expect([...got, ...ids(rest)]).toEqual(full);
  });

  it('given client-credentials, then check() connects and reports the daily allowance', async () => {
    const em = await emulator();
    const c = connect(em, {}, {}, { grant_type: 'client_credentials', client_id: em.credentials.client_id!, client_secret: em.credentials.client_secret! });
    const res = await c.check();
    expect(res.ok).toBe(true);
    expect(res.message).toMatch(/daily API requests left/);
  });

  it('given discovery, then standard and custom objects and fields come back with types, picklists and references', async () => {
    const em = await emulator();
    const c = connect(em);
    expect(await c.entities()).toEqual(['User', 'Account', 'Contact', 'Lead', 'Opportunity', 'Task', 'Event', 'Shipment__c']);
    const schema = await c.discover();
    const account = schema.streams.find((s) => s.entity === 'Account')!;
    expect(account).toMatchObject({ primaryKey: ['Id'], cursorField: 'SystemModstamp', supportsIncremental: true, supportsDeletes: true });
    expect(account.fields.find((f) => f.name === 'Region__c')).toMatchObject({ custom: true, picklistValues: ['EMEA', 'NA', 'LATAM', 'APAC'] });
    expect(schema.streams.find((s) => s.entity === 'Task')!.fields.find((f) => f.name === 'WhoId')!.references).toEqual(['Contact', 'Lead']);
    expect(schema.streams.find((s) => s.entity === 'User')!.supportsDeletes).toBe(false);
    const sample = await c.sample!('Shipment__c', 3);
    expect(sample.records).toHaveLength(3);
    expect(sample.records[0]!.fields).toHaveProperty('Account__c');
  });

  it('given 429 bursts and 5xx faults, then retries deliver every record exactly once', async () => {
    const em = await emulator({ seed: 12, faults: { rate429: 0.3, burst429Length: 1, rate5xx: 0.3 } });
    const batches = await collect(connect(em, { extraction: 'rest' }).read('Task', { batchSize: 200 }));
    const got = ids(batches);
    expect(got).toHaveLength(40);
    expect(new Set(got).size).toBe(40);
    expect(em.control.stats().refused).toBeGreaterThan(0);
  });

  it('given records modified during extraction, then the next incremental pass picks up those records and otherwise only the boundary second', async () => {
    const em = await emulator({ faults: { modifyDuringExtraction: 1 } });
    const c = connect(em, { bulkPageSize: 10 });
    const first = await collect(c.read('Account', { batchSize: 10 }));
    expect(ids(first)).toHaveLength(40);
    const editedDuringFirst = em.control.changed('Account');
    expect(editedDuringFirst.length).toBeGreaterThan(0);
    const cp = first.at(-1)!.checkpoint;
    const second = await collect(c.read('Account', { batchSize: 10, checkpoint: cp }));
    expect(new Set(ids(second))).toEqual(new Set([...editedDuringFirst, ...(cp.ids as string[])]));
  });

  it('given the web-server flow, then the authorize redirect code is exchanged for a refresh token the connector reads with', async () => {
    const em = await emulator();
    const redirectUri = 'https://app.example.com/oauth/salesforce/callback';
    const redirect = await fetch(authorizeUrl(em.url, em.credentials.client_id!, redirectUri, 'xyz'), { redirect: 'manual' });
    const code = new URL(redirect.headers.get('location')!).searchParams.get('code')!;
    const issued = await exchangeAuthorizationCode({ login: em.url, clientId: em.credentials.client_id!, clientSecret: em.credentials.client_secret!, redirectUri, code });
    expect(issued.instance_url).toBe(em.url);
    const c = connect(em, {}, {}, { client_id: em.credentials.client_id!, client_secret: em.credentials.client_secret!, refresh_token: issued.refresh_token });
    expect(ids(await collect(c.read('User', { batchSize: 100 })))).toHaveLength(em.control.count('User'));
    await expect(exchangeAuthorizationCode({ login: em.url, clientId: em.credentials.client_id!, clientSecret: em.credentials.client_secret!, redirectUri, code }))
      .rejects.toThrow(/invalid_grant/);
  });

  it('given the emulator revokes the refresh token after a few requests, then the run stops asking for re-authorization', async () => {
    const em = await emulator({ revokeRefreshTokenAfter: 3 });
    await expect(collect(connect(em, { bulkPageSize: 10 }).read('Account', { batchSize: 10 }))).rejects.toThrow(ReauthorizeRequiredError);
  });

  it.each([
    [{}, 'https://login.salesforce.com'],
    [{ environment: 'sandbox' as const }, 'https://test.salesforce.com'],
    [{ loginUrl: 'https://acme.my.salesforce.com/' }, 'https://acme.my.salesforce.com'],
  ])('given login options %j, then the login host is %s', (opts, host) => {
    expect(loginUrl(opts)).toBe(host);
  });

  it('given a checkpoint naming a Bulk job the org no longer has, then the pass is re-read from its lower bound instead of failing', async () => {
    const em = await emulator();
    const first = await collect(connect(em, { bulkPageSize: 10 }).read('Contact', { batchSize: 10 }), 2);
    const cp = first.at(-1)!.checkpoint;
    expect(cp.job).toEqual(expect.any(String));
    const other = await emulator();
    const rest = await collect(connect(other, { bulkPageSize: 10 }).read('Contact', { batchSize: 10, checkpoint: cp }));
    expect(new Set(ids(rest)).size).toBe(80);
  });

  it('given the org runs out of its daily API allowance, then the read stops with a message naming the daily limit', async () => {
    const em = await emulator({ rateLimits: true, limits: { dailyApiRequests: 3, requestsPerSecond: 1000 } });
    await expect(collect(connect(em, { bulkPageSize: 10 }).read('Account', { batchSize: 10 }))).rejects.toThrow(/daily API request allowance/);
  });

  it('given a checkpoint naming a REST query cursor the org no longer has, then the pass is re-read instead of failing', async () => {
    const em = await emulator({ records: 300 });
    const first = await collect(connect(em, { extraction: 'rest' }).read('Contact', { batchSize: 250 }), 2);
    const cp = first.at(-1)!.checkpoint;
    expect((cp.page as { url?: string }).url).toMatch(/\/query\/01g/);
    const other = await emulator({ records: 300 });
    const rest = await collect(connect(other, { extraction: 'rest' }).read('Contact', { batchSize: 250, checkpoint: cp }));
    expect(new Set(ids(rest)).size).toBe(600);
  });
});
