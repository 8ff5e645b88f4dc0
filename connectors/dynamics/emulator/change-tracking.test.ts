import { describe, expect, it } from 'vitest';
import { DynamicsWebApi } from 'dynamics-web-api';
import { startEmulator, type DynamicsEmulatorHandle, type DynamicsEmulatorOptions } from './index.ts';

type Json = Record<string, any>;

async function token(emu: DynamicsEmulatorHandle): Promise<string> {
  const res = await fetch(emu.tokenUrl, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: emu.credentials.client_id!, client_secret: emu.credentials.client_secret!, scope: emu.credentials.scope! }),
  });
  return ((await res.json()) as Json).access_token as string;
}

async function get(emu: DynamicsEmulatorHandle, pathOrUrl: string, tok: string, prefer?: string): Promise<{ status: number; headers: Headers; body: Json }> {
  const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${emu.url}/api/data/v9.2/${pathOrUrl}`;
  const res = await fetch(url, { headers: { Authorization: `Bearer ${tok}`, Accept: 'application/json', ...(prefer ? { Prefer: prefer } : {}) } });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Json) : {} };
}

async function withEmulator<T>(opts: DynamicsEmulatorOptions, fn: (emu: DynamicsEmulatorHandle, tok: string) => Promise<T>): Promise<T> {
  const emu = await startEmulator(opts);
  try {
    return await fn(emu, await token(emu));
  } finally {
    await emu.close();
  }
}

/** Follow nextLinks from `first`; returns every page. */
async function allPages(emu: DynamicsEmulatorHandle, first: string, tok: string, prefer: string): Promise<Array<{ headers: Headers; body: Json }>> {
  const pages: Array<{ headers: Headers; body: Json }> = [];
  let url: string | undefined = first;
  while (url) {
    const page = await get(emu, url, tok, prefer);
    expect(page.status).toBe(200);
    pages.push(page);
    url = page.body['@odata.nextLink'];
  }
  return pages;
}

describe('Dataverse emulator change tracking', () => {
  it('given Prefer odata.track-changes, then it is applied and only the last page carries a delta link, which then returns changed records and $deletedEntity entries', async () => {
    await withEmulator({ records: 12, seed: 31 }, async (emu, tok) => {
      const prefer = 'odata.maxpagesize=5,odata.track-changes';
      const pages = await allPages(emu, 'tasks?$select=subject,modifiedon', tok, prefer);
      expect(pages.length).toBe(3);
      for (const p of pages) expect(p.headers.get('preference-applied')).toContain('odata.track-changes');
      expect(pages.slice(0, -1).map((p) => p.body['@odata.deltaLink'])).toEqual([undefined, undefined]);
      const last = pages[pages.length - 1]!.body;
      expect(last['@odata.context']).toMatch(/#tasks\(subject,modifiedon\)\/\$delta$/);
      const deltaLink = String(last['@odata.deltaLink']);
      expect(deltaLink).toMatch(/\/tasks\?\$select=subject,modifiedon&\$deltatoken=\d+/);

      const quiet = await get(emu, deltaLink, tok, 'odata.maxpagesize=5');
      expect(quiet.body.value).toEqual([]);

      const edited = emu.control.modify('task', 1, { subject: 'Call back about the quote' });
      const removed = emu.control.remove('task', 4);
      const delta = await get(emu, deltaLink, tok, 'odata.maxpagesize=5');
      expect(delta.status).toBe(200);
      expect(delta.headers.get('preference-applied')).toContain('odata.track-changes');
      expect(delta.body['@odata.context']).toMatch(/\/\$delta$/);
      expect(delta.body.value).toEqual([
        expect.objectContaining({ activityid: edited, subject: 'Call back about the quote' }),
        { '@odata.context': `${emu.url}/api/data/v9.2/$metadata#tasks/$deletedEntity`, id: removed, reason: 'deleted' },
      ]);
      // The new delta link starts after these changes; the deleted record is gone from queries.
      expect((await get(emu, String(delta.body['@odata.deltaLink']), tok)).body.value).toEqual([]);
      expect((await get(emu, `tasks(${removed})`, tok)).status).toBe(404);
      const ids = (await allPages(emu, 'tasks', tok, 'odata.maxpagesize=5')).flatMap((p) => p.body.value.map((r: Json) => r.activityid));
      expect(ids).toHaveLength(11);
      expect(ids).not.toContain(removed);
    });
  });

  it('given a record deleted while a tracked pass pages, then the pass does not serve it and its delta lists the deletion', async () => {
    await withEmulator({ records: 12, seed: 32 }, async (emu, tok) => {
      const prefer = 'odata.maxpagesize=4,odata.track-changes';
      const first = await get(emu, 'phonecalls', tok, prefer);
      expect(first.body['@odata.nextLink']).toEqual(expect.any(String));
      const removed = emu.control.remove('phonecall', 5);
      const rest = await allPages(emu, String(first.body['@odata.nextLink']), tok, prefer);
      const served = [first, ...rest].flatMap((p) => p.body.value.map((r: Json) => r.activityid));
      expect(served).toHaveLength(5);
      expect(served).not.toContain(removed);
      const delta = await get(emu, String(rest[rest.length - 1]!.body['@odata.deltaLink']), tok);
      expect(delta.body.value).toEqual([expect.objectContaining({ id: removed, reason: 'deleted' })]);
    });
  });

  it('given a table without change tracking, then odata.track-changes is not applied, no delta link is served and $deltatoken is refused', async () => {
    await withEmulator({ records: 6, seed: 33, untrackedTables: ['lead'] }, async (emu, tok) => {
      const page = await get(emu, 'leads', tok, 'odata.track-changes');
      expect(page.status).toBe(200);
      expect(page.headers.get('preference-applied') ?? '').not.toContain('odata.track-changes');
      expect(page.body['@odata.deltaLink']).toBeUndefined();
      const refused = await get(emu, 'leads?$deltatoken=0!01/01/2026 00:00:00', tok);
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe('0x80044197');
    });
  });

  it('given dynamics-web-api with trackChanges, then retrieveAll returns a delta link whose request lists a deleted phone call', async () => {
    await withEmulator({ records: 8, seed: 34 }, async (emu) => {
      const api = new DynamicsWebApi({ serverUrl: emu.url, dataApi: { version: '9.2' }, onTokenRefresh: () => token(emu) });
      const all = await api.retrieveAll<Json>({ collection: 'phonecalls', select: ['subject'], maxPageSize: 3, trackChanges: true });
      expect(all.value).toHaveLength(4);
      expect(all.oDataDeltaLink).toEqual(expect.stringContaining('$deltatoken='));
      const removed = emu.control.remove('phonecall', 0);
      const delta = await api.retrieveMultiple<Json>({ collection: 'phonecalls' }, all.oDataDeltaLink);
      expect(delta.value).toEqual([expect.objectContaining({ id: removed, reason: 'deleted' })]);
      expect(delta.oDataDeltaLink).toEqual(expect.stringContaining('$deltatoken='));
    });
  });
});
