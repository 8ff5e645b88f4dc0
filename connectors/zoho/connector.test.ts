/**
 * The Zoho connector against recorded and scripted wire data: the public Contacts sample (fixtures/,
 * SOURCES.md) served unchanged parses into records; the API domain comes from the token response;
 * page numbers are followed while no next_page_token is given; a data centre picks its accounts server.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { RecordBatch } from '../../shared/record-batch.ts';
import { RateLimiterRegistry, startScriptedServer, type ScriptedRequest, type ScriptedResponse, type ScriptedServer } from '../sdk/index.ts';
import { isVendorEndpoint } from '../../shared/net/vendor-hosts.ts';
import { createConnector, DATA_CENTRES, UnknownDataCentreError } from './index.ts';

const sample = JSON.parse(readFileSync(new URL('./fixtures/amplabs_crm_contacts_records_info_page_token.json', import.meta.url), 'utf8')) as { data: Record<string, unknown>[] };
const CREDS = { clientId: '1000.CLIENT', clientSecret: 'secret-for-tests', refreshToken: '1000.refresh.token' };
const FIELDS = { fields: ['Full_Name', 'Assistant', 'Created_Time', 'Created_By'].map((api_name) => ({ api_name, data_type: api_name === 'Created_By' ? 'ownerlookup' : 'text' })) };

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A scripted Zoho: the token endpoint names this server as api_domain; `list` answers the module pages. */
async function scripted(list: (req: ScriptedRequest) => ScriptedResponse): Promise<ScriptedServer> {
  const s: ScriptedServer = await startScriptedServer((req) => {
    if (req.path === '/oauth/v2/token') return { body: { access_token: '1000.access.token', api_domain: s.url, token_type: 'Bearer', expires_in: 3600 } };
    if (req.path === '/crm/v7/settings/fields') return { body: FIELDS };
    return list(req);
  });
  return s;
}

async function readAll(entity: string, url: string): Promise<RecordBatch['records']> {
  const c = createConnector({ credentials: CREDS, tokenUrl: `${url}/oauth/v2/token`, rateLimiters: new RateLimiterRegistry() });
  const out: RecordBatch['records'] = [];
  try {
    for await (const b of c.read(entity, { batchSize: 100 })) out.push(...b.records);
  } finally {
    await c.close();
  }
  return out;
}

describe('Zoho connector on recorded and scripted wire data', () => {
  it('given the public Contacts sample served unchanged, then both records parse with their lookup flattened, at the api_domain of the token response', async () => {
    server = await scripted(() => ({ body: sample }));
    const recs = await readAll('Contacts', server.url);
    expect(recs.map((r) => r.sourceId)).toEqual(sample.data.map((d) => d['id']));
    expect(recs[0]).toMatchObject({ op: 'upsert', fields: { Full_Name: 'Ryan Dahl2', Assistant: null, Created_Time: '2024-12-20T10:09:52+03:00', Created_By: '6493490000000486001', Created_By__name: 'Joseph Karage', Created_By__email: 'josephkarage@gmail.com' } });
    expect(recs[1]!.fields['Full_Name']).toBe('Jane Smith');
    const list = server.requests.find((r) => r.path === '/crm/v7/Contacts')!;
    expect(list.headers['authorization']).toBe('Zoho-oauthtoken 1000.access.token');
    expect(Object.fromEntries(list.query)).toMatchObject({ fields: 'Full_Name,Assistant,Created_Time,Created_By', sort_by: 'id', sort_order: 'asc', page: '1', per_page: '200' });
  });

  it('given pages without next_page_token, then the connector asks for the next page number until more_records is false', async () => {
    const ids = (page: number) => [1, 2].map((k) => `64934900000${String(page * 10 + k).padStart(8, '0')}`);
    server = await scripted((req) => {
      const page = Number(req.query.get('page'));
      return { body: { data: ids(page).map((id) => ({ id, Full_Name: `n${id}` })), info: { per_page: 200, next_page_token: null, count: 2, page, more_records: page < 3, sort_by: 'id', sort_order: 'asc' } } };
    });
    const recs = await readAll('Contacts', server.url);
    expect(recs.map((r) => r.sourceId)).toEqual([...ids(1), ...ids(2), ...ids(3)]);
    expect(server.requests.filter((r) => r.path === '/crm/v7/Contacts').map((r) => r.query.get('page'))).toEqual(['1', '2', '3']);
  });

  it.each([['eu', 'https://accounts.zoho.eu/oauth/v2/token'], ['au', 'https://accounts.zoho.com.au/oauth/v2/token'], ['ca', 'https://accounts.zohocloud.ca/oauth/v2/token'], [undefined, 'https://accounts.zoho.com/oauth/v2/token']])(
    'given data centre %s, then the refresh goes to %s', (dc, tokenUrl) => {
      const c = createConnector({ credentials: { ...CREDS, ...(dc ? { dataCentre: dc } : {}) } });
      expect((c.definition.auth as { tokenUrl: string }).tokenUrl).toBe(tokenUrl);
    });

  it('given an unknown data centre, then the connector refuses to start and names the known ones', () => {
    expect(() => createConnector({ credentials: { ...CREDS, dataCentre: 'mars' } })).toThrow(UnknownDataCentreError);
    expect(() => createConnector({ credentials: { ...CREDS, dataCentre: 'mars' } })).toThrow(/us, eu, in, au/);
  });

  it('given every data centre, then its accounts server and API domain are documented Zoho hosts, and look-alikes are not', () => {
    for (const dc of Object.values(DATA_CENTRES)) for (const url of [dc.accounts, dc.api]) expect(isVendorEndpoint('zoho', `${url}/x`), url).toBe(true);
    for (const url of ['https://www.zohoapis.eu.example.com', 'http://www.zohoapis.com', 'https://zohoapis.com.evil.io']) expect(isVendorEndpoint('zoho', url), url).toBe(false);
  });
});
