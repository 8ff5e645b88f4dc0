/** Catalog lookups about constraints. */
import type pg from 'pg';
import { qualified } from '../../db/sql/ident.ts';

/** Columns of a table's constraint, or of its index of that name (a unique index without a constraint). */
export async function constraintColumns(q: pg.PoolClient, schema: string, table: string, name: string): Promise<string[]> {
  const { rows } = await q.query<{ cols: string[] }>(
    `SELECT ARRAY(SELECT a.attname::text FROM unnest(co.conkey) WITH ORDINALITY k(n, i)
                    JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.n ORDER BY k.i) AS cols
       FROM pg_constraint co WHERE co.conrelid = $1::regclass AND co.conname = $2
     UNION ALL
     SELECT ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, o)
                    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o) AS cols
       FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
      WHERE i.indrelid = $1::regclass AND ic.relname = $2
     LIMIT 1`,
    [qualified(schema, table), name],
  );
  return rows[0]?.cols ?? [];
}
