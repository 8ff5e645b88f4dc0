import { describe, expect, it } from 'vitest';
import { Dataset } from './dataset.ts';
import { handleSearch } from './search.ts';

describe('emulator dataset', () => {
  it('given the same seed, then records are identical; given another seed, then they differ', () => {
    const a = new Dataset(50, 1).record('companies', 7, ['name', 'nexus_tier']);
    expect(new Dataset(50, 1).record('companies', 7, ['name', 'nexus_tier'])).toEqual(a);
    expect(new Dataset(50, 2).record('companies', 7, ['name', 'nexus_tier'])).not.toEqual(a);
  });

  it('given 1M companies, then any record is generated on demand and related counts scale', () => {
    const ds = new Dataset(1_000_000, 5);
    expect(ds.count('contacts')).toBe(3_000_000);
    const last = ds.record('companies', 999_999, undefined);
    expect(last['id']).toBe('20000999999');
    expect(ds.indexOf('companies', '20000999999')).toBe(999_999);
    expect(ds.indexOf('companies', '20001000000')).toBeUndefined();
  });

  it('given 1M companies and a time-window search, then the total is exact without scanning and paging stops at 10,000', () => {
    const ds = new Dataset(1_000_000, 5);
    const all = handleSearch(ds, 'companies', { limit: 200 }) as { total: number; paging?: unknown };
    expect(all.total).toBe(1_000_000);
    const from = ds.baseUpdatedAt('companies', 300);
    const to = ds.baseUpdatedAt('companies', 600);
    const window = handleSearch(ds, 'companies', { limit: 200, filterGroups: [{ filters: [
      { propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: String(from) },
      { propertyName: 'hs_lastmodifieddate', operator: 'LT', value: String(to) },
    ] }] }) as { total: number; results: { id: string; updatedAt: string }[] };
    expect(window.total).toBe(300);
    expect(window.results[0]!.id).toBe('20000000300');
    for (const r of window.results) expect(Date.parse(r.updatedAt)).toBeGreaterThanOrEqual(from);
  });

  it('given a modified record, then it leaves its old time slot and appears at its new time', () => {
    const ds = new Dataset(30, 3);
    const at = Date.parse('2026-01-01T00:00:00Z');
    ds.touch('companies', 4, at);
    const old = handleSearch(ds, 'companies', { limit: 200, filterGroups: [{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'LT', value: String(at) }] }] }) as { total: number; results: { id: string }[] };
    expect(old.total).toBe(29);
    expect(old.results.map((r) => r.id)).not.toContain('20000000004');
    const fresh = handleSearch(ds, 'companies', { limit: 200, filterGroups: [{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: String(at) }] }] }) as { results: { id: string }[] };
    expect(fresh.results.map((r) => r.id)).toEqual(['20000000004']);
  });

  it('given contacts, then three share each company and owners have unique emails', () => {
    const ds = new Dataset(400, 9);
    expect([0, 1, 2, 3].map((i) => ds.associations('contacts', 'companies', i))).toEqual([[0], [0], [0], [1]]);
    const emails = Array.from({ length: ds.ownerCount() }, (_, i) => ds.owner(i).email);
    expect(new Set(emails).size).toBe(emails.length);
  });
});
