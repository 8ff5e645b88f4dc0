/** Control-schema writes that accompany a batch: quarantine, orphans, deferred references, id map. */
import type pg from 'pg';
import { qualified } from '../../db/sql/ident.ts';
import { jsonSafe } from '../mapping/convert.ts';

export interface QuarantineEntry { entity: string; sourceId: string | null; field: string | null; reason: string; record: unknown }
export interface OrphanEntry { entity: string; sourceId: string; field: string; refEntity: string; refSourceId: string; policy: string }
export interface DeferredEntry {
  targetTable: string; targetId: string; column: string; refTable: string; refId: string; refEntity: string; refSourceId: string;
  sourceEntity: string; sourceId: string; onOrphan: string;
}

const MAX_RECORD_JSON = 64 * 1024;

function recordJson(record: unknown): string {
  const s = JSON.stringify(jsonSafe(record));
  return s.length > MAX_RECORD_JSON ? JSON.stringify({ truncated: true, preview: s.slice(0, 2048) }) : s;
}

export async function insertQuarantine(q: pg.PoolClient, cs: string, runId: string, rows: QuarantineEntry[]): Promise<void> {
  if (rows.length === 0) return;
  await q.query(
    `INSERT INTO ${qualified(cs, 'quarantine')} (run_id, entity, source_id, field, reason, record)
     SELECT $1, e, s, f, r, rec::jsonb FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS t(e, s, f, r, rec)`,
    [
      runId,
      rows.map((r) => r.entity),
      rows.map((r) => (r.sourceId === null ? null : (jsonSafe(r.sourceId) as string))),
      rows.map((r) => r.field),
      rows.map((r) => jsonSafe(r.reason) as string),
      rows.map((r) => recordJson(r.record)),
    ],
  );
}

export async function insertOrphans(q: pg.PoolClient, cs: string, runId: string, rows: OrphanEntry[]): Promise<void> {
  if (rows.length === 0) return;
  await q.query(
    `INSERT INTO ${qualified(cs, 'orphans')} (run_id, entity, source_id, field, ref_entity, ref_source_id, policy)
     SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) ON CONFLICT DO NOTHING`,
    [runId, rows.map((r) => r.entity), rows.map((r) => r.sourceId), rows.map((r) => r.field), rows.map((r) => r.refEntity), rows.map((r) => r.refSourceId), rows.map((r) => r.policy)],
  );
}

export async function insertDeferred(q: pg.PoolClient, cs: string, runId: string, rows: DeferredEntry[]): Promise<void> {
  if (rows.length === 0) return;
  const col = <K extends keyof DeferredEntry>(k: K) => rows.map((r) => r[k]);
  await q.query(
    `INSERT INTO ${qualified(cs, 'deferred_refs')}
       (run_id, target_table, target_id, column_name, ref_table, ref_id, ref_entity, ref_source_id, source_entity, source_id, on_orphan)
     SELECT $1, * FROM unnest($2::text[], $3::uuid[], $4::text[], $5::text[], $6::uuid[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
     ON CONFLICT (run_id, target_table, target_id, column_name) DO UPDATE
       SET ref_table = EXCLUDED.ref_table, ref_id = EXCLUDED.ref_id, ref_entity = EXCLUDED.ref_entity, ref_source_id = EXCLUDED.ref_source_id`,
    [runId, col('targetTable'), col('targetId'), col('column'), col('refTable'), col('refId'), col('refEntity'), col('refSourceId'), col('sourceEntity'), col('sourceId'), col('onOrphan')],
  );
}

/** Which of these ids exist in schema.table. */
export async function existingIds(q: pg.PoolClient, schema: string, table: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await q.query<{ id: string }>(`SELECT id FROM ${qualified(schema, table)} WHERE id = ANY($1::uuid[])`, [ids]);
  return new Set(rows.map((r) => r.id));
}

/** Target ids this run already loaded (duplicate source ids within a run). */
export async function idsLoadedThisRun(q: pg.PoolClient, cs: string, runId: string, targetIds: string[]): Promise<Set<string>> {
  if (targetIds.length === 0) return new Set();
  const { rows } = await q.query<{ target_id: string }>(
    `SELECT target_id FROM ${qualified(cs, 'id_map')} WHERE target_id = ANY($1::uuid[]) AND last_run_id = $2`,
    [targetIds, runId],
  );
  return new Set(rows.map((r) => r.target_id));
}
