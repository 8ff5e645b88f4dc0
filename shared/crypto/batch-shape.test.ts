import { describe, expect, it } from 'vitest';
import { RecordBatchSchema } from '../record-batch.ts';
import { toRecordBatch } from './batch-shape.ts';

const ok = { v: 1, sourceSystem: 's', entity: 'E', seq: 3, records: [{ sourceId: '1', fields: { a: [1, { b: null }], c: 'x', d: true } }], checkpoint: { after: 1 }, extra: 'stripped' };

describe('fast record batch validation', () => {
  it('given a valid batch, then the result equals the zod schema parse (defaults applied, unknown keys stripped)', () => {
    expect(toRecordBatch(ok)).toEqual(RecordBatchSchema.parse(ok));
  });

  it.each([
    ['a wrong version', { ...ok, v: 2 }],
    ['a negative seq', { ...ok, seq: -1 }],
    ['a fractional seq', { ...ok, seq: 1.5 }],
    ['an empty entity', { ...ok, entity: '' }],
    ['a record without sourceId', { ...ok, records: [{ fields: {} }] }],
    ['an unknown op', { ...ok, records: [{ sourceId: '1', op: 'merge', fields: {} }] }],
    ['a binary field value', { ...ok, records: [{ sourceId: '1', fields: { a: Buffer.from('x') } }] }],
    ['a date field value', { ...ok, records: [{ sourceId: '1', fields: { a: new Date(0) } }] }],
    ['a NaN field value', { ...ok, records: [{ sourceId: '1', fields: { a: Number.NaN } }] }],
    ['a non-boolean final', { ...ok, final: 'yes' }],
    ['an array checkpoint', { ...ok, checkpoint: [] }],
  ])('given %s, then both validators refuse it', (_name, input) => {
    expect(() => toRecordBatch(input)).toThrow();
    expect(RecordBatchSchema.safeParse(input).success).toBe(false);
  });
});
