/**
 * The public Pipedrive samples in fixtures/ (see SOURCES.md) parse through the connector unchanged, and
 * the emulator serves the same shapes: every key of a sample's envelope and records is in the emulator's.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiterRegistry, startScriptedServer, type ScriptedServer } from '../sdk/index.ts';
import { startEmulator, type PipedriveEmulatorHandle } from './emulator/index.ts';
import { createConnector } from './index.ts';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
const deals = fixture('amplabs_v2_deals_with_custom_fields_next_cursor.json');
const activitiesV1 = fixture('amplabs_v1_activities_additional_data_pagination.json');

/** Dotted key paths of a JSON value (array elements collapse to `[]`), ignoring values. */
function shape(v: unknown, prefix = '', out = new Set<string>(), skipUnder: string[] = []): Set<string> {
  if (Array.isArray(v)) {
    for (const x of v) shape(x, `${prefix}[]`, out, skipUnder);
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const p = prefix ? `${prefix}.${k}` : k;
      out.add(p);
      if (!skipUnder.includes(p)) shape(x, p, out, skipUnder);
    }
  }
  return out;
}

let em: PipedriveEmulatorHandle;
let scripted: ScriptedServer | undefined;
beforeAll(async () => {
  em = await startEmulator({ records: 3, seed: 1 });
});
afterAll(async () => {
  await em.close();
  await scripted?.close();
});

describe('Pipedrive public samples against the connector and the emulator', () => {
  it('given the v2 deals sample served as-is, then the connector emits its deal with the custom field under its hash key', async () => {
    scripted = await startScriptedServer(() => ({ status: 200, body: deals }));
    const c = createConnector({ credentials: { apiToken: 'x'.repeat(40) }, baseUrl: scripted.url, rateLimiters: new RateLimiterRegistry() });
    const batches = [];
    for await (const b of c.read('deals', { batchSize: 100 })) batches.push(b);
    await c.close();
    const recs = batches.flatMap((b) => b.records);
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({ sourceId: '1', op: 'upsert', fields: { title: 'Acme Corp Deal', value: 5000, currency: 'USD', status: 'open', a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2: '2025-06-15' } });
    expect(scripted.requests[0]!.path).toBe('/api/v2/deals');
    expect(scripted.requests[0]!.headers['x-api-token']).toBe('x'.repeat(40));
  });

  it('given the emulator deals page, then it has every key path of the v2 sample (custom field keys aside)', async () => {
    const res = await fetch(`${em.url}/api/v2/deals?limit=2`, { headers: { 'x-api-token': em.credentials['apiToken']! } });
    const ours = shape(await res.json(), '', new Set(), ['data[].custom_fields']);
    for (const p of shape(deals, '', new Set(), ['data[].custom_fields'])) expect(ours.has(p), p).toBe(true);
    const body = (await (await fetch(`${em.url}/api/v2/deals?limit=1`, { headers: { 'x-api-token': em.credentials['apiToken']! } })).json()) as { data: { custom_fields: Record<string, unknown> }[]; additional_data: { next_cursor: string | null } };
    for (const k of Object.keys(body.data[0]!.custom_fields)) expect(k).toMatch(/^[0-9a-f]{40}$/);
    expect(typeof body.additional_data.next_cursor).toBe('string');
  });

  it('given the v1 pagination sample, then the emulator notes page carries the same success/data/additional_data.pagination envelope', async () => {
    const res = await fetch(`${em.url}/v1/notes?limit=2`, { headers: { 'x-api-token': em.credentials['apiToken']! } });
    const ours = shape(await res.json(), '', new Set(), ['data']);
    const theirs = shape(activitiesV1, '', new Set(), ['data', 'related_objects']);
    theirs.delete('related_objects');
    for (const p of theirs) expect(ours.has(p), p).toBe(true);
    // The sample's v1 "YYYY-MM-DD HH:MM:SS" times are what the emulator's notes carry, and the connector turns them into UTC RFC 3339.
    const sample = (activitiesV1['data'] as { update_time: string }[])[0]!.update_time;
    expect(sample).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(em.dataset.list('notes')[0]!.update_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  });
});
