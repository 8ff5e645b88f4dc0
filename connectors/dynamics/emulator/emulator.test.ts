import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamicsWebApi } from 'dynamics-web-api';
import type { EmulatorHandle } from '../../sdk/index.ts';
import { startEmulator, type DynamicsEmulatorOptions } from './index.ts';

type Json = Record<string, any>;

async function token(emu: EmulatorHandle): Promise<string> {
  const res = await fetch(emu.tokenUrl, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: emu.credentials.client_id!, client_secret: emu.credentials.client_secret!, scope: emu.credentials.scope! }),
  });
  return ((await res.json()) as Json).access_token as string;
}

async function get(emu: EmulatorHandle, pathOrUrl: string, tok: string, prefer?: string): Promise<{ status: number; headers: Headers; body: Json }> {
  const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${emu.url}/api/data/v9.2/${pathOrUrl}`;
  const res = await fetch(url, { headers: { Authorization: `Bearer ${tok}`, Accept: 'application/json', ...(prefer ? { Prefer: prefer } : {}) } });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Json) : {} };
}

async function withEmulator<T>(opts: DynamicsEmulatorOptions, fn: (emu: EmulatorHandle, tok: string) => Promise<T>): Promise<T> {
  const emu = await startEmulator(opts);
  try {
    return await fn(emu, await token(emu));
  } finally {
    await emu.close();
  }
}

describe('Dataverse emulator wire format', () => {
  let emu: EmulatorHandle;
  let tok: string;
  beforeAll(async () => {
    emu = await startEmulator({ records: 23, seed: 42 });
    tok = await token(emu);
  });
  afterAll(async () => {
    await emu.close();
  });

  it.each([
    ['a wrong client secret', { client_secret: 'nope' }, 401, 'invalid_client'],
    ['an unknown client id', { client_id: '00000000-0000-0000-0000-000000000000' }, 400, 'unauthorized_client'],
    ['the authorization_code grant', { grant_type: 'authorization_code' }, 400, 'unsupported_grant_type'],
    ['a scope for another org', { scope: 'https://other.crm.dynamics.com/.default' }, 400, 'invalid_scope'],
  ])('given a token request with %s, then Entra ID refuses it with its documented error', async (_what, override, status, error) => {
    const form = { grant_type: 'client_credentials', client_id: emu.credentials.client_id!, client_secret: emu.credentials.client_secret!, scope: emu.credentials.scope!, ...override };
    const res = await fetch(emu.tokenUrl, { method: 'POST', body: new URLSearchParams(form) });
    const body = (await res.json()) as Json;
    expect(res.status).toBe(status);
    expect(body.error).toBe(error);
    expect(body.error_description).toMatch(/^AADSTS\d+/);
    expect(body.error_codes[0]).toBe(Number(/^AADSTS(\d+)/.exec(body.error_description)![1]));
    expect(body.access_token).toBeUndefined();
  });

  it('given no bearer token, then the Web API answers 401 with a WWW-Authenticate challenge', async () => {
    const res = await fetch(`${emu.url}/api/data/v9.2/accounts`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer authorization_uri=/);
  });

  it('given Prefer odata.maxpagesize=5, then following @odata.nextLink yields every account exactly once with OData headers', async () => {
    const ids: string[] = [];
    let url: string | undefined = 'accounts?$select=name,modifiedon';
    let pages = 0;
    while (url) {
      const res = await get(emu, url, tok, 'odata.maxpagesize=5');
      expect(res.status).toBe(200);
      expect(res.headers.get('odata-version')).toBe('4.0');
      expect(res.headers.get('preference-applied')).toBe('odata.maxpagesize=5');
      expect(res.body['@odata.context']).toBe(`${emu.url}/api/data/v9.2/$metadata#accounts(name,modifiedon)`);
      for (const r of res.body.value as Json[]) {
        expect(r['@odata.etag']).toMatch(/^W\/"\d+"$/);
        expect(Object.keys(r).sort()).toEqual(['@odata.etag', 'accountid', 'modifiedon', 'name']);
        ids.push(r.accountid);
      }
      url = res.body['@odata.nextLink'];
      if (url) expect(url).toMatch(/\$skiptoken=%3Ccookie%20pagenumber%3D%22\d+%22%20pagingcookie%3D/);
      pages++;
    }
    expect(pages).toBe(5);
    expect(ids).toHaveLength(23);
    expect(new Set(ids).size).toBe(23);
  });

  it('given the same seed twice, then the data is identical; given another seed, then it differs', async () => {
    const page = async (seed: number) =>
      withEmulator({ records: 5, seed }, async (e, t) => (await get(e, 'contacts?$select=fullname,emailaddress1', t)).body.value as Json[]);
    const [a, b, c] = [await page(7), await page(7), await page(8)];
    expect(a).toEqual(b);
    expect(a).toHaveLength(10);
    expect(a).not.toEqual(c);
  });

  it.each([
    ['ge', 23 - 3],
    ['gt', 23 - 6],
  ])('given $filter=modifiedon %s the time of record 4 (ties with records 3 and 5), then %i accounts match', async (op, expected) => {
    const all = (await get(emu, 'accounts?$select=modifiedon', tok)).body.value as Json[];
    const t = all[4]!.modifiedon as string;
    expect(all[3]!.modifiedon).toBe(t);
    expect(all[5]!.modifiedon).toBe(t);
    const res = await get(emu, `accounts?$select=modifiedon&$filter=modifiedon ${op} ${t}&$orderby=modifiedon asc`, tok);
    expect(res.body.value).toHaveLength(expected);
    for (const r of res.body.value as Json[]) expect(op === 'ge' ? r.modifiedon >= t : r.modifiedon > t).toBe(true);
  });

  it.each([
    ['an unknown column', 'accounts?$select=nosuchcolumn', 400, '0x80060888', /Could not find a property named 'nosuchcolumn'/],
    ['an unknown entity set', 'quotes', 404, '0x8006088a', /Resource not found for the segment 'quotes'/],
    ['an unsupported order', 'accounts?$orderby=name desc', 400, '0x80060888', /orders accounts by/],
    ['an unknown record', 'accounts(00000000-0000-0000-0000-000000000000)', 404, '0x80040217', /Does Not Exist/],
  ])('given %s, then the error body is {"error":{"code","message"}}', async (_what, path, status, code, message) => {
    const res = await get(emu, path, tok);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toMatch(message);
  });

  it('given $top=3, then three records come back and no nextLink', async () => {
    const res = await get(emu, 'leads?$top=3', tok, 'odata.maxpagesize=2');
    expect(res.body.value).toHaveLength(3);
    expect(res.body['@odata.nextLink']).toBeUndefined();
  });

  it('given no include-annotations preference, then records carry no annotations; given "*", then lookups and option sets are annotated', async () => {
    const plain = (await get(emu, 'tasks?$top=20', tok)).body.value as Json[];
    expect(plain.flatMap((r) => Object.keys(r)).filter((k) => k.includes('@') && k !== '@odata.etag')).toEqual([]);
    const rich = (await get(emu, 'tasks?$top=20', tok, 'odata.include-annotations="*"')).body.value as Json[];
    const kinds = new Set(rich.map((r) => r['_regardingobjectid_value@Microsoft.Dynamics.CRM.lookuplogicalname']).filter(Boolean));
    expect(kinds.size).toBeGreaterThan(1);
    for (const k of kinds) expect(['account', 'contact', 'opportunity', 'lead']).toContain(k);
    expect(rich[0]!['statecode@OData.Community.Display.V1.FormattedValue']).toMatch(/^(Open|Completed|Canceled)$/);
  });

  it('given EntityDefinitions requests, then custom attributes, lookup targets and option sets are described', async () => {
    const def = (await get(emu, "EntityDefinitions(LogicalName='account')?$expand=Attributes", tok)).body;
    expect(def).toMatchObject({ LogicalName: 'account', EntitySetName: 'accounts', PrimaryIdAttribute: 'accountid' });
    const attrs = def.Attributes as Json[];
    expect(attrs.find((a) => a.LogicalName === 'new_region')).toMatchObject({ IsCustomAttribute: true, AttributeType: 'String' });
    expect(attrs.find((a) => a.LogicalName === 'ownerid')).toMatchObject({ AttributeType: 'Owner', Targets: ['systemuser', 'team'] });
    expect(attrs.find((a) => a.LogicalName === 'owneridname')).toMatchObject({ AttributeOf: 'ownerid' });
    const picklists = (await get(emu, "EntityDefinitions(LogicalName='account')/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet", tok)).body.value as Json[];
    const tier = picklists.find((a) => a.LogicalName === 'new_tier')!;
    expect(tier.OptionSet.Options.map((o: Json) => o.Value)).toEqual([100000000, 100000001, 100000002]);
    const statuses = (await get(emu, "EntityDefinitions(LogicalName='lead')/Attributes/Microsoft.Dynamics.CRM.StatusAttributeMetadata", tok)).body.value as Json[];
    expect(statuses[0]!.OptionSet.Options.find((o: Json) => o.Value === 3)).toMatchObject({ State: 1 });
  });

  it('given business units and users, then every user has an email and belongs to a served business unit', async () => {
    const bus = ((await get(emu, 'businessunits', tok)).body.value as Json[]).map((b) => b.businessunitid);
    const users = (await get(emu, 'systemusers', tok)).body.value as Json[];
    expect(bus).toHaveLength(5);
    expect(users.length).toBeGreaterThanOrEqual(5);
    for (const u of users) {
      expect(u.internalemailaddress).toMatch(/^[a-z.]+\d+@/);
      expect(bus).toContain(u._businessunitid_value);
    }
  });
});

describe('Dataverse emulator at scale, limits and faults', () => {
  it('given a million accounts, then a page near the end is served without materialising the table', async () => {
    await withEmulator({ records: 1_000_000, seed: 1 }, async (emu, tok) => {
      const first = (await get(emu, 'accounts?$top=1&$select=modifiedon', tok)).body.value[0] as Json;
      const lastGroup = Date.parse(first.modifiedon) + Math.floor(999_999 / 3) * 41_000;
      const iso = new Date(lastGroup).toISOString().replace('.000Z', 'Z');
      const res = await get(emu, `accounts?$select=accountnumber&$filter=modifiedon ge ${iso}`, tok);
      expect(res.body.value.map((r: Json) => r.accountnumber)).toEqual(['ACC-1000000']);
    });
  });

  it('given service protection limits of 3 requests per window, then the 4th request gets 429 with Retry-After and the x-ms-ratelimit headers count down', async () => {
    await withEmulator({ records: 3, seed: 1, rateLimits: true, limits: { requests: 3, windowSeconds: 60 } }, async (emu, tok) => {
      const remaining: (string | null)[] = [];
      for (let i = 0; i < 3; i++) remaining.push((await get(emu, 'accounts?$top=1', tok)).headers.get('x-ms-ratelimit-burst-remaining-xrm-requests'));
      expect(remaining).toEqual(['2', '1', '0']);
      const limited = await get(emu, 'accounts?$top=1', tok);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(59);
      expect(limited.body.error.code).toBe('0x80072322');
      expect(limited.body.error.message).toMatch(/exceeded the limit of 3 over time window of 60 seconds/);
    });
  });

  it.each([
    ['a 429 burst', { rate429: 1, burst429Length: 2 }, [429, 429]],
    ['server errors', { rate5xx: 1 }, [500, 503]],
  ])('given faults with %s, then requests fail the documented way', async (_what, faults, statuses) => {
    await withEmulator({ records: 3, seed: 3, faults }, async (emu, tok) => {
      const seen = new Set<number>();
      for (let i = 0; i < 8; i++) {
        const res = await get(emu, 'accounts', tok);
        seen.add(res.status);
        expect(res.body.error.code).toMatch(/^0x8004|^0x8007/);
        if (res.status === 429) expect(res.headers.get('retry-after')).toBe('1');
      }
      for (const s of statuses) expect(seen).toContain(s);
    });
  });

  it('given a token request budget of 2, then the third request with that token is refused with 401', async () => {
    await withEmulator({ records: 3, seed: 3, tokenRequestBudget: 2 }, async (emu, tok) => {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await get(emu, 'accounts', tok)).status);
      expect(statuses).toEqual([200, 200, 401]);
    });
  });

  it('given a 1-second token lifetime, then the token is refused once it has expired', async () => {
    await withEmulator({ records: 3, seed: 3, faults: { tokenTtlSeconds: 1 } }, async (emu, tok) => {
      expect((await get(emu, 'accounts', tok)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await get(emu, 'accounts', tok)).status).toBe(401);
    });
  });
});

describe('Dataverse emulator with the dynamics-web-api client, unchanged', () => {
  it('given serverUrl and onTokenRefresh, then retrieveAll, retrieve, annotations and retrieveEntities work', async () => {
    await withEmulator({ records: 12, seed: 9 }, async (emu) => {
      let refreshes = 0;
      const api = new DynamicsWebApi({
        serverUrl: emu.url,
        dataApi: { version: '9.2' },
        onTokenRefresh: async () => {
          refreshes++;
          return token(emu);
        },
      });
      const all = await api.retrieveAll<Json>({ collection: 'contacts', select: ['fullname', 'modifiedon'], maxPageSize: 5 });
      expect(all.value).toHaveLength(24);
      expect(new Set(all.value.map((c) => c.contactid)).size).toBe(24);
      const one = await api.retrieve<Json>({ collection: 'accounts', key: all.value[0]!._parentcustomerid_value ?? (await api.retrieveMultiple<Json>({ collection: 'accounts', top: 1 })).value[0]!.accountid, select: ['name', 'customertypecode'], includeAnnotations: 'OData.Community.Display.V1.FormattedValue' });
      expect(one.name).toMatch(/#\d+$/);
      expect(one['customertypecode@OData.Community.Display.V1.FormattedValue']).toEqual(expect.any(String));
      const page = await api.retrieveMultiple<Json>({ collection: 'opportunities', maxPageSize: 2, select: ['name', 'salesstage', '_customerid_value'], includeAnnotations: '*' });
      expect(page.value).toHaveLength(2);
      expect(page.oDataNextLink).toEqual(expect.stringContaining('$skiptoken='));
      expect(['account', 'contact']).toContain(page.value[0]!['_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname']);
      const entities = await api.retrieveEntities<Json>({ select: ['LogicalName', 'EntitySetName'] });
      expect(entities.value.map((e) => e.LogicalName)).toEqual(expect.arrayContaining(['account', 'businessunit', 'systemuser', 'phonecall']));
      expect(refreshes).toBeGreaterThanOrEqual(1);
    });
  });
});
