/** Match-key normalisation, evaluated by PostgreSQL itself (the same expression reads both sides of a match). */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '../../../test/support/pg.ts';
import type { MatchKey } from '../mapping/match.ts';
import { normalized } from './matches.ts';

let pool: pg.Pool;
beforeAll(() => {
  pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
});
afterAll(() => pool.end());

const key = (normalize: MatchKey['normalize']): MatchKey => ({ label: 'k', column: 'k', colIndex: 0, path: null, normalize, field: 'k' });

const cases: [MatchKey['normalize'], string | null, string | null][] = [
  ['text', '  Beta \t  GmbH ', 'beta gmbh'],
  ['text', 'São  Paulo', 'são paulo'],
  ['text', '   ', null],
  ['text', null, null],
  ['email', ' Jane@Example.COM ', 'jane@example.com'],
  ['email', 'a  b@x.io', 'a  b@x.io'],
  ['domain', 'https://www.Acme.example/about?x=1', 'acme.example'],
  ['domain', 'acme.example', 'acme.example'],
  ['domain', 'HTTP://acme.example:8080', 'acme.example'],
  ['domain', 'www.acme.example', 'acme.example'],
  ['domain', 'shop.acme.example/path', 'shop.acme.example'],
  ['domain', 'https://', null],
  ['exact', 'Acme ', 'Acme '],
  ['exact', '', null],
];

describe('match key normalisation', () => {
  it.each(cases)('given normalize %s and %j, then the key is %j', async (n, value, want) => {
    const { rows } = await pool.query<{ v: string | null }>(`SELECT ${normalized('$1::text', key(n))} AS v`, [value]);
    expect(rows[0]!.v).toBe(want);
  });
});
