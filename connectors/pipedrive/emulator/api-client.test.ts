/** The official `pipedrive` npm client (v2 API) works against the emulator with only its basePath changed. */
import { Configuration, DealsApi, DealFieldsApi, PersonsApi } from 'pipedrive/v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type PipedriveEmulatorHandle } from './index.ts';

let em: PipedriveEmulatorHandle;
let config: Configuration;
beforeAll(async () => {
  em = await startEmulator({ records: 130, seed: 42 });
  config = new Configuration({ apiKey: em.credentials['apiToken'], basePath: `${em.url}/api/v2` });
});
afterAll(async () => {
  await em.close();
});

describe('the official pipedrive client against the emulator', () => {
  it('given getDeals with a limit, then pages follow additional_data.next_cursor through every deal', async () => {
    const api = new DealsApi(config);
    const ids: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await api.getDeals({ limit: 50, cursor });
      expect(res.success).toBe(true);
      ids.push(...(res.data ?? []).map((d) => d.id!));
      cursor = res.additional_data?.next_cursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(ids).size).toBe(130);
    const first = await api.getDeal({ id: ids[0]! });
    expect(first.data?.title).toMatch(/^Contract /);
    expect(Object.keys(first.data?.custom_fields ?? {})[0]).toMatch(/^[0-9a-f]{40}$/);
  });

  it('given updated_since, then only persons updated at or after it come back', async () => {
    const all = em.dataset.list('persons');
    const since = all[200]!.update_time;
    const res = await new PersonsApi(config).getPersons({ updated_since: since, limit: 500 });
    expect(res.data!.length).toBe(all.filter((p) => Date.parse(p.update_time) >= Date.parse(since)).length);
    expect(res.data![0]!.emails![0]!.value).toContain('@');
  });

  it('given getDealFields, then custom fields carry hash codes and picklist options', async () => {
    const res = await new DealFieldsApi(config).getDealFields({});
    const lanes = res.data!.find((f) => f.field_name === 'Trade lanes')!;
    expect(lanes.is_custom_field).toBe(true);
    expect(lanes.field_code).toMatch(/^[0-9a-f]{40}$/);
    expect(lanes.options!.map((o) => o.label)).toEqual(['Asia-Europe', 'Transatlantic', 'Intra-Asia']);
  });

  it('given a bad token or limit above 500, then the client rejects with Pipedrive error bodies', async () => {
    const bad = new DealsApi(new Configuration({ apiKey: 'f'.repeat(40), basePath: `${em.url}/api/v2` }));
    // The client's error interceptor rejects with the response body itself.
    const e401 = await bad.getDeals({}).catch((e: unknown) => e);
    expect(e401).toMatchObject({ success: false, errorCode: 401, error: 'unauthorized access' });
    const e400 = await new DealsApi(config).getDeals({ limit: 501 }).catch((e: unknown) => e);
    expect(e400).toMatchObject({ success: false, errorCode: 400, code: 'ERR_SCHEMA_VALIDATION_FAILED' });
  });
});
