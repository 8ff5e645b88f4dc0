import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubspotDefinition } from '../definition.ts';
import { readAssociationsBatch, readListPage, readSearchPage } from '../readers.ts';
import { startEmulator, type HubSpotEmulatorHandle } from './index.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));
const fixture = (f: string): Record<string, unknown> => JSON.parse(readFileSync(`${FIXTURES}/${f}`, 'utf8')) as Record<string, unknown>;
const contacts = hubspotDefinition.streams.find((s) => s.name === 'contacts')!;

/** Sorted key paths of a JSON value, with array elements collapsed to their first item. */
function shape(v: unknown, prefix = ''): string[] {
  if (Array.isArray(v)) return v.length ? shape(v[0], `${prefix}[]`) : [`${prefix}[]`];
  if (v && typeof v === 'object') {
    return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => k === 'properties' ? [`${prefix}.${k}`] : [`${prefix}.${k}`, ...shape(x, `${prefix}.${k}`)]);
  }
  return [];
}

let em: HubSpotEmulatorHandle;
let auth: Record<string, string>;
beforeAll(async () => {
  em = await startEmulator({ records: 300, seed: 4 });
  auth = { authorization: `Bearer ${em.credentials['accessToken']}`, 'content-type': 'application/json' };
});
afterAll(async () => {
  await em.close();
});

describe('emulator wire format matches the public samples', () => {
  it('given a contacts list page, then it has the fixture keys (paging.next.after and link) and parses through readListPage', async () => {
    const body = (await (await fetch(`${em.url}/crm/v3/objects/contacts?limit=3&properties=listId,name`, { headers: auth })).json()) as Record<string, unknown>;
    expect(new Set(shape(body))).toEqual(new Set(shape(fixture('amplabs_crm_v3_contacts_list_paging_next_link.json'))));
    const page = readListPage(body, contacts);
    expect(page.records).toHaveLength(3);
    expect(page.next).toEqual({ token: '3' });
    expect((body['results'] as { createdAt: string }[])[0]!.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('given a contacts search page, then it has the fixture keys (total, url, after only) and parses through readSearchPage', async () => {
    const res = await fetch(`${em.url}/crm/v3/objects/contacts/search`, { method: 'POST', headers: auth, body: JSON.stringify({ limit: 1, properties: ['email', 'firstname', 'lastname', 'phone', 'company', 'website'] }) });
    const body = (await res.json()) as Record<string, unknown>;
    expect(new Set(shape(body))).toEqual(new Set(shape(fixture('amplabs_crm_v3_contacts_search_page1_paging_after.json'))));
    expect(readSearchPage(body, contacts)).toMatchObject({ total: 900, next: { token: '1' } });
  });

  it('given an associations batch read with a missing id, then it has the fixture keys and a 207 status', async () => {
    const res = await fetch(`${em.url}/crm/v4/associations/contacts/companies/batch/read`, { method: 'POST', headers: auth, body: JSON.stringify({ inputs: [{ id: '30000000000' }, { id: '103107104018' }] }) });
    expect(res.status).toBe(207);
    const body = (await res.json()) as Record<string, unknown>;
    expect(new Set(shape(body))).toEqual(new Set(shape(fixture('amplabs_associations_v4_batch_read_contacts_to_companies.json'))));
    const a = readAssociationsBatch(body);
    expect(a.byFromId.get('30000000000')).toEqual([{ toId: '20000000000', primary: true, typeIds: [1, 279] }]);
    expect(a.withoutAssociations).toEqual(['103107104018']);
  });
});
