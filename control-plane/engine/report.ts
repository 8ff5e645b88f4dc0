/** Build a run's report from the control tables: counts that reconcile, warnings, samples, timings. */
import type pg from 'pg';
import { qualified } from '../db/sql/ident.ts';
import type { EntityCounts, RunReport } from '../report/types.ts';
import { getRun, listProgress } from './sql/runs.ts';
import type { WarningState } from './mapping/warnings.ts';

export async function buildReport(pool: pg.Pool, cs: string, runId: string, timings: Record<string, number> = {}): Promise<RunReport> {
  const run = await getRun(pool, cs, runId);
  if (!run) throw new Error(`run ${runId} does not exist`);
  const progress = await listProgress(pool, cs, runId);
  const entities: EntityCounts[] = progress.map((p) => {
    const n = (v: string) => Number(v);
    const c = {
      entity: p.entity, target: p.target_table, extracted: n(p.extracted), created: n(p.created), updated: n(p.updated),
      unchanged: n(p.unchanged), deleted: n(p.deleted), quarantined: n(p.quarantined), skipped: n(p.skipped),
      ...(Number(p.not_in_mapping ?? 0) > 0 ? { notInMapping: n(p.not_in_mapping!) } : {}),
      ...(Number(p.matched ?? 0) > 0 ? { matched: n(p.matched!) } : {}),
    };
    return { ...c, reconciles: c.extracted === c.created + c.updated + c.unchanged + c.deleted + c.quarantined + c.skipped + (c.notInMapping ?? 0) };
  });
  const sum = (k: keyof Omit<EntityCounts, 'entity' | 'target' | 'reconciles' | 'notInMapping' | 'matched'>) => entities.reduce((a, e) => a + e[k], 0);
  const totals = {
    extracted: sum('extracted'), created: sum('created'), updated: sum('updated'), unchanged: sum('unchanged'),
    deleted: sum('deleted'), quarantined: sum('quarantined'), skipped: sum('skipped'),
    ...(entities.some((e) => e.notInMapping) ? { notInMapping: entities.reduce((a, e) => a + (e.notInMapping ?? 0), 0) } : {}),
    ...(entities.some((e) => e.matched) ? { matched: entities.reduce((a, e) => a + (e.matched ?? 0), 0) } : {}),
    reconciles: entities.every((e) => e.reconciles),
  };
  const { rows: orphanRows } = await pool.query<{ entity: string; field: string; policy: string; count: string; sample: string[] }>(
    `SELECT entity, field, policy, count(*) AS count, (array_agg(source_id || ' → ' || ref_entity || ' ' || ref_source_id ORDER BY id))[1:5] AS sample
       FROM ${qualified(cs, 'orphans')} WHERE run_id = $1 GROUP BY entity, field, policy ORDER BY entity, field`,
    [runId],
  );
  const { rows: qRows } = await pool.query<{ entity: string; source_id: string | null; field: string | null; reason: string }>(
    `SELECT entity, source_id, field, reason FROM ${qualified(cs, 'quarantine')} WHERE run_id = $1 ORDER BY id LIMIT 100`,
    [runId],
  );
  const w = (run.warnings ?? {}) as Partial<WarningState> & { other?: string[] };
  const started = new Date(run.started_at).getTime();
  const finished = run.finished_at ? new Date(run.finished_at).getTime() : Date.now();
  const durationSeconds = Math.max(0.001, (finished - started) / 1000);
  return {
    runId,
    migrationId: run.migration_id,
    mode: run.mode,
    status: run.status as RunReport['status'],
    sourceSystem: run.source_system,
    tenantId: run.tenant_id,
    targetSchema: run.target_schema,
    startedAt: new Date(run.started_at).toISOString(),
    finishedAt: run.finished_at ? new Date(run.finished_at).toISOString() : null,
    durationSeconds,
    entities,
    totals,
    warnings: {
      unmappedFields: Object.entries(w.unmappedFields ?? {}).map(([entity, fields]) => ({ entity, fields })),
      unmappedPicklistValues: w.picklists ?? [],
      unmatchedOwners: w.owners ?? [],
      orphans: orphanRows.map((o) => ({ entity: o.entity, field: o.field, policy: o.policy, count: Number(o.count), sample: o.sample })),
      other: w.other ?? [],
    },
    quarantineSample: qRows.map((q) => ({ entity: q.entity, sourceId: q.source_id, field: q.field, reason: q.reason })),
    throughput: { recordsPerSecond: Math.round(totals.extracted / durationSeconds) },
    timings,
    ...(run.error ? { error: run.error } : {}),
    ...(run.preflight ? { preflight: run.preflight as RunReport['preflight'] } : {}),
  };
}
