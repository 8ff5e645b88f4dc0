/**
 * One source batch → one transaction: transform, validate, load (direct or merge), quarantine what
 * fails, record orphans and deferred references, and move the checkpoint. Either all of it commits
 * or none of it does, so a run killed at any instant resumes to the same final state.
 */
import type pg from 'pg';
import type { ParsedRecordBatch } from '../../../shared/record-batch.ts';
import { targetId } from '../../../shared/ids.ts';
import type { CompiledEntity, RefValue } from '../mapping/compile.ts';
import type { Warnings } from '../mapping/warnings.ts';
import type { TargetCatalog } from '../target/introspect.ts';
import { advanceProgress, type BatchCounts, zeroCounts } from '../sql/runs.ts';
import {
  existingIds, idsLoadedThisRun, insertDeferred, insertOrphans, insertQuarantine,
  type DeferredEntry, type OrphanEntry, type QuarantineEntry,
} from '../sql/records.ts';
import { bisectApply, deleteRows, mergeRows, tryDirect, type LoadTarget, type MergeResult } from './merge.ts';
import { prepareStages } from './stage.ts';
import { checkBusinessKeys } from './unique.ts';
import { dryRunRows, existsForDryRun } from './dry-run.ts';
import { refusedField } from './db-field.ts';
import { keepWithPlaceholders, resolveOrphans, type RowWithRefs } from './orphans.ts';
import { applyMatches, redirectRefs } from './match.ts';

export interface EntityLoadState {
  t: LoadTarget;
  ce: CompiledEntity;
  catalog: TargetCatalog;
  mode: 'run' | 'dry-run';
  warnings: Warnings;
  /** Try plain COPY first; turned off for the rest of the entity after the first conflict. */
  direct: boolean;
  /** Where the batch's warnings are saved: the run's row (default) or, for a unit on another worker, the entity's. */
  warningsScope?: 'run' | 'entity';
}

/** Direct COPY is only safe when the database itself checks every forward reference. */
export function directIsSafe(ce: CompiledEntity, catalog: TargetCatalog): boolean {
  const fks = new Set(catalog.get(ce.target)?.foreignKeys.map((f) => f.column));
  return ce.refColumns.every((c) => fks.has(c));
}

/**
 * `before` resolves when the previous batch of the entity has committed. Batches may load
 * concurrently, but each commits (and moves the checkpoint) only after its predecessor, so the
 * checkpoint never passes a batch that did not commit.
 */
export async function processBatch(client: pg.PoolClient, s: EntityLoadState, batch: ParsedRecordBatch, before: Promise<unknown> = Promise.resolve()): Promise<BatchCounts> {
  const { t, ce } = s;
  const counts = zeroCounts();
  counts.extracted = batch.records.length;
  const quarantine: QuarantineEntry[] = [];
  let rows: RowWithRefs[] = [];
  const deletes: string[] = [];
  const seen = new Set<string>();
  for (const rec of batch.records) {
    // A rejected or keyless record is quarantined once, and never takes part in duplicate detection.
    const a = ce.admit(rec);
    if (a.kind === 'quarantine') {
      quarantine.push({ entity: ce.entity, sourceId: rec.sourceId, field: a.field, reason: a.reason, record: rec.fields });
      continue;
    }
    const sourceId = a.sourceId;
    if (rec.op === 'delete') {
      deletes.push(targetId(t.tenantId, t.sourceSystem, ce.idEntity, sourceId));
      continue;
    }
    if (seen.has(sourceId)) {
      quarantine.push({ entity: ce.entity, sourceId, field: '(source id)', reason: `duplicate source id ${JSON.stringify(sourceId)} within the run (the first occurrence was kept)`, record: rec.fields });
      continue;
    }
    seen.add(sourceId);
    const o = ce.transform(sourceId, rec.fields);
    if (o.kind === 'row') rows.push({ sourceId, id: o.id, values: o.values, fields: rec.fields, refs: o.refs });
    else if (o.kind === 'skip') counts.skipped++;
    else quarantine.push({ entity: ce.entity, sourceId, field: o.field, reason: o.reason, record: rec.fields });
  }

  await prepareStages(client, t.targetSchema, ce.target);
  for (const table of ce.refTables) await prepareStages(client, t.targetSchema, table);
  await client.query('BEGIN');
  try {
    // A server crash may lose the last few committed batches, but each batch's rows and its
    // checkpoint are lost together, so a resume re-reads exactly them: no fsync wait per batch.
    await client.query('SET LOCAL synchronous_commit TO off');
    await client.query('SET CONSTRAINTS ALL DEFERRED');
    if (ce.uniqueColumns.length > 0 && rows.length > 0) {
      // Business keys are checked against what earlier batches committed.
      await before;
      const u = await checkBusinessKeys(client, t, ce, rows);
      for (const d of u.duplicates) quarantine.push({ entity: ce.entity, sourceId: d.row.sourceId, field: d.field, reason: d.reason, record: d.row.fields });
      rows = u.keep;
    }
    const orphans: OrphanEntry[] = [];
    // Live tenants: records that are rows the tenant already has leave the batch here (load/match.ts).
    await redirectRefs(client, t, ce, rows);
    const m = { updated: 0, unchanged: 0, skipped: 0 };
    if (ce.match && rows.length > 0) {
      await before;
      const r = await applyMatches(client, t, ce, s.catalog, s.mode, rows);
      quarantine.push(...r.quarantine);
      orphans.push(...r.orphans);
      Object.assign(m, { updated: r.updated, unchanged: r.unchanged, skipped: r.skipped });
      counts.matched = r.matched;
      rows = r.rest;
    }
    let loaded: RowWithRefs[] = rows;
    let result: MergeResult = { created: 0, updated: 0, unchanged: 0, failed: [] };
    const inlined = s.mode === 'run' && s.direct && rows.length > 0 ? await inlineSelfRefs(client, t, ce, rows) : [];
    if (s.mode === 'run' && s.direct && rows.length > 0 && (await tryDirect(client, t, ce, rows))) {
      result.created = rows.length;
    } else if (rows.length > 0) {
      // The merge path links self-references after the load, as always: undo the inlining.
      for (const { row, ref } of inlined) {
        row.values[ref.colIndex] = null;
        ref.deferred = true;
      }
      if (s.mode === 'run') s.direct = false;
      // The slow path reads what earlier batches wrote (duplicates, parents): let them commit first.
      await before;
      let candidates = rows;
      if (s.mode === 'run') {
        const dupes = await idsLoadedThisRun(client, t.controlSchema, t.runId, rows.map((r) => r.id));
        candidates = rows.filter((r) => {
          if (!dupes.has(r.id)) return true;
          quarantine.push({ entity: ce.entity, sourceId: r.sourceId, field: '(source id)', reason: `duplicate source id ${JSON.stringify(r.sourceId)} within the run (the first occurrence was kept)`, record: r.fields });
          return false;
        });
      }
      const exists = s.mode === 'run'
        ? (table: string, ids: string[]) => existingIds(client, t.targetSchema, table, ids)
        : (table: string, ids: string[]) => existsForDryRun(client, t.targetSchema, table, ids);
      const o = await resolveOrphans(candidates, ce.entity, exists);
      orphans.push(...o.orphans);
      for (const q of o.quarantined) quarantine.push({ entity: ce.entity, sourceId: q.row.sourceId, field: q.field, reason: q.reason, record: q.row.fields });
      const keep = s.mode === 'run' ? await keepWithPlaceholders(client, t, s.catalog, ce.entity, o, quarantine) : o.keep;
      result = s.mode === 'run' ? await mergeRows(client, t, ce, keep) : await dryRunRows(client, t, ce, keep);
      const failedIds = new Set(result.failed.map((f) => f.row.id));
      for (const f of result.failed) {
        const field = await refusedField(client, t.targetSchema, ce, f.error);
        quarantine.push({ entity: ce.entity, sourceId: f.row.sourceId, field, reason: `rejected by the target database${field ? ` (field ${field})` : ''}: ${f.reason}`, record: f.row.fields });
      }
      loaded = keep.filter((r) => !failedIds.has(r.id));
    }
    counts.created = result.created;
    counts.updated = result.updated + m.updated;
    counts.unchanged = result.unchanged + m.unchanged;
    counts.skipped += m.skipped;
    if (s.mode === 'run') {
      const deferred: DeferredEntry[] = [];
      for (const r of loaded) for (const ref of r.refs) if (ref.deferred) {
        deferred.push({ targetTable: ce.target, targetId: r.id, column: ref.column, refTable: ref.refTable, refId: ref.refId, refEntity: ref.refEntity, refSourceId: ref.refSourceId, sourceEntity: ce.entity, sourceId: r.sourceId, onOrphan: ref.policy });
      }
      await insertDeferred(client, t.controlSchema, t.runId, deferred);
      counts.deleted = await applyDeletes(client, s, deletes, quarantine);
    } else {
      counts.deleted = (await existingIds(client, t.targetSchema, ce.target, deletes)).size;
    }
    counts.unchanged += deletes.length - counts.deleted - quarantine.filter((q) => q.field === '(delete)').length;
    counts.quarantined = quarantine.length;
    await insertQuarantine(client, t.controlSchema, t.runId, quarantine);
    await insertOrphans(client, t.controlSchema, t.runId, orphans);
    await before;
    await advanceProgress(client, t.controlSchema, t.runId, ce.entity, counts, batch.checkpoint, batch.seq, s.warnings.toJSON(), s.warningsScope);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
  return counts;
}

/**
 * On a first load, a self-reference whose parent is already in the target or in this very batch is
 * written directly instead of in the link phase (deferred foreign keys are checked before commit).
 * Returns what it changed, so a fallback to the merge path can undo it.
 */
async function inlineSelfRefs(client: pg.PoolClient, t: LoadTarget, ce: CompiledEntity, rows: RowWithRefs[]): Promise<{ row: RowWithRefs; ref: RefValue }[]> {
  const pending: { row: RowWithRefs; ref: RefValue }[] = [];
  for (const row of rows) for (const ref of row.refs) if (ref.deferred && ref.refTable === ce.target) pending.push({ row, ref });
  if (pending.length === 0) return [];
  const inBatch = new Set(rows.map((r) => r.id));
  const outside = [...new Set(pending.filter((p) => !inBatch.has(p.ref.refId)).map((p) => p.ref.refId))];
  const found = await existingIds(client, t.targetSchema, ce.target, outside);
  const done = pending.filter((p) => inBatch.has(p.ref.refId) || found.has(p.ref.refId));
  for (const { row, ref } of done) {
    row.values[ref.colIndex] = ref.refId;
    ref.deferred = false;
  }
  return done;
}

async function applyDeletes(client: pg.PoolClient, s: EntityLoadState, ids: string[], quarantine: QuarantineEntry[]): Promise<number> {
  if (ids.length === 0) return 0;
  let deleted = 0;
  const failed = await bisectApply(client, ids, async (part) => {
    deleted += await deleteRows(client, s.t, s.ce, part);
  });
  for (const f of failed) {
    quarantine.push({ entity: s.ce.entity, sourceId: null, field: '(delete)', reason: `the source deleted this record but target row ${f.row} is still referenced and was kept: ${f.reason}`, record: { targetId: f.row } });
  }
  return deleted;
}
