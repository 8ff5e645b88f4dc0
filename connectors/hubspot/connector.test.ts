import { afterEach, describe, expect, it } from 'vitest';
import type { RecordBatch } from '../../shared/record-batch.ts';
import { RecordBatchSchema } from '../../shared/record-batch.ts';
import { fastClock, RateLimiterRegistry, type DeclarativeSourceConnector } from '../sdk/index.ts';
import type { FaultOptions } from '../sdk/index.ts';
import { startEmulator, type HubSpotEmulatorHandle } from './emulator/index.ts';
import { createConnector } from './index.ts';

let em: HubSpotEmulatorHandle | undefined;
afterEach(async () => {
  await em?.close();
  em = undefined;
});

async function setup(records: number, opts: { faults?: FaultOptions; rateLimits?: boolean; oauth?: boolean; searchCap?: number; maxPropertiesQueryLength?: number } = {}) {
  em = await startEmulator({ records, seed: 11, faults: opts.faults, rateLimits: opts.rateLimits });
  const creds: Record<string, string> = opts.oauth
    ? { clientId: em.credentials['clientId']!, clientSecret: em.credentials['clientSecret']!, refreshToken: em.credentials['refreshToken']!, accessToken: 'stale-access-token-0000' }
    : { accessToken: em.credentials['accessToken']! };
  const clock = fastClock();
  const connector = createConnector({ credentials: creds, baseUrl: em.url, tokenUrl: em.tokenUrl, clock, rateLimiters: new RateLimiterRegistry(clock), searchCap: opts.searchCap, maxPropertiesQueryLength: opts.maxPropertiesQueryLength });
  return { em, connector };
}

async function readAll(c: DeclarativeSourceConnector, entity: string, checkpoint?: RecordBatch['checkpoint'], batchSize = 70): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of c.read(entity, { batchSize, checkpoint })) out.push(b);
  return out;
}
const ids = (bs: RecordBatch[]): string[] => bs.flatMap((b) => b.records.map((r) => r.sourceId));

describe('HubSpot connector against the emulator', () => {
  it.each([
    ['companies', 120], ['contacts', 360], ['deals', 120], ['calls', 120], ['meetings', 120], ['tasks', 120], ['notes', 120], ['owners', 3],
  ])('given 120 companies, then %s yields %i distinct records in valid batches', async (entity, count) => {
    const { connector } = await setup(120);
    const batches = await readAll(connector, entity);
    expect(new Set(ids(batches)).size).toBe(count);
    expect(ids(batches)).toHaveLength(count);
    for (const b of batches) RecordBatchSchema.parse(b);
    expect(batches.at(-1)!.final).toBe(true);
  });

  it('given deals, then each carries its associations and every property, custom ones included', async () => {
    const { connector } = await setup(5);
    const rec = (await readAll(connector, 'deals'))[0]!.records[0]!;
    expect(rec.fields['associated_company_id']).toBe('20000000000');
    expect(rec.fields['associated_contact_id']).toBe('30000000000');
    expect(rec.fields).toHaveProperty('freight_mode');
    expect(rec.fields).toHaveProperty('dealstage');
  });

  it('given a checkpoint from the middle of a pass, then resuming yields exactly the remaining contacts', async () => {
    const { connector } = await setup(60);
    const batches = await readAll(connector, 'contacts', undefined, 45);
    const all = ids(batches);
    const resumed = await readAll(connector, 'contacts', batches[1]!.checkpoint, 45);
    expect(ids(resumed)).toEqual(all.slice(90));
  });

  it('given a finished pass and records modified afterwards, then the incremental pass (search windows) reads exactly those', async () => {
    const { em, connector } = await setup(80);
    const cp = (await readAll(connector, 'companies')).at(-1)!.checkpoint;
    const now = Date.now() - 1000; // modified a second before the next pass starts
    for (const i of [3, 40, 77]) em.dataset.touch('companies', i, now);
    const next = await readAll(connector, 'companies', cp);
    // the three modified records, plus the records at the old cursor that the 60 s lookback re-reads
    expect(ids(next).sort()).toEqual(['20000000003', '20000000040', '20000000077', '20000000078', '20000000079']);
    expect(next.at(-1)!.checkpoint['cursor']).toBe(new Date(now).toISOString());
  });

  it('given companies archived after a pass, then the incremental pass emits them as deletes and lists no longer show them', async () => {
    const { em, connector } = await setup(40);
    const cp = (await readAll(connector, 'companies')).at(-1)!.checkpoint;
    const at = Date.now() - 1000;
    em.dataset.archive('companies', 5, at);
    em.dataset.archive('companies', 6, at);
    em.dataset.touch('companies', 7, at);
    const next = await readAll(connector, 'companies', cp, 2);
    const ops = Object.fromEntries(next.flatMap((b) => b.records).map((r) => [r.sourceId, r.op]));
    expect(ops).toMatchObject({ '20000000005': 'delete', '20000000006': 'delete', '20000000007': 'upsert' });
    // resuming from the batch that ended with the first delete yields the second delete and the end of the pass
    const firstDelete = next.findIndex((b) => b.records.some((r) => r.sourceId === '20000000005'));
    const rest = ids(await readAll(connector, 'companies', next[firstDelete]!.checkpoint, 2));
    expect(rest).toEqual(next.slice(firstDelete + 1).flatMap((b) => b.records.map((r) => r.sourceId)));
    expect(ids(await readAll(connector, 'companies'))).toHaveLength(38);
  });

  it('given an incremental window larger than the search cap, then windows are split and nothing is lost or repeated', async () => {
    const { em, connector } = await setup(100, { searchCap: 30 });
    const since = { cursor: '2022-01-01T00:00:00.000Z', ids: [] };
    const got = ids(await readAll(connector, 'companies', since));
    expect(got).toHaveLength(100);
    expect(new Set(got).size).toBe(100);
    expect(em.emulator.stats.requests).toBeGreaterThan(5);
  });

  it('given more properties than fit in a query string, then the full pass pages through search windows and resumes there', async () => {
    const { em, connector } = await setup(90, { searchCap: 40, maxPropertiesQueryLength: 10 });
    const batches = await readAll(connector, 'companies', undefined, 25);
    const got = ids(batches);
    expect(got).toHaveLength(90);
    expect(new Set(got).size).toBe(90);
    expect(batches[0]!.records[0]!.fields).toHaveProperty('nexus_tier');
    expect(String((batches[0]!.checkpoint['page'] as { token: string }).token)).toMatch(/"from":/);
    expect(ids(await readAll(connector, 'companies', batches[1]!.checkpoint, 25))).toEqual(got.slice(50));
    expect(em.emulator.stats.requests).toBeGreaterThan(3);
  });

  it('given OAuth credentials with a stale access token and a 60 s token lifetime, then it refreshes and reads everything', async () => {
    const { connector } = await setup(30, { oauth: true, faults: { tokenTtlSeconds: 60 } });
    expect(ids(await readAll(connector, 'contacts'))).toHaveLength(90);
    expect(connector.http.stats.refreshes).toBeGreaterThanOrEqual(1);
  });

  it('given 429 bursts and 5xx faults, then every record still arrives exactly once', async () => {
    const { em, connector } = await setup(150, { faults: { rate429: 0.15, burst429Length: 2, rate5xx: 0.15 } });
    const got = ids(await readAll(connector, 'contacts'));
    expect(got).toHaveLength(450);
    expect(new Set(got).size).toBe(450);
    expect(em.emulator.stats.faults).toBeGreaterThan(0);
    expect(connector.http.stats.retries + connector.http.stats.rateLimited).toBeGreaterThan(0);
  });

  it('given records modified during extraction, then the next incremental pass picks them up', async () => {
    const { em, connector } = await setup(200, { faults: { modifyDuringExtraction: 1 } });
    const cp = (await readAll(connector, 'companies')).at(-1)!.checkpoint;
    const modified = em.dataset.modifiedEntries('companies').filter(([, at]) => at >= Date.parse(String(cp['cursor'])));
    expect(modified.length).toBeGreaterThan(0);
    const next = ids(await readAll(connector, 'companies', cp));
    for (const [i] of modified) expect(next).toContain(em.dataset.idOf('companies', i));
  });

  it('given discover(), then custom properties are flagged and the deal stage picklist is listed', async () => {
    const { connector } = await setup(3);
    const schema = await connector.discover();
    const companies = schema.streams.find((s) => s.entity === 'companies')!;
    expect(companies.fields.find((f) => f.name === 'nexus_tier')).toMatchObject({ custom: true, picklistValues: ['gold', 'silver', 'bronze'] });
    expect(companies.fields.find((f) => f.name === 'name')).toMatchObject({ custom: false, type: 'string' });
    const deals = schema.streams.find((s) => s.entity === 'deals')!;
    expect(deals.fields.find((f) => f.name === 'dealstage')!.picklistValues).toContain('closedwon');
    expect(schema.streams.map((s) => s.entity)).toContain('owners');
  });

  it('given a wrong private-app token, then check() fails with re-authorize and does not echo the token', async () => {
    em = await startEmulator({ records: 1, seed: 1 });
    const c = createConnector({ credentials: { accessToken: 'pat-na1-not-the-right-token' }, baseUrl: em.url, rateLimiters: new RateLimiterRegistry() });
    const res = await c.check();
    expect(res.ok).toBe(false);
    expect(res.message).toMatch(/re-authorize.*status=401.*INVALID_AUTHENTICATION/);
    expect(res.message).not.toContain('pat-na1-not-the-right-token');
  });

  it('given real rate limits, then responses carry X-HubSpot-RateLimit-* headers and the 101st request in 10 s is a 429 RATE_LIMIT', async () => {
    em = await startEmulator({ records: 1, seed: 1, rateLimits: true });
    const headers = { authorization: `Bearer ${em.credentials['accessToken']}` };
    const first = await fetch(`${em.url}/crm/v3/objects/companies?limit=1`, { headers });
    expect(first.headers.get('x-hubspot-ratelimit-max')).toBe('100');
    expect(first.headers.get('x-hubspot-ratelimit-remaining')).toBe('99');
    expect(first.headers.get('x-hubspot-ratelimit-daily-remaining')).toBe('249999');
    await first.text();
    for (let i = 0; i < 99; i++) await (await fetch(`${em.url}/crm/v3/objects/companies?limit=1`, { headers })).text();
    const limited = await fetch(`${em.url}/crm/v3/objects/companies?limit=1`, { headers });
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ status: 'error', errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' });
  });

  it('given a search page beyond 10,000 results, then the emulator answers 400 like HubSpot', async () => {
    em = await startEmulator({ records: 1, seed: 1 });
    const res = await fetch(`${em.url}/crm/v3/objects/companies/search`, {
      method: 'POST', headers: { authorization: `Bearer ${em.credentials['accessToken']}`, 'content-type': 'application/json' },
      body: JSON.stringify({ limit: 200, after: '9900' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
  });
});
