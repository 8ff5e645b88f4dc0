/**
 * Roll back one run (spec 9.2): remove exactly the rows it created, in reverse dependency order,
 * and restore the rows it updated or deleted from their before-images (rows of a live tenant that
 * match rules updated included), and remove the match links it made. One transaction.
 */
import type pg from 'pg';
import { qualified, quoteIdent } from '../db/sql/ident.ts';
import { withTransaction } from '../db/sql/transaction.ts';
import { introspectTarget, type TargetCatalog } from './target/introspect.ts';
import { getRun, setRunStatus } from './sql/runs.ts';
import { unlinkRun } from './sql/matches.ts';

export class RollbackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RollbackError';
  }
}

export interface RollbackOptions {
  controlSchema: string;
  targetSchema: string;
  runId: string;
  /** Roll back even though later runs touched the same rows. */
  force?: boolean;
}

/** Target tables ordered parents first (by foreign keys); self-references ignored. */
export function tableOrder(catalog: TargetCatalog): string[] {
  const order: string[] = [];
  const state = new Map<string, number>();
  const visit = (name: string): void => {
    if (state.get(name)) return;
    state.set(name, 1);
    for (const fk of catalog.get(name)?.foreignKeys ?? []) if (fk.refTable !== name && catalog.has(fk.refTable)) visit(fk.refTable);
    order.push(name);
  };
  for (const name of [...catalog.keys()].sort()) visit(name);
  return order;
}

export async function rollbackRun(pool: pg.Pool, o: RollbackOptions): Promise<{ deleted: number; restored: number }> {
  const cs = o.controlSchema;
  const run = await getRun(pool, cs, o.runId);
  if (!run) throw new RollbackError(`run ${o.runId} does not exist`);
  if (run.mode === 'dry-run') throw new RollbackError(`run ${o.runId} is a dry run; it wrote nothing to roll back`);
  if (run.status === 'rolled_back') throw new RollbackError(`run ${o.runId} is already rolled back`);
  if (run.status === 'running') throw new RollbackError(`run ${o.runId} is still running; cancel it first`);
  const later = await pool.query(
    `SELECT id FROM ${qualified(cs, 'runs')} WHERE tenant_id = $1 AND source_system = $2 AND target_schema = $3 AND mode = 'run'
        AND id <> $4 AND started_at > (SELECT started_at FROM ${qualified(cs, 'runs')} WHERE id = $4) AND status <> 'rolled_back' LIMIT 1`,
    [run.tenant_id, run.source_system, run.target_schema, run.id],
  );
  if (later.rows.length > 0 && !o.force) {
    throw new RollbackError(`run ${o.runId} has later runs (${later.rows[0].id}); roll those back first`);
  }
  const catalog = await introspectTarget(pool, o.targetSchema);
  const order = tableOrder(catalog).filter((t) => catalog.get(t)!.columns.has('id'));
  let deleted = 0;
  let restored = 0;
  await withTransaction(pool, async (client) => {
    await client.query('SET CONSTRAINTS ALL DEFERRED');
    const idMap = qualified(cs, 'id_map');
    const bi = qualified(cs, 'before_images');
    // Restore rows that existed before the run (updated, relinked or deleted by it).
    for (const table of order) {
      const tbl = catalog.get(table)!;
      const target = qualified(o.targetSchema, table);
      const cols = tbl.order.map(quoteIdent);
      const set = tbl.order.filter((c) => c !== 'id').map((c) => `${quoteIdent(c)} = EXCLUDED.${quoteIdent(c)}`).join(', ');
      const r = await client.query(
        `INSERT INTO ${target} (${cols.join(', ')})
         SELECT (jsonb_populate_record(NULL::${target}, b.row_data)).* FROM ${bi} b
          WHERE b.run_id = $1 AND b.target_table = $2
            AND NOT EXISTS (SELECT 1 FROM ${idMap} m WHERE m.target_id = b.target_id AND m.created_run_id = $1)
         ON CONFLICT (id) DO UPDATE SET ${set}`,
        [o.runId, table],
      );
      restored += r.rowCount ?? 0;
    }
    // Delete what the run created, children first.
    for (const table of [...order].reverse()) {
      const r = await client.query(
        `DELETE FROM ${qualified(o.targetSchema, table)} WHERE id IN (SELECT target_id FROM ${idMap} WHERE created_run_id = $1 AND target_table = $2)`,
        [o.runId, table],
      );
      deleted += r.rowCount ?? 0;
    }
    await client.query(`DELETE FROM ${idMap} WHERE created_run_id = $1`, [o.runId]);
    await client.query(`UPDATE ${idMap} SET last_run_id = created_run_id WHERE last_run_id = $1`, [o.runId]);
    await unlinkRun(client, cs, o.runId);
    await client.query('SET CONSTRAINTS ALL IMMEDIATE');
    await setRunStatus(client, cs, o.runId, 'rolled_back');
  });
  return { deleted, restored };
}
