/**
 * Business keys (`unique: true` in the mapping): a record whose value for such a column another
 * record of the same tenant and source system already holds (in the target, or earlier in this
 * batch) is quarantined; the first holder keeps it. One indexed query per column per batch
 * (002_business_key_indexes.sql); earlier batches have committed, so they are in the target.
 */
import type pg from 'pg';
import { qualified, quoteIdent } from '../../db/sql/ident.ts';
import type { CompiledEntity } from '../mapping/compile.ts';
import type { LoadTarget } from './merge.ts';
import type { RowWithRefs } from './orphans.ts';

export interface DuplicateKey { row: RowWithRefs; field: string; reason: string }

interface Holder { id: string; entity: string; sourceId: string }

async function holders(client: pg.PoolClient, t: LoadTarget, table: string, column: string, values: string[]): Promise<Map<string, Holder[]>> {
  const { rows } = await client.query<{ v: string; id: string; source_entity: string; source_id: string }>(
    `SELECT ${quoteIdent(column)}::text AS v, id, source_entity, source_id FROM ${qualified(t.targetSchema, table)}
      WHERE tenant_id = $1 AND source_system = $2 AND ${quoteIdent(column)} = ANY($3::text[])`,
    [t.tenantId, t.sourceSystem, values],
  );
  const out = new Map<string, Holder[]>();
  for (const r of rows) out.set(r.v, [...(out.get(r.v) ?? []), { id: r.id, entity: r.source_entity, sourceId: r.source_id }]);
  return out;
}

/** Splits rows into those that keep their business keys and those that duplicate one. */
export async function checkBusinessKeys(client: pg.PoolClient, t: LoadTarget, ce: CompiledEntity, rows: RowWithRefs[]): Promise<{ keep: RowWithRefs[]; duplicates: DuplicateKey[] }> {
  if (ce.uniqueColumns.length === 0 || rows.length === 0) return { keep: rows, duplicates: [] };
  const duplicates: DuplicateKey[] = [];
  let keep = rows;
  for (const u of ce.uniqueColumns) {
    const values = [...new Set(keep.map((r) => r.values[u.colIndex]).filter((v): v is string => v !== null))];
    if (values.length === 0) continue;
    const inTarget = await holders(client, t, ce.target, u.column, values);
    const firstInBatch = new Map<string, RowWithRefs>();
    keep = keep.filter((r) => {
      const v = r.values[u.colIndex];
      if (v === null) return true;
      const other = inTarget.get(v)?.find((h) => h.id !== r.id);
      const earlier = firstInBatch.get(v);
      if (!other && !earlier) {
        firstInBatch.set(v, r);
        return true;
      }
      const who = other ? `${other.entity} ${JSON.stringify(other.sourceId)}, already loaded` : `${ce.entity} ${JSON.stringify(earlier!.sourceId)}, earlier in this run`;
      duplicates.push({ row: r, field: u.field, reason: `duplicate business key: ${u.column} ${JSON.stringify(v)} (from ${u.field}) already belongs to ${who} (the first record keeps it)` });
      return false;
    });
  }
  return { keep, duplicates };
}
