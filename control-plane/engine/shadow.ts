/**
 * The shadow dry run: the real load, into throwaway copies of the target and of the control tables
 * a load writes. The copies carry the live constraints (NOT NULL, lengths, CHECK, primary and unique
 * keys, and the foreign keys — tenant and franchise included — to copies of the referenced rows), so
 * the dry run meets every refusal the run will meet and its counts are the run's. Live target tables
 * are only read; none of their triggers fires; the copies are dropped at the end.
 *
 * What the dry run produced (progress, quarantine, orphans, warnings, status) is copied back to the
 * live control schema under the dry run's id, which is what reports, the API and the console read.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { qualified } from '../db/sql/ident.ts';
import type { RunReport } from '../report/types.ts';
import {
  addShadowForeignKey, copyIndexes, copyRun, copyRunRows, copyTableRows, copyTenantRows, createSchema, createTableLike, detachSequences, dropSchema,
  listForeignKeys, listTables, markShadowSchema,
} from './sql/shadow.ts';
import { getRun } from './sql/runs.ts';

/** Control tables a load writes, in the order rows are copied back (runs first). */
const CONTROL_TABLES = ['runs', 'entity_progress', 'id_map', 'match_links', 'before_images', 'deferred_refs', 'quarantine', 'orphans'];

export interface ShadowSchemas { target: string; control: string; notes: string[] }

/** Names unique to this dry run; lower case and short, so no quoting surprises. */
export function shadowNames(runId: string): { target: string; control: string } {
  const base = `nm_dry_${runId.replace(/-/g, '').slice(0, 16)}`;
  return { target: `${base}_t`, control: `${base}_c` };
}

/** Build both shadow schemas. Returns notes on what the shadow cannot mirror (foreign keys to other schemas). */
export async function buildShadow(pool: pg.Pool, o: { targetSchema: string; controlSchema: string; tenantId: string; runId: string }): Promise<ShadowSchemas> {
  const names = shadowNames(o.runId);
  const notes: string[] = [];
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    for (const schema of [names.target, names.control]) {
      await createSchema(client, schema);
      await markShadowSchema(client, schema);
    }
    const tables = await listTables(client, o.targetSchema);
    for (const t of tables) {
      await createTableLike(client, names.target, o.targetSchema, t);
      await copyTableRows(client, names.target, o.targetSchema, t);
      await copyIndexes(client, names.target, o.targetSchema, t);
      await detachSequences(client, names.target, o.targetSchema, t);
    }
    for (const fk of await listForeignKeys(client, o.targetSchema)) {
      if (fk.refSchema !== o.targetSchema) {
        // Pointing the copy at a live table would lock it; say so rather than pretend.
        notes.push(`the dry run does not check foreign key ${fk.name} of ${fk.table}: it references ${fk.refSchema}.${fk.refTable}, outside the target schema`);
        continue;
      }
      await addShadowForeignKey(client, names.target, fk);
    }
    for (const t of CONTROL_TABLES) {
      await createTableLike(client, names.control, o.controlSchema, t);
      await copyIndexes(client, names.control, o.controlSchema, t);
    }
    await copyRun(client, o.controlSchema, names.control, o.runId);
    await copyTenantRows(client, names.control, o.controlSchema, 'id_map', o.tenantId);
    await copyTenantRows(client, names.control, o.controlSchema, 'match_links', o.tenantId);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
  return { ...names, notes };
}

/** Copy the dry run's outcome back to the live control schema. */
export async function copyBack(pool: pg.Pool, s: ShadowSchemas, controlSchema: string, runId: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const run = await getRun(client, s.control, runId);
    await client.query(
      `DELETE FROM ${qualified(controlSchema, 'entity_progress')} WHERE run_id = $1`, [runId],
    );
    await copyRunRows(client, s.control, controlSchema, 'entity_progress', runId, { orderBy: 'entity' });
    await copyRunRows(client, s.control, controlSchema, 'quarantine', runId, { skip: ['id'], orderBy: 'id' });
    await copyRunRows(client, s.control, controlSchema, 'orphans', runId, { skip: ['id'], orderBy: 'id' });
    if (run) {
      await client.query(
        `UPDATE ${qualified(controlSchema, 'runs')} SET status = $2, error = $3, warnings = $4, finished_at = $5 WHERE id = $1`,
        [runId, run.status, run.error, JSON.stringify(run.warnings ?? {}), run.finished_at],
      );
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export async function dropShadow(pool: pg.Pool, s: { target: string; control: string }): Promise<void> {
  await dropSchema(pool, s.target);
  await dropSchema(pool, s.control);
}

/** A run key no earlier run shares: a shadow dry run never resumes (its copies are gone). */
export function shadowRunKey(base: string): string {
  return `${base}:${randomUUID()}`;
}

export type { RunReport };
