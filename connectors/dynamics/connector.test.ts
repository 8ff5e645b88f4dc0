import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRecordBatch, type Checkpoint, type RecordBatch } from '../../shared/record-batch.ts';
import { RateLimiterRegistry, realClock, type Clock, type EmulatorHandle } from '../sdk/index.ts';
import { startEmulator, type DynamicsEmulatorOptions } from './emulator/index.ts';
import { createConnector, orgUrlOf, type DynamicsConnectorOptions } from './index.ts';
import { DATAVERSE_TABLES } from './definition.ts';

const ACCOUNTS = 25;
const EXPECTED_COUNTS: Record<string, number> = {
  businessunit: 5, systemuser: 5, account: 25, contact: 50, lead: 13, opportunity: 13, invoice: 13, task: 25, appointment: 13, phonecall: 13,
};

/** A clock whose sleeps return at once but advance `now`, recording what was asked for. */
function virtualClock(): Clock & { sleeps: number[] } {
  let offset = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => Date.now() + offset,
    sleep: async (ms) => {
      sleeps.push(ms);
      offset += ms;
      await new Promise((r) => setImmediate(r));
    },
  };
}

function connect(emu: EmulatorHandle, extra: Partial<DynamicsConnectorOptions> = {}) {
  const clock = extra.clock ?? virtualClock();
  return createConnector({
    credentials: emu.credentials, baseUrl: emu.url, tokenUrl: emu.tokenUrl, pageSize: 7, clock,
    rateLimiters: new RateLimiterRegistry(clock), random: () => 0.5, ...extra,
  });
}

async function collect(it: AsyncIterable<RecordBatch>): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

const ids = (batches: RecordBatch[]): string[] => batches.flatMap((b) => b.records.map((r) => r.sourceId));

async function withEmulator<T>(opts: DynamicsEmulatorOptions, fn: (emu: EmulatorHandle) => Promise<T>): Promise<T> {
  const emu = await startEmulator(opts);
  try {
    return await fn(emu);
  } finally {
    await emu.close();
  }
}

describe('Dynamics connector against the Dataverse emulator', () => {
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await startEmulator({ records: ACCOUNTS, seed: 11 });
  });
  afterAll(async () => {
    await emu.close();
  });

  it('given working credentials, then check() passes through WhoAmI; given a wrong secret, then it fails without echoing the secret', async () => {
    const ok = connect(emu);
    expect(await ok.check()).toMatchObject({ ok: true });
    await ok.close();
    const secret = 'wrong-secret-value-123';
    const bad = connect(emu, { credentials: { ...emu.credentials, client_secret: secret } });
    const res = await bad.check();
    expect(res.ok).toBe(false);
    expect(res.message).toMatch(/token refresh failed/);
    expect(res.message).toMatch(/invalid_client/);
    expect(res.message).not.toContain(secret);
    await bad.close();
  });

  it('given discovery, then every table is described with custom attributes, option sets, lookup targets and counts', async () => {
    const c = connect(emu);
    const schema = await c.discover();
    await c.close();
    expect(schema.streams.map((s) => s.entity)).toEqual(DATAVERSE_TABLES.map((t) => t.entity));
    for (const s of schema.streams) expect(s.estimatedCount).toBe(EXPECTED_COUNTS[s.entity]);
    const account = schema.streams.find((s) => s.entity === 'account')!;
    const field = (n: string) => account.fields.find((f) => f.name === n);
    expect(field('new_region')).toMatchObject({ custom: true, type: 'string' });
    expect(field('new_tier')).toMatchObject({ custom: true, picklistValues: ['100000000', '100000001', '100000002'] });
    expect(field('_ownerid_value')).toMatchObject({ type: 'uuid', references: ['systemuser', 'team'] });
    expect(field('_ownerid_value@lookuplogicalname')).toBeDefined();
    expect(field('statuscode')).toMatchObject({ picklistValues: ['1', '2'] });
    expect(field('owneridname')).toBeUndefined();
    expect(field('industrycodename')).toBeUndefined();
    expect(schema.warnings.join(' ')).toMatch(/publisher prefix new/);
  });

  it.each(DATAVERSE_TABLES.map((t) => [t.entity]))('given a full read of %s, then every record arrives once in valid, sequenced batches', async (entity) => {
    const c = connect(emu);
    const batches = await collect(c.read(entity, { batchSize: 4 }));
    await c.close();
    batches.forEach((b, i) => {
      expect(() => parseRecordBatch(b)).not.toThrow();
      expect(b.seq).toBe(i);
      expect(b.final).toBe(i === batches.length - 1);
      for (const r of b.records) expect(Object.keys(r.fields).filter((k) => k.includes('.'))).toEqual([]);
    });
    const got = ids(batches);
    expect(got).toHaveLength(EXPECTED_COUNTS[entity]!);
    expect(new Set(got).size).toBe(got.length);
  });

  it('given polymorphic lookups, then records carry the target table name beside the id', async () => {
    const c = connect(emu);
    const tasks = (await collect(c.read('task', { batchSize: 50 }))).flatMap((b) => b.records);
    const contacts = (await collect(c.read('contact', { batchSize: 100 }))).flatMap((b) => b.records);
    await c.close();
    const kinds = new Set(tasks.map((t) => t.fields['_regardingobjectid_value@lookuplogicalname']).filter(Boolean));
    expect([...kinds].every((k) => ['account', 'contact', 'opportunity', 'lead'].includes(String(k)))).toBe(true);
    expect(kinds.size).toBeGreaterThan(1);
    const parents = new Set(contacts.map((x) => x.fields['_parentcustomerid_value@lookuplogicalname']).filter(Boolean));
    expect(parents).toContain('account');
    const owned = contacts[0]!.fields;
    expect(owned['_owningbusinessunit_value']).toEqual(expect.any(String));
    expect(owned['statecode@FormattedValue']).toMatch(/Active|Inactive/);
  });

  it.each([[0], [2], [5]])('given a pass stopped after batch %i, then resuming from its checkpoint yields exactly the remaining records', async (k) => {
    const c = connect(emu);
    const full = await collect(c.read('account', { batchSize: 4 }));
    const all = ids(full);
    const cp = full[k]!.checkpoint as Checkpoint;
    const rest = ids(await collect(c.read('account', { batchSize: 4, checkpoint: cp })));
    await c.close();
    expect([...ids(full.slice(0, k + 1)), ...rest]).toEqual(all);
  });

  it('given a finished pass, then its checkpoint holds a delta link and the next pass from it reads no records when nothing changed', async () => {
    const c = connect(emu);
    const full = await collect(c.read('contact', { batchSize: 10 }));
    const done = full[full.length - 1]!.checkpoint;
    const again = await collect(c.read('contact', { batchSize: 10, checkpoint: done }));
    await c.close();
    expect(String(done['deltaLink'])).toMatch(/\/contacts\?.*\$deltatoken=/);
    expect(ids(again)).toEqual([]);
    expect(again[again.length - 1]!.checkpoint['deltaLink']).toEqual(expect.any(String));
    expect(again[again.length - 1]!.checkpoint['cursor']).toBe(done['cursor']);
  });

  it('given a finished-pass checkpoint without a delta link (a table without change tracking), then the next pass re-reads only the records at the cursor second and keeps the cursor', async () => {
    const c = connect(emu);
    const full = await collect(c.read('contact', { batchSize: 10 }));
    const { deltaLink: _dropped, ...done } = full[full.length - 1]!.checkpoint;
    const again = await collect(c.read('contact', { batchSize: 10, checkpoint: done }));
    await c.close();
    expect(done['cursor']).toEqual(expect.any(String));
    expect(ids(again).sort()).toEqual([...(done['ids'] as string[])].sort());
    expect(again[again.length - 1]!.checkpoint['cursor']).toBe(done['cursor']);
  });

  it('given a finished-pass checkpoint whose cursor sits inside a group of records sharing one modifiedon, then the whole group is re-read (any of them may have been edited again within that second)', async () => {
    const c = connect(emu);
    const all = (await collect(c.read('account', { batchSize: 100 }))).flatMap((b) => b.records);
    const t = String(all[4]!.fields['modifiedon']);
    expect(all[3]!.fields['modifiedon']).toBe(t);
    expect(all[5]!.fields['modifiedon']).toBe(t);
    const cp: Checkpoint = { cursor: new Date(t).toISOString(), ids: [all[3]!.sourceId] };
    const next = ids(await collect(c.read('account', { batchSize: 100, checkpoint: cp })));
    await c.close();
    expect(next).toEqual(all.slice(3).map((r) => r.sourceId));
  });
});

describe('Dynamics connector under faults and service protection', () => {
  it('given 429 bursts, 5xx errors and tokens revoked mid-extraction, then every contact still arrives exactly once', async () => {
    await withEmulator({ records: 20, seed: 4, faults: { rate429: 0.15, burst429Length: 2, rate5xx: 0.2 }, tokenRequestBudget: 10 }, async (emu) => {
      const clock = virtualClock();
      const c = connect(emu, { clock, pageSize: 4 });
      const got = ids(await collect(c.read('contact', { batchSize: 6 })));
      const stats = { ...c.http.stats };
      await c.close();
      expect(got).toHaveLength(40);
      expect(new Set(got).size).toBe(40);
      expect(stats.rateLimited).toBeGreaterThan(0);
      expect(stats.retries).toBeGreaterThan(0);
      expect(stats.refreshes).toBeGreaterThan(0);
      // Retry-After: 1 from the 429s was honoured as a one-second wait.
      expect(clock.sleeps).toContain(1000);
    });
  });

  it('given records edited while the extraction runs, then each is read once (with its new version), the next delta pass returns exactly them, and the cursor fallback re-reads only the one-second lookback', async () => {
    await withEmulator({ records: 30, seed: 8, faults: { modifyDuringExtraction: 0.5 } }, async (emu) => {
      const c = connect(emu, { pageSize: 5 });
      const batches = await collect(c.read('account', { batchSize: 10 }));
      const records = batches.flatMap((b) => b.records);
      expect(records).toHaveLength(30);
      expect(new Set(records.map((r) => r.sourceId)).size).toBe(30);
      const edited = records.filter((r) => String(r.fields['description'] ?? '').startsWith('Updated during extraction'));
      expect(edited.length).toBeGreaterThan(0);
      const cp = batches[batches.length - 1]!.checkpoint;
      const maxModified = records.map((r) => new Date(String(r.fields['modifiedon'])).toISOString()).sort().at(-1);
      expect(cp['cursor']).toBe(maxModified);
      const lookback = records.filter((r) => Date.parse(String(r.fields['modifiedon'])) >= Date.parse(String(cp['cursor'])) - 1000);
      expect(lookback.length).toBeLessThan(5);
      // Change tracking started with the pass, so edits made during it come back in the next delta.
      expect(ids(await collect(c.read('account', { batchSize: 10, checkpoint: cp }))).sort()).toEqual(edited.map((r) => r.sourceId).sort());
      const { deltaLink: _dropped, ...cursorOnly } = cp;
      expect(ids(await collect(c.read('account', { batchSize: 10, checkpoint: cursorOnly }))).sort()).toEqual(lookback.map((r) => r.sourceId).sort());
      await c.close();
    });
  });

  it('given service protection of 4 requests per second, then the connector waits out the budget and reads everything', async () => {
    await withEmulator({ records: 20, seed: 6, rateLimits: true, limits: { requests: 4, windowSeconds: 1 } }, async (emu) => {
      const sleeps: number[] = [];
      const clock: Clock = { now: realClock.now, sleep: (ms, signal) => (sleeps.push(ms), realClock.sleep(ms, signal)) };
      const c = connect(emu, { clock, pageSize: 5, rateLimiters: new RateLimiterRegistry(clock) });
      const got = ids(await collect(c.read('contact', { batchSize: 50 })));
      await c.close();
      expect(got).toHaveLength(40);
      expect(new Set(got).size).toBe(40);
      expect(sleeps.some((ms) => ms >= 500)).toBe(true);
    });
  });
});

describe('Dynamics connector configuration', () => {
  it.each([
    [{ baseUrl: 'https://contoso.crm.dynamics.com/', credentials: {} }, 'https://contoso.crm.dynamics.com'],
    [{ baseUrl: 'https://contoso.crm4.dynamics.com/api/data/v9.2', credentials: {} }, 'https://contoso.crm4.dynamics.com'],
    [{ credentials: { environment_url: 'https://fabrikam.crm.dynamics.com' } }, 'https://fabrikam.crm.dynamics.com'],
  ])('given %j, then the org URL is %s', (options, expected) => {
    expect(orgUrlOf(options)).toBe(expected);
  });

  it('given neither baseUrl nor environment_url, then createConnector says which setting is missing', () => {
    expect(() => createConnector({ credentials: { client_id: 'x', client_secret: 'y', tenant_id: 'z' } })).toThrow(/environment_url is required/);
  });
});
