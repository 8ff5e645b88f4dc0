/**
 * The Zoho sandbox's wire format: a Contacts page has the public sample's key paths with the same JSON
 * types (fixtures/, SOURCES.md); `page` stops at the 2,000th record and `page_token` goes past it (the
 * connector reads every record); If-Modified-Since answers 304 when nothing changed and only what did
 * otherwise; deletions list in `/deleted`; spent credits answer 429 TOO_MANY_REQUESTS; Zoho's error bodies.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { RateLimiterRegistry } from '../../sdk/index.ts';
import { createConnector } from '../index.ts';
import { startEmulator, type ZohoEmulatorHandle } from './index.ts';

const sample = JSON.parse(readFileSync(new URL('../fixtures/amplabs_crm_contacts_records_info_page_token.json', import.meta.url), 'utf8')) as unknown;

let em: ZohoEmulatorHandle | undefined;
afterEach(async () => {
  await em?.close();
  em = undefined;
});

/** Dotted key paths → JSON type ("string", "number", "boolean", "null", "object", "array"); array elements collapse to `[]`. */
function typedShape(v: unknown, prefix = '', out = new Map<string, Set<string>>()): Map<string, Set<string>> {
  const type = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
  if (prefix) out.set(prefix, (out.get(prefix) ?? new Set()).add(type));
  if (Array.isArray(v)) for (const x of v) typedShape(x, `${prefix}[]`, out);
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) typedShape(x, prefix ? `${prefix}.${k}` : k, out);
  return out;
}

async function token(h: ZohoEmulatorHandle): Promise<string> {
  const form = new URLSearchParams({ grant_type: 'refresh_token', client_id: h.credentials['clientId']!, client_secret: h.credentials['clientSecret']!, refresh_token: h.credentials['refreshToken']! });
  const body = (await (await fetch(h.tokenUrl, { method: 'POST', body: form })).json()) as { access_token: string; api_domain: string };
  expect(body.api_domain).toBe(h.url);
  return body.access_token;
}

const get = async (h: ZohoEmulatorHandle, t: string, path: string, headers: Record<string, string> = {}) => fetch(`${h.url}${path}`, { headers: { authorization: `Zoho-oauthtoken ${t}`, ...headers } });
const LIST = '/crm/v7/Contacts?fields=Full_Name,Assistant,Created_Time,Created_By&sort_by=id&sort_order=asc';

describe('Zoho sandbox wire format', () => {
  it('given the public Contacts sample, then the sandbox page has each of its key paths with the same types (Assistant aside: not in the sandbox layout)', async () => {
    em = await startEmulator({ records: 1, seed: 3 });
    const res = await get(em, await token(em), `${LIST}&per_page=200`);
    expect(res.status).toBe(200);
    const ours = typedShape(await res.json());
    const theirs = typedShape(sample);
    theirs.delete('data[].Assistant');
    for (const [path, types] of theirs) {
      expect(ours.has(path), path).toBe(true);
      // A key present in only some sample records (Created_Time) is typed by the records that have it.
      for (const t of types) expect([...ours.get(path)!], path).toContain(t);
    }
    const time = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;
    expect((sample as { data: { Created_Time?: string }[] }).data[0]!.Created_Time).toMatch(time);
    const body = (await (await get(em, await token(em), `${LIST}&per_page=1`)).json()) as { data: { Created_Time: string }[]; info: { next_page_token: unknown; more_records: boolean } };
    expect(body.data[0]!.Created_Time).toMatch(time);
    expect([typeof body.info.next_page_token, body.info.more_records]).toEqual(['string', true]);
  });

  it('given 2,200 contacts, then page 11 is refused and the connector reads all of them through page_token', async () => {
    em = await startEmulator({ records: 1100, seed: 3 });
    const t = await token(em);
    const refused = await get(em, t, `${LIST}&page=11&per_page=200`);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ code: 'DISCRETE_PAGINATION_LIMIT_EXCEEDED', status: 'error' });
    const c = createConnector({ credentials: em.credentials, baseUrl: em.url, tokenUrl: em.tokenUrl, rateLimiters: new RateLimiterRegistry() });
    const ids = new Set<string>();
    for await (const b of c.read('Contacts', { batchSize: 500 })) for (const r of b.records) ids.add(r.sourceId);
    await c.close();
    expect(ids.size).toBe(2200);
  });

  it('given If-Modified-Since, then nothing changed answers 304, an edit and a delete answer only themselves', async () => {
    em = await startEmulator({ records: 10, seed: 3 });
    const t = await token(em);
    const since = { 'If-Modified-Since': '2030-01-01T00:00:00+05:30' };
    expect((await get(em, t, LIST, since)).status).toBe(304);
    expect((await get(em, t, '/crm/v7/Contacts/deleted?type=all', since)).status).toBe(304);
    const at = Date.parse('2030-01-02T00:00:00Z');
    const edited = em.control!.modify('Contacts', 3, { Full_Name: 'Edited Person' }, at);
    const deleted = em.control!.remove('Contacts', 5);
    const changed = (await (await get(em, t, LIST, since)).json()) as { data: { id: string; Full_Name: string }[] };
    expect(changed.data.map((d) => [d.id, d.Full_Name])).toEqual([[edited, 'Edited Person']]);
    const gone = (await (await get(em, t, '/crm/v7/Contacts/deleted?type=all')).json()) as { data: { id: string; type: string; deleted_time: string }[] };
    expect(gone.data.map((d) => [d.id, d.type])).toEqual([[deleted, 'recycle']]);
  });

  it('given Zoho errors, then missing fields, a bad token and spent credits answer in its {code, message, status} shape', async () => {
    em = await startEmulator({ records: 3, seed: 3 });
    const t = await token(em);
    expect(await (await get(em, 'nope', LIST)).json()).toMatchObject({ code: 'INVALID_TOKEN', status: 'error' });
    expect(await (await get(em, t, '/crm/v7/Contacts?sort_by=id&sort_order=asc')).json()).toMatchObject({ code: 'REQUIRED_PARAM_MISSING', details: { param: 'fields' }, status: 'error' });
    expect(await (await get(em, t, '/crm/v7/Widgets?fields=Name')).json()).toMatchObject({ code: 'INVALID_MODULE', status: 'error' });
    await em.close();
    // A Free org whose rolling 24 h is full (steady state): the next call waits for the oldest credit to free up.
    em = await startEmulator({ records: 3, seed: 3, rateLimits: true, edition: 'free', steadyState: true });
    const spent = await get(em, await token(em), LIST);
    expect(spent.status).toBe(429);
    expect(await spent.json()).toMatchObject({ code: 'TOO_MANY_REQUESTS', details: { credits_limit: 5000 }, status: 'error' });
    expect(Number(spent.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
