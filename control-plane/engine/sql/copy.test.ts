import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyEscape, copyRows } from './copy.ts';
import { createTestSchema, type TestSchema } from '../../../test/support/pg.ts';

describe('COPY text encoding', () => {
  it.each([
    [null, '\\N'],
    ['plain', 'plain'],
    ['tab\there', 'tab\\there'],
    ['line\nbreak\r', 'line\\nbreak\\r'],
    ['back\\slash', 'back\\\\slash'],
    ['\\N', '\\\\N'],
  ])('given %j, then it encodes as %j', (input, out) => {
    expect(copyEscape(input)).toBe(out);
  });

  let db: TestSchema;
  beforeAll(async () => {
    db = await createTestSchema('copy');
    await db.pool.query('CREATE TABLE t (a text, b text)');
  });
  afterAll(async () => db.drop());

  it('given awkward strings, then they round-trip through a real COPY unchanged', async () => {
    const values = ['x\ty', 'multi\nline', 'c:\\path\\N', 'quote"s \'', 'ünïcødé ✓', '\\.', ''];
    const client = await db.pool.connect();
    try {
      const n = await copyRows(client, db.schema, 't', ['a', 'b'], values.map((v, i) => [String(i), v]));
      expect(n).toBe(values.length);
      const { rows } = await client.query('SELECT a, b FROM t ORDER BY a::int');
      expect(rows.map((r) => r.b)).toEqual(values);
    } finally {
      client.release();
    }
  });
});
