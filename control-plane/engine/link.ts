/**
 * The link phase: after every entity has loaded, write the deferred references (self-references,
 * cycles) and apply the orphan policy to those whose parent never arrived. Idempotent: a run that
 * dies here redoes it on resume and reaches the same state.
 */
import type pg from 'pg';
import { qualified, quoteIdent } from '../db/sql/ident.ts';
import { withTransaction } from '../db/sql/transaction.ts';
import type { CompiledEntity } from './mapping/compile.ts';
import type { TargetCatalog } from './target/introspect.ts';
import type { LoadTarget } from './load/merge.ts';
import { insertPlaceholders } from './load/orphans.ts';
import { insertOrphans, insertQuarantine } from './sql/records.ts';
import { adjustProgress } from './sql/runs.ts';
import { redirectDeferred } from './sql/matches.ts';

interface DeferredRow {
  target_id: string; ref_id: string; ref_entity: string; ref_source_id: string; source_entity: string; source_id: string; on_orphan: string;
}

export async function linkDeferred(pool: pg.Pool, t: LoadTarget, compiled: Map<string, CompiledEntity>, catalog: TargetCatalog): Promise<void> {
  for (const ce of compiled.values()) {
    for (const column of ce.deferredColumns) {
      await withTransaction(pool, async (client) => {
        await client.query('SET CONSTRAINTS ALL DEFERRED');
        await linkColumn(client, t, ce, column, catalog);
        await client.query('SET CONSTRAINTS ALL IMMEDIATE');
      });
    }
  }
}

async function linkColumn(client: pg.PoolClient, t: LoadTarget, ce: CompiledEntity, column: string, catalog: TargetCatalog): Promise<void> {
  const target = qualified(t.targetSchema, ce.target);
  const col = quoteIdent(column);
  const dr = qualified(t.controlSchema, 'deferred_refs');
  const bi = qualified(t.controlSchema, 'before_images');
  const idMap = qualified(t.controlSchema, 'id_map');
  const params = [t.runId, ce.target, column, ce.entity];
  // References to records matched to rows a live tenant already had point at those rows.
  await redirectDeferred(client, t.controlSchema, t.runId, ce.target, column, t.tenantId, t.sourceSystem);
  // Rows that existed before this run and that it updated, whose source no longer names a parent:
  // clear the column. (Rows this run created got their reference at insert, or NULL and a deferred ref.)
  const cleared = `SELECT t.id FROM ${target} t JOIN ${idMap} m ON m.target_id = t.id
      WHERE m.last_run_id = $1 AND m.created_run_id <> $1 AND m.target_table = $2 AND m.source_entity = $4 AND t.${col} IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM ${dr} d WHERE d.run_id = $1 AND d.target_table = $2 AND d.column_name = $3 AND d.target_id = t.id)`;
  await client.query(`INSERT INTO ${bi} (run_id, target_table, target_id, row_data) SELECT $1, $2, t.id, to_jsonb(t) FROM ${target} t WHERE t.id IN (${cleared}) ON CONFLICT DO NOTHING`, params);
  await client.query(`UPDATE ${target} SET ${col} = NULL WHERE id IN (${cleared})`, params);

  // Orphans: the parent is not in the target.
  const refTable = qualified(t.targetSchema, refTableOf(ce, column, catalog));
  const { rows: orphans } = await client.query<DeferredRow & { ref_table: string }>(
    `SELECT d.* FROM ${dr} d JOIN ${target} t ON t.id = d.target_id
      WHERE d.run_id = $1 AND d.target_table = $2 AND d.column_name = $3
        AND NOT EXISTS (SELECT 1 FROM ${refTable} r WHERE r.id = d.ref_id)`,
    params.slice(0, 3),
  );
  const quarantine: { entity: string; sourceId: string; field: string; reason: string; record: unknown }[] = [];
  const placeholders: { table: string; entity: string; sourceId: string; id: string }[] = [];
  for (const o of orphans) {
    if (o.on_orphan === 'placeholder') placeholders.push({ table: o.ref_table, entity: o.ref_entity, sourceId: o.ref_source_id, id: o.ref_id });
    if (o.on_orphan === 'quarantine') {
      quarantine.push({ entity: ce.entity, sourceId: o.source_id, field: column, reason: `references ${o.ref_entity} ${JSON.stringify(o.ref_source_id)}, which was not loaded (orphan)`, record: { [column]: o.ref_source_id } });
    }
  }
  await insertOrphans(client, t.controlSchema, t.runId, orphans.map((o) => ({
    entity: ce.entity, sourceId: o.source_id, field: column, refEntity: o.ref_entity, refSourceId: o.ref_source_id, policy: o.on_orphan,
  })));
  if (placeholders.length) await insertPlaceholders(client, t, catalog, placeholders);
  if (quarantine.length) {
    const ids = orphans.filter((o) => o.on_orphan === 'quarantine').map((o) => o.target_id);
    await client.query('SAVEPOINT nm_orphan_q');
    try {
      await client.query(`DELETE FROM ${target} WHERE id = ANY($1::uuid[])`, [ids]);
      await client.query(`DELETE FROM ${idMap} WHERE target_id = ANY($1::uuid[]) AND created_run_id = $2`, [ids, t.runId]);
      await client.query('SET CONSTRAINTS ALL IMMEDIATE');
      await client.query('SET CONSTRAINTS ALL DEFERRED');
      await client.query('RELEASE SAVEPOINT nm_orphan_q');
      await insertQuarantine(client, t.controlSchema, t.runId, quarantine);
      await adjustProgress(client, t.controlSchema, t.runId, ce.entity, -quarantine.length, quarantine.length);
    } catch {
      // Other rows reference them: keep the rows with a NULL reference, reported as orphans.
      await client.query('ROLLBACK TO SAVEPOINT nm_orphan_q');
    }
  }
  // Resolved references (parents present, placeholders included).
  const resolved = `SELECT d.target_id, d.ref_id FROM ${dr} d WHERE d.run_id = $1 AND d.target_table = $2 AND d.column_name = $3`;
  // Before-images only for rows that existed before this run (rollback deletes the ones it created).
  await client.query(
    `INSERT INTO ${bi} (run_id, target_table, target_id, row_data)
     SELECT $1, $2, t.id, to_jsonb(t) FROM ${target} t
       JOIN ${dr} d ON d.target_id = t.id AND d.run_id = $1 AND d.target_table = $2 AND d.column_name = $3
       JOIN ${idMap} m ON m.target_id = d.target_id
      WHERE m.created_run_id <> $1 AND t.${col} IS DISTINCT FROM d.ref_id AND EXISTS (SELECT 1 FROM ${refTable} r WHERE r.id = d.ref_id)
     ON CONFLICT DO NOTHING`,
    [t.runId, ce.target, column],
  );
  await client.query(
    `UPDATE ${target} t SET ${col} = d.ref_id FROM (${resolved}) d
      WHERE d.target_id = t.id AND t.${col} IS DISTINCT FROM d.ref_id
        AND EXISTS (SELECT 1 FROM ${refTable} r WHERE r.id = d.ref_id)`,
    params.slice(0, 3),
  );
}

/** The table a deferred column points at, from the target's foreign keys (or the entity's own table). */
function refTableOf(ce: CompiledEntity, column: string, catalog: TargetCatalog): string {
  return catalog.get(ce.target)?.foreignKeys.find((f) => f.column === column)?.refTable ?? ce.target;
}
