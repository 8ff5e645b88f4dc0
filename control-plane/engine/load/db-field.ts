/**
 * Name the field of a database refusal: the pg error's column (NOT NULL, bad value) or the columns
 * of its constraint (foreign key, unique, CHECK), mapped back to the mapping's source fields.
 */
import type pg from 'pg';
import type { CompiledEntity } from '../mapping/compile.ts';
import type { PgErrorFields } from './pg-error.ts';
import { constraintColumns } from '../sql/constraints.ts';

/** Per connection: constraint (or unique index) name → its columns. */
const cache = new WeakMap<pg.PoolClient, Map<string, string[]>>();

export async function refusedField(client: pg.PoolClient, schema: string, ce: CompiledEntity, e: PgErrorFields | undefined): Promise<string | null> {
  if (!e) return null;
  if (e.column) return ce.fieldOf(e.column);
  if (!e.constraint) return null;
  let byName = cache.get(client);
  if (!byName) cache.set(client, (byName = new Map()));
  const table = e.table ?? ce.target;
  const key = `${schema}.${table}.${e.constraint}`;
  let cols = byName.get(key);
  if (!cols) {
    cols = await constraintColumns(client, schema, table, e.constraint);
    byName.set(key, cols);
  }
  if (cols.length === 0) return null;
  // A composite key names the columns a record brings; tenant_id alone is named only when it is all there is.
  const own = cols.filter((c) => c !== 'tenant_id' && c !== 'source_system');
  return [...new Set((own.length > 0 ? own : cols).map((c) => ce.fieldOf(c)))].join(', ');
}
