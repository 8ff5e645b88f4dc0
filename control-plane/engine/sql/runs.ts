/** Control-schema operations on runs and per-entity progress. One operation per function. */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { qualified } from '../../db/sql/ident.ts';

type Q = pg.Pool | pg.PoolClient;

export interface RunRow {
  id: string;
  migration_id: string | null;
  tenant_id: string;
  run_key: string;
  mode: 'run' | 'dry-run';
  status: string;
  source_system: string;
  target_schema: string;
  mapping_hash: string;
  started_at: Date;
  finished_at: Date | null;
  warnings: Record<string, unknown>;
  report: unknown;
  error: string | null;
  /** What preflight did (tenant or franchise created), when anything. */
  preflight?: unknown;
}

export interface ProgressRow {
  entity: string;
  target_table: string;
  status: 'pending' | 'running' | 'done' | 'failed';
  extracted: string;
  created: string;
  updated: string;
  unchanged: string;
  deleted: string;
  quarantined: string;
  skipped: string;
  /** Records matched to existing rows of a live tenant (migration 190). */
  matched?: string;
  /** Records of an entity the mapping does not use (migration 121). */
  not_in_mapping?: string;
  checkpoint: Record<string, unknown> | null;
  last_seq: number | null;
  /** Warnings of a unit loaded on another worker ({} otherwise); the run absorbs them at its end. */
  warnings: Record<string, unknown> | null;
  started_at: Date | null;
  finished_at: Date | null;
}

/** The newest unfinished run with this key, which a new start resumes. */
export async function findResumableRun(q: Q, cs: string, runKey: string): Promise<RunRow | null> {
  const { rows } = await q.query<RunRow>(
    `SELECT * FROM ${qualified(cs, 'runs')} WHERE run_key = $1 AND status IN ('running', 'paused', 'failed') ORDER BY started_at DESC LIMIT 1`,
    [runKey],
  );
  return rows[0] ?? null;
}

export async function insertRun(
  q: Q,
  cs: string,
  r: { migrationId: string | null; tenantId: string; runKey: string; mode: 'run' | 'dry-run'; sourceSystem: string; targetSchema: string; mappingHash: string },
): Promise<string> {
  const id = randomUUID();
  await q.query(
    `INSERT INTO ${qualified(cs, 'runs')} (id, migration_id, tenant_id, run_key, mode, source_system, target_schema, mapping_hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [id, r.migrationId, r.tenantId, r.runKey, r.mode, r.sourceSystem, r.targetSchema, r.mappingHash],
  );
  return id;
}

export async function setRunStatus(q: Q, cs: string, runId: string, status: string, error: string | null = null): Promise<void> {
  await q.query(
    `UPDATE ${qualified(cs, 'runs')} SET status = $2, error = $3,
            finished_at = CASE WHEN $2 IN ('completed','failed','cancelled','rolled_back') THEN now() ELSE finished_at END
      WHERE id = $1`,
    [runId, status, error],
  );
}

export async function saveRunReport(q: Q, cs: string, runId: string, report: unknown): Promise<void> {
  await q.query(`UPDATE ${qualified(cs, 'runs')} SET report = $2 WHERE id = $1`, [runId, JSON.stringify(report)]);
}

export async function getRun(q: Q, cs: string, runId: string): Promise<RunRow | null> {
  const { rows } = await q.query<RunRow>(`SELECT * FROM ${qualified(cs, 'runs')} WHERE id = $1`, [runId]);
  return rows[0] ?? null;
}

export async function ensureProgress(q: Q, cs: string, runId: string, entity: string, table: string): Promise<void> {
  await q.query(
    `INSERT INTO ${qualified(cs, 'entity_progress')} (run_id, entity, target_table) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
    [runId, entity, table],
  );
}

export async function listProgress(q: Q, cs: string, runId: string): Promise<ProgressRow[]> {
  const { rows } = await q.query<ProgressRow>(`SELECT * FROM ${qualified(cs, 'entity_progress')} WHERE run_id = $1 ORDER BY started_at NULLS LAST, entity`, [runId]);
  return rows;
}

export async function setProgressStatus(q: Q, cs: string, runId: string, entity: string, status: ProgressRow['status']): Promise<void> {
  await q.query(
    `UPDATE ${qualified(cs, 'entity_progress')}
        SET status = $3,
            started_at = COALESCE(started_at, now()),
            finished_at = CASE WHEN $3 = 'done' THEN now() ELSE NULL END
      WHERE run_id = $1 AND entity = $2`,
    [runId, entity, status],
  );
}

export interface BatchCounts {
  extracted: number;
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  quarantined: number;
  skipped: number;
  /** Records matched to rows the tenant already had (`match:`): part of updated, unchanged or skipped. */
  matched: number;
}

export const zeroCounts = (): BatchCounts => ({ extracted: 0, created: 0, updated: 0, unchanged: 0, deleted: 0, quarantined: 0, skipped: 0, matched: 0 });

/** The checkpoint an entity ended at in the newest completed run into this target (incremental starts). */
export async function lastCompletedCheckpoint(
  q: Q, cs: string, k: { tenantId: string; sourceSystem: string; targetSchema: string; entity: string },
): Promise<Record<string, unknown> | null> {
  const { rows } = await q.query<{ checkpoint: Record<string, unknown> | null }>(
    `SELECT ep.checkpoint FROM ${qualified(cs, 'entity_progress')} ep JOIN ${qualified(cs, 'runs')} r ON r.id = ep.run_id
      WHERE r.tenant_id = $1 AND r.source_system = $2 AND r.target_schema = $3 AND r.mode = 'run' AND r.status = 'completed'
        AND ep.entity = $4 AND ep.checkpoint IS NOT NULL
      ORDER BY r.finished_at DESC LIMIT 1`,
    [k.tenantId, k.sourceSystem, k.targetSchema, k.entity],
  );
  return rows[0]?.checkpoint ?? null;
}

/** Add a committed batch's counts and move the checkpoint, in the batch's own transaction. */
export async function advanceProgress(
  q: Q, cs: string, runId: string, entity: string, c: BatchCounts, checkpoint: unknown, seq: number, warnings: unknown, warningsScope: 'run' | 'entity' = 'run',
): Promise<void> {
  await q.query(
    `UPDATE ${qualified(cs, 'entity_progress')}
        SET extracted = extracted + $3, created = created + $4, updated = updated + $5, unchanged = unchanged + $6,
            deleted = deleted + $7, quarantined = quarantined + $8, skipped = skipped + $9,
            batches = batches + 1, checkpoint = $10, last_seq = $11, matched = matched + $12
      WHERE run_id = $1 AND entity = $2`,
    [runId, entity, c.extracted, c.created, c.updated, c.unchanged, c.deleted, c.quarantined, c.skipped, JSON.stringify(checkpoint), seq, c.matched ?? 0],
  );
  // A unit loaded by another worker keeps its warnings on its own row; the run merges them at its end.
  if (warningsScope === 'entity') {
    await q.query(`UPDATE ${qualified(cs, 'entity_progress')} SET warnings = $3 WHERE run_id = $1 AND entity = $2`, [runId, entity, JSON.stringify(warnings)]);
  } else await q.query(`UPDATE ${qualified(cs, 'runs')} SET warnings = $2 WHERE id = $1`, [runId, JSON.stringify(warnings)]);
}

/** Adjust counts outside a batch (link phase moving a row from created to quarantined). */
export async function adjustProgress(q: Q, cs: string, runId: string, entity: string, created: number, quarantined: number): Promise<void> {
  await q.query(
    `UPDATE ${qualified(cs, 'entity_progress')} SET created = created + $3, quarantined = quarantined + $4 WHERE run_id = $1 AND entity = $2`,
    [runId, entity, created, quarantined],
  );
}

/** An entity the mapping does not use: all `n` records read count as not in the mapping; the entity is done. */
export async function recordNotInMapping(q: Q, cs: string, runId: string, entity: string, n: number): Promise<void> {
  await q.query(
    `UPDATE ${qualified(cs, 'entity_progress')}
        SET extracted = $3, not_in_mapping = $3, status = 'done', started_at = COALESCE(started_at, now()), finished_at = now()
      WHERE run_id = $1 AND entity = $2`,
    [runId, entity, n],
  );
}
