import { describe, expect, it } from 'vitest';
import { compareHighWater, compareValues, fromCheckpoint, mergeHighWater, toCheckpoint } from './checkpoint.ts';
import { isoFromDbText, normaliseRow, normaliseValue, normalTypeOf, rowProblems } from './values.ts';

describe('value normalisation', () => {
  it('given a binary column that is not valid UTF-8 text, then the row lists it as a problem (not base64) and the value is null', () => {
    const row = normaliseRow({ id: 1, name: Buffer.from([0xde, 0xad, 0xbe, 0xef]) }, { id: 'integer', name: 'binary' });
    expect(row).toEqual({ id: 1, name: null });
    expect(rowProblems(row)).toEqual([{ column: 'name', reason: 'is not valid UTF-8 text' }]);
  });

  it.each([
    { text: '2024-03-01 10:00:00', zone: false, expected: '2024-03-01T10:00:00' },
    { text: '2024-03-01 10:00:00.123456', zone: false, expected: '2024-03-01T10:00:00.123456' },
    { text: '2024-03-01 10:00:00+00', zone: true, expected: '2024-03-01T10:00:00Z' },
    { text: '2024-03-01 10:00:00.5+05:30', zone: true, expected: '2024-03-01T10:00:00.5+05:30' },
    { text: '2024-03-01 10:00:00-08', zone: true, expected: '2024-03-01T10:00:00-08:00' },
    { text: '2024-03-01 10:00:00', zone: true, expected: '2024-03-01T10:00:00Z' },
  ])('given DB text $text (zone: $zone), then the ISO form is $expected', ({ text, zone, expected }) => {
    expect(isoFromDbText(text, zone)).toBe(expected);
  });

  it.each([
    { value: Buffer.from('Müller', 'utf8'), type: 'binary' as const, expected: 'Müller' },
    { value: Buffer.from('000000000000ffff', 'hex'), type: 'rowversion' as const, expected: '0x000000000000FFFF' },
    { value: 'ABCDEF01-2345-4678-9ABC-DEF012345678', type: 'uuid' as const, expected: 'abcdef01-2345-4678-9abc-def012345678' },
    { value: 1, type: 'boolean' as const, expected: true },
    { value: '0', type: 'boolean' as const, expected: false },
    { value: '12345678901234567890.123456789', type: 'decimal' as const, expected: '12345678901234567890.123456789' },
    { value: 9007199254740993n, type: 'bigint' as const, expected: '9007199254740993' },
    { value: '42', type: 'bigint' as const, expected: 42 },
    { value: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)), type: 'datetime' as const, expected: '2024-01-02T03:04:05.006' },
    { value: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)), type: 'datetimetz' as const, expected: '2024-01-02T03:04:05.006Z' },
    { value: null, type: 'string' as const, expected: null },
  ])('given $value as $type, then it becomes $expected', ({ value, type, expected }) => {
    expect(normaliseValue(value, type)).toEqual(expected);
  });

  it.each([
    ['nvarchar', {}, 'string'], ['datetime2', {}, 'datetime'], ['datetimeoffset', {}, 'datetimetz'], ['uniqueidentifier', {}, 'uuid'],
    ['decimal', {}, 'decimal'], ['rowversion', {}, 'rowversion'], ['timestamp without time zone', {}, 'datetime'],
    ['timestamp', { columnType: 'timestamp(6)' }, 'datetimetz'], ['tinyint', { columnType: 'tinyint(1)' }, 'boolean'], ['bytea', {}, 'binary'],
  ] as const)('given database type %s, then the normalised type is %s', (db, opts, expected) => {
    expect(normalTypeOf(db, opts)).toBe(expected);
  });
});

describe('checkpoint ordering', () => {
  it.each([
    ['2024-03-01T10:00:00', '2024-03-01T10:00:00.1', -1],
    ['2024-03-01T10:00:00Z', '2024-03-01T10:00:00.1Z', -1],
    ['2024-03-01T10:00:00.000001', '2024-03-01T10:00:00', 1],
    ['2024-03-01T12:00:00+02:00', '2024-03-01T10:00:00Z', 0],
    ['20240301100000', '20240301095959', 1],
    ['0x00000000000007D1', '0x00000000000007D2', -1],
    [9, 10, -1],
  ] as const)('given %s and %s, then they compare as %i', (a, b, sign) => {
    expect(Math.sign(compareValues(a, b))).toBe(sign);
  });

  it('given equal timestamps, then the key breaks the tie', () => {
    expect(compareHighWater({ modified: '2024-01-01T00:00:00', key: ['b'] }, { modified: '2024-01-01T00:00:00', key: ['a'] })).toBeGreaterThan(0);
  });

  it('given partition checkpoints, then the merged high-water is the greatest one, as an incremental checkpoint', () => {
    const a = toCheckpoint({ mode: 'keyset', after: ['x'], hw: { modified: '2024-01-01T00:00:00', key: ['x'] }, done: true });
    const b = toCheckpoint({ mode: 'keyset', after: ['y'], hw: { modified: '2024-01-02T00:00:00', key: ['a'] }, done: true });
    expect(fromCheckpoint(mergeHighWater([a, b]))).toEqual({ mode: 'incremental', modified: '2024-01-02T00:00:00', key: ['a'], done: true });
  });

  it('given a checkpoint of another connector, then it is refused with its content in the message', () => {
    expect(() => fromCheckpoint({ cursor: 'abc' })).toThrow(/unrecognised SQL checkpoint/);
  });
});
