import { describe, expect, it } from 'vitest';
import { advanceHighWater, afterLowerBound, lowerBoundFrom, MAX_TIE_IDS, toIsoCursor, type HighWater } from './checkpoint.ts';

describe('checkpoint functions', () => {
  it('given records in any order, then the high-water mark is max(cursor) with every id at it', () => {
    let hw: HighWater = { ids: [] };
    for (const [c, id] of [['2025-01-02', 'a'], ['2025-01-03', 'b'], ['2025-01-01', 'c'], ['2025-01-03', 'd'], ['2025-01-03', 'b']] as const) hw = advanceHighWater(hw, c, id);
    expect(hw).toEqual({ cursor: '2025-01-03', ids: ['b', 'd'] });
  });

  it('given more ties than the cap, then the id list stops growing and stays a subset of what was seen', () => {
    let hw: HighWater = { ids: [] };
    for (let i = 0; i < MAX_TIE_IDS + 50; i++) hw = advanceHighWater(hw, 'T', `id${i}`);
    expect(hw.ids).toHaveLength(MAX_TIE_IDS);
    expect(hw.ids.at(-1)).toBe(`id${MAX_TIE_IDS - 1}`);
  });

  it.each([
    ['2025-01-02', 'x', true], // after the bound
    ['2025-01-01', 'x', true], // tie, not yet seen
    ['2025-01-01', 'seen', false], // tie, already emitted
    ['2024-12-31', 'x', false], // before
    [undefined, 'x', true], // no cursor: never dropped
  ] as const)('given cursor %s and id %s against bound 2025-01-01 [seen], then pass=%s', (cursor, id, want) => {
    expect(afterLowerBound(cursor, id, '2025-01-01', ['seen'])).toBe(want);
  });

  it('given a lookback, then the bound moves back and tie ids are dropped (the overlap is re-read)', () => {
    expect(lowerBoundFrom({ cursor: '2025-01-01T00:01:00.000Z', ids: ['a'] }, 60)).toEqual({ since: '2025-01-01T00:00:00.000Z', sinceIds: [] });
    expect(lowerBoundFrom({ cursor: '2025-01-01T00:01:00.000Z', ids: ['a'] }, 0)).toEqual({ since: '2025-01-01T00:01:00.000Z', sinceIds: ['a'] });
    expect(lowerBoundFrom({}, 60)).toEqual({ sinceIds: [] });
  });

  it.each([
    ['2024-12-24T17:31:54.727Z', '2024-12-24T17:31:54.727Z'],
    [1735689600000, '2025-01-01T00:00:00.000Z'],
    ['1735689600000', '2025-01-01T00:00:00.000Z'],
    ['2025-01-01T01:00:00+01:00', '2025-01-01T00:00:00.000Z'],
    ['not a date', undefined],
    [null, undefined],
  ] as const)('given cursor value %j, then it normalises to %s', (v, want) => {
    expect(toIsoCursor(v)).toBe(want);
  });
});
