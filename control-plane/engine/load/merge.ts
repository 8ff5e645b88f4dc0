/**
 * The two ways a batch reaches a target table:
 *  - direct: COPY straight into the table and the id map (first loads; no existing rows);
 *  - merge: COPY into a staging table, keep before-images, then INSERT … ON CONFLICT DO UPDATE
 *    only where something changed. A failing merge is bisected down to the rows that fail.
 */
import type pg from 'pg';
import { qualified, quoteIdent } from '../../db/sql/ident.ts';
import { copyRows } from '../sql/copy.ts';
import type { CompiledEntity } from '../mapping/compile.ts';
import { freshStage } from './stage.ts';
import { isFatal, pgErrorFields, pgReason, type PgErrorFields } from './pg-error.ts';

export interface LoadTarget {
  targetSchema: string;
  controlSchema: string;
  runId: string;
  tenantId: string;
  sourceSystem: string;
}

export interface Row {
  sourceId: string;
  id: string;
  values: (string | null)[];
  fields: Record<string, unknown>;
}

export interface MergeResult {
  created: number;
  updated: number;
  unchanged: number;
  failed: { row: Row; reason: string; error?: PgErrorFields }[];
}

const ID_MAP_COLUMNS = ['tenant_id', 'source_system', 'source_entity', 'source_id', 'target_table', 'target_id', 'created_run_id', 'last_run_id'];
const ID_MAP_SAFE = [true, false, false, false, false, true, true, true];

function idMapRows(t: LoadTarget, ce: CompiledEntity, rows: Row[]): (string | null)[][] {
  return rows.map((r) => [t.tenantId, t.sourceSystem, ce.entity, r.sourceId, ce.target, r.id, t.runId, t.runId]);
}

/** Check the deferred constraints now (so a failure is this statement's), then defer them again. */
export async function checkConstraints(client: pg.PoolClient): Promise<void> {
  await client.query('SET CONSTRAINTS ALL IMMEDIATE');
  await client.query('SET CONSTRAINTS ALL DEFERRED');
}

/** Try the direct path inside a savepoint. False (and nothing written) if any row conflicts or fails. */
export async function tryDirect(client: pg.PoolClient, t: LoadTarget, ce: CompiledEntity, rows: Row[]): Promise<boolean> {
  await client.query('SAVEPOINT nm_direct');
  try {
    await copyRows(client, t.targetSchema, ce.target, ce.columns, rows.map((r) => r.values), ce.safe);
    await copyRows(client, t.controlSchema, 'id_map', ID_MAP_COLUMNS, idMapRows(t, ce, rows), ID_MAP_SAFE);
    await checkConstraints(client);
    await client.query('RELEASE SAVEPOINT nm_direct');
    return true;
  } catch (err) {
    if (isFatal(err)) throw err;
    await client.query('ROLLBACK TO SAVEPOINT nm_direct');
    return false;
  }
}

async function mergeOnce(client: pg.PoolClient, t: LoadTarget, ce: CompiledEntity, rows: Row[]): Promise<{ created: number; updated: number }> {
  const stage = quoteIdent(await freshStage(client, t.targetSchema, ce.target));
  const target = qualified(t.targetSchema, ce.target);
  await copyRows(client, null, stage.slice(1, -1), ce.columns, rows.map((r) => r.values), ce.safe);
  const compare = ce.columns.filter((c) => c !== 'id' && !ce.deferredColumns.includes(c));
  const cols = ce.columns.map(quoteIdent).join(', ');
  const tRow = compare.map((c) => `t.${quoteIdent(c)}`).join(', ');
  const sRow = compare.map((c) => `s.${quoteIdent(c)}`).join(', ');
  await client.query(
    `INSERT INTO ${qualified(t.controlSchema, 'before_images')} (run_id, target_table, target_id, row_data)
     SELECT $1, $2, t.id, to_jsonb(t) FROM ${target} t JOIN ${stage} s ON s.id = t.id
      WHERE (${tRow}) IS DISTINCT FROM (${sRow})
     ON CONFLICT DO NOTHING`,
    [t.runId, ce.target],
  );
  const set = compare.map((c) => `${quoteIdent(c)} = EXCLUDED.${quoteIdent(c)}`).join(', ');
  const eRow = compare.map((c) => `EXCLUDED.${quoteIdent(c)}`).join(', ');
  const tgt = compare.map((c) => `${quoteIdent(ce.target)}.${quoteIdent(c)}`).join(', ');
  const res = await client.query<{ inserted: boolean; id: string }>(
    `INSERT INTO ${target} AS ${quoteIdent(ce.target)} (${cols}) SELECT ${cols} FROM ${stage}
     ON CONFLICT (id) DO UPDATE SET ${set} WHERE (${tgt}) IS DISTINCT FROM (${eRow})
     RETURNING (xmax = 0) AS inserted, id`,
  );
  const insertedIds = res.rows.filter((r) => r.inserted).map((r) => r.id);
  await client.query(
    `INSERT INTO ${qualified(t.controlSchema, 'id_map')} AS m (${ID_MAP_COLUMNS.map(quoteIdent).join(', ')})
     SELECT $1, $2, $3, s.source_id, $4, s.id, $5, $5 FROM ${stage} s
     ON CONFLICT (target_id) DO UPDATE
       SET last_run_id = EXCLUDED.last_run_id, target_id = EXCLUDED.target_id,
           created_run_id = CASE WHEN m.target_id = ANY($6::uuid[]) THEN EXCLUDED.created_run_id ELSE m.created_run_id END`,
    [t.tenantId, t.sourceSystem, ce.entity, ce.target, t.runId, insertedIds],
  );
  await checkConstraints(client);
  return { created: insertedIds.length, updated: res.rows.length - insertedIds.length };
}

/**
 * Apply `fn` to all rows inside a savepoint; when the database refuses, bisect down to the single
 * rows that fail and return them with the database's reason. The rest are applied.
 */
export async function bisectApply<T>(
  client: pg.PoolClient, rows: T[], fn: (part: T[]) => Promise<void>,
): Promise<{ row: T; reason: string; error: PgErrorFields }[]> {
  const failed: { row: T; reason: string; error: PgErrorFields }[] = [];
  const work: T[][] = [rows];
  while (work.length > 0) {
    const part = work.pop()!;
    if (part.length === 0) continue;
    await client.query('SAVEPOINT nm_part');
    try {
      await fn(part);
      await client.query('RELEASE SAVEPOINT nm_part');
    } catch (err) {
      if (isFatal(err)) throw err;
      await client.query('ROLLBACK TO SAVEPOINT nm_part');
      if (part.length === 1) failed.push({ row: part[0]!, reason: pgReason(err), error: pgErrorFields(err) });
      else {
        const mid = part.length >> 1;
        work.push(part.slice(mid), part.slice(0, mid));
      }
    }
  }
  return failed;
}

/** Merge rows; rows the database refuses are isolated by bisection and returned with the reason. */
export async function mergeRows(client: pg.PoolClient, t: LoadTarget, ce: CompiledEntity, rows: Row[]): Promise<MergeResult> {
  const out: MergeResult = { created: 0, updated: 0, unchanged: 0, failed: [] };
  out.failed = await bisectApply(client, rows, async (part) => {
    const r = await mergeOnce(client, t, ce, part);
    out.created += r.created;
    out.updated += r.updated;
    out.unchanged += part.length - r.created - r.updated;
  });
  return out;
}

/** Delete rows the source reports deleted, keeping before-images. Returns the number deleted. */
export async function deleteRows(client: pg.PoolClient, t: LoadTarget, ce: CompiledEntity, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const target = qualified(t.targetSchema, ce.target);
  await client.query(
    `INSERT INTO ${qualified(t.controlSchema, 'before_images')} (run_id, target_table, target_id, row_data)
     SELECT $1, $2, t.id, to_jsonb(t) FROM ${target} t WHERE t.id = ANY($3::uuid[]) ON CONFLICT DO NOTHING`,
    [t.runId, ce.target, ids],
  );
  const res = await client.query(`DELETE FROM ${target} WHERE id = ANY($1::uuid[])`, [ids]);
  await checkConstraints(client);
  return res.rowCount ?? 0;
}
