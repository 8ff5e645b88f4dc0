/**
 * runMigration: source batches + mapping → validated, checkpointed rows in Logic Nexus.
 * Entities load in dependency order; each batch commits with its checkpoint; a run started again
 * with the same key resumes where it stopped; the link phase closes self-references and cycles.
 */
import { checkRecordBatch } from '../../shared/record-batch.ts';
import { silentLogger, type Logger } from '../../shared/log/logger.ts';
import { redactText } from '../../shared/log/redact.ts';
import type { RunReport } from '../report/types.ts';
import { loadMapping, mappingHash } from './mapping/load.ts';
import { compileMapping, referenceEdges } from './mapping/compile.ts';
import { Warnings } from './mapping/warnings.ts';
import { introspectTarget } from './target/introspect.ts';
import { planLoadOrder } from './load-order.ts';
import { buildOwnerDirectory } from './owners.ts';
import { eachLimited, loadOneEntity, withTenantClients, type EntityContext } from './entity-load.ts';
import { linkDeferred } from './link.ts';
import { buildReport } from './report.ts';
import { qualified } from '../db/sql/ident.ts';
import { withTransaction } from '../db/sql/transaction.ts';
import { applyPreflight, checkPreflight, type PreflightRecord } from './preflight.ts';
import { savePreflight } from './sql/preflight.ts';
import { buildShadow, copyBack, dropShadow, shadowNames, shadowRunKey } from './shadow.ts';
import { dropOrphanedShadows, holdShadowLock, type ShadowHold } from './shadow-orphans.ts';
import {
  advanceProgress, ensureProgress, recordNotInMapping, findResumableRun, lastCompletedCheckpoint, insertRun, listProgress, saveRunReport, setProgressStatus, setRunStatus, zeroCounts,
} from './sql/runs.ts';

export type { ProgressEvent, RunOptions, UnitLevel, UnitScheduler } from './run-types.ts';
export { NOT_IN_MAPPING, RunStopped } from './run-types.ts';
import { batchMode, NOT_IN_MAPPING, RunStopped, type RunOptions } from './run-types.ts';

export async function runMigration(o: RunOptions): Promise<RunReport> {
  if (o.mode === 'dry-run' && (o.dryRun ?? 'shadow') === 'shadow') return shadowDryRun(o);
  return runCore(o);
}

/** The dry run as the real load into shadow copies; the outcome lands in the live control schema. */
async function shadowDryRun(o: RunOptions): Promise<RunReport> {
  const t0 = Date.now();
  const mapping = loadMapping(o.mappingYaml, { TENANT_ID: o.tenantId, ...o.vars });
  const hash = mappingHash(o.mappingYaml);
  const runKey = o.runKey ?? [o.tenantId, mapping.sourceSystem, o.targetSchema, o.migrationId ?? hash, o.mode].join(':');
  const need = await checkPreflight({ ...o, mapping, catalog: await introspectTarget(o.pool, o.targetSchema) });
  await dropOrphanedShadows(o.pool, { controlSchema: o.controlSchema, log: o.logger });
  const runId = await insertRun(o.pool, o.controlSchema, { migrationId: o.migrationId ?? null, tenantId: o.tenantId, runKey, mode: 'dry-run', sourceSystem: mapping.sourceSystem, targetSchema: o.targetSchema, mappingHash: hash });
  let shadow: Awaited<ReturnType<typeof buildShadow>> | null = null;
  let hold: ShadowHold | null = null;
  let failure: unknown = null;
  let timings: Record<string, number> = {};
  try {
    // Held from before the copies exist until after they are dropped: it tells a later start this dry run is alive.
    hold = await holdShadowLock(o.pool, shadowNames(runId));
    shadow = await buildShadow(o.pool, { targetSchema: o.targetSchema, controlSchema: o.controlSchema, tenantId: o.tenantId, runId });
    const record = await applyPreflight(o.pool, shadow.target, o.tenantId, need);
    await savePreflight(o.pool, o.controlSchema, runId, record);
    timings.shadow = (Date.now() - t0) / 1000;
    const inner = await runCore({
      ...o, mode: 'run', runId, targetSchema: shadow.target, controlSchema: shadow.control, runKey: shadowRunKey(runKey),
      baseline: { controlSchema: o.controlSchema, targetSchema: o.targetSchema }, extraWarnings: [...createdNotes(record, o.targetSchema, true), ...shadow.notes],
    }).catch((err: unknown) => {
      failure = err;
      return null;
    });
    timings = { ...timings, ...(inner?.timings ?? {}) };
    await copyBack(o.pool, shadow, o.controlSchema, runId);
  } catch (err) {
    failure ??= err;
    const message = redactText(err instanceof Error ? err.message : String(err));
    await setRunStatus(o.pool, o.controlSchema, runId, 'failed', message).catch(() => undefined);
  } finally {
    await dropShadow(o.pool, shadow ?? shadowNames(runId)).catch(() => undefined);
    await hold?.release();
  }
  timings.total = (Date.now() - t0) / 1000;
  const report = await buildReport(o.pool, o.controlSchema, runId, timings);
  await saveRunReport(o.pool, o.controlSchema, runId, failure ? { ...report, error: report.error ?? String((failure as Error).message ?? failure) } : report);
  if (failure) throw failure;
  return report;
}

async function runCore(o: RunOptions & { extraWarnings?: string[] }): Promise<RunReport> {
  const log = o.logger ?? silentLogger;
  const cs = o.controlSchema;
  const batchSize = o.batchSize ?? 5000;
  const t0 = Date.now();
  const mapping = loadMapping(o.mappingYaml, { TENANT_ID: o.tenantId, ...o.vars });
  const hash = mappingHash(o.mappingYaml);
  const catalog = await introspectTarget(o.pool, o.targetSchema);
  const entities = Object.keys(mapping.entities).filter((e) => e !== mapping.owners?.entity);
  const plan = planLoadOrder(entities, referenceEdges(mapping));
  const warnings = new Warnings();
  // The shadow run (o.runId set) was checked against the live target by its caller.
  const need = o.runId ? null : await checkPreflight({ ...o, mapping, catalog });

  const runKey = o.runKey ?? [o.tenantId, mapping.sourceSystem, o.targetSchema, o.migrationId ?? hash, o.mode].join(':');
  const existing = o.runId ? null : await findResumableRun(o.pool, cs, runKey);
  const resumed = existing !== null && existing.mapping_hash === hash;
  const runId = o.runId ?? (resumed
    ? existing.id
    : await insertRun(o.pool, cs, { migrationId: o.migrationId ?? null, tenantId: o.tenantId, runKey, mode: o.mode, sourceSystem: mapping.sourceSystem, targetSchema: o.targetSchema, mappingHash: hash }));
  for (const note of o.extraWarnings ?? []) warnings.other(note);
  if (need && o.mode === 'run') {
    const record = await applyPreflight(o.pool, o.targetSchema, o.tenantId, need);
    await savePreflight(o.pool, cs, runId, record);
    for (const note of createdNotes(record, o.targetSchema, false)) warnings.other(note);
  }
  if (resumed && existing) {
    warnings.restore(existing.warnings as never);
    await setRunStatus(o.pool, cs, runId, 'running');
    log.info('resuming run', { runId });
  } else log.info('starting run', { runId, mode: o.mode, order: plan.order });

  const timings: Record<string, number> = {};
  try {
    const tOwners = Date.now();
    const owners = await buildOwnerDirectory(o.pool, o.targetSchema, o.tenantId, mapping, o.source, warnings, batchSize);
    timings.owners = (Date.now() - tOwners) / 1000;
    const compiled = compileMapping({ mapping, catalog, tenantId: o.tenantId, deferred: plan.deferred, owners: owners.resolver, warnings });
    for (const e of plan.order) await ensureProgress(o.pool, cs, runId, e, compiled.get(e)!.target);
    if (mapping.owners) await recordOwnerEntity(o, runId, mapping.owners.entity, owners, warnings);

    const available = new Set(await o.source.entities());
    const unmapped = [...available].sort().filter((e) => !mapping.entities[e] && e !== mapping.owners?.entity);
    for (const e of unmapped) {
      warnings.other(`source entity ${e} is not in the mapping, so none of its records were loaded (map it, or confirm it is not needed)`);
      if (o.source.deliversEverything) await ensureProgress(o.pool, cs, runId, e, NOT_IN_MAPPING);
    }
    const progress = new Map((await listProgress(o.pool, cs, runId)).map((p) => [p.entity, p]));
    const ctx: EntityContext = { o, runId, sourceSystem: mapping.sourceSystem, catalog, compiled, available, warnings, batchSize, timings };
    const loadHere = (entity: string): Promise<void> => withTenantClients(o.pool, o.tenantId, perEntity, (clients) => loadOneEntity(ctx, entity, progress.get(entity)!, clients));
    // Entities of one level reference only earlier levels, so a run loads up to `parallelism` of them
    // at once, each on its own two connections (batch n+1 loads while batch n commits). A compare-mode
    // dry run keeps the ids it has seen in session temp tables: one connection, one entity at a time.
    const perEntity = o.mode === 'dry-run' ? 1 : 2;
    const width = o.mode === 'dry-run' ? 1 : entityParallelism(o);
    for (const level of plan.levels) {
      const todo = level.filter((e) => progress.get(e)!.status !== 'done');
      if (o.units && width > 1 && todo.length > 1) {
        await o.units.runLevel({ runId, entities: todo, width, mode: o.mode, targetSchema: o.targetSchema, controlSchema: cs, runKey, baseline: o.baseline, signal: o.signal, local: loadHere });
      } else await eachLimited(todo, width, loadHere);
    }
    // Units loaded on other workers kept their warnings on their own rows.
    for (const p of await listProgress(o.pool, cs, runId)) if (p.warnings && Object.keys(p.warnings).length) warnings.absorb(p.warnings as never);
    // Entities the source delivered that the mapping does not use: read and counted, never loaded.
    if (o.source.deliversEverything) {
      const done = new Set((await listProgress(o.pool, cs, runId)).filter((p) => p.status === 'done').map((p) => p.entity));
      for (const e of unmapped) {
        if (done.has(e)) continue;
        let n = 0;
        for await (const raw of o.source.read(e, { batchSize, signal: o.signal })) n += checkRecordBatch(raw).records.length;
        await recordNotInMapping(o.pool, cs, runId, e, n);
        o.onBatch?.({ runId, mode: batchMode(o), entity: e, counts: { ...zeroCounts(), extracted: n, notInMapping: n }, seconds: null });
      }
    }
    if (o.mode === 'run') {
      const tLink = Date.now();
      await linkDeferred(o.pool, { targetSchema: o.targetSchema, controlSchema: cs, runId, tenantId: o.tenantId, sourceSystem: mapping.sourceSystem }, compiled, catalog);
      timings.link = (Date.now() - tLink) / 1000;
    }
    await o.pool.query(`UPDATE ${qualified(cs, 'runs')} SET warnings = $2 WHERE id = $1`, [runId, JSON.stringify(warnings.toJSON())]);
    await setRunStatus(o.pool, cs, runId, 'completed');
  } catch (err) {
    const status = err instanceof RunStopped ? err.status : o.signal?.aborted ? (o.signal.reason === 'paused' ? 'paused' : 'cancelled') : 'failed';
    const message = redactText(err instanceof Error ? err.message : String(err));
    await setRunStatus(o.pool, cs, runId, status, message).catch(() => undefined);
    log.error('run stopped', { runId, status, error: message });
    const report = await buildReport(o.pool, cs, runId, timings).catch(() => null);
    if (report) await saveRunReport(o.pool, cs, runId, { ...report, error: message }).catch(() => undefined);
    throw err;
  }
  timings.total = (Date.now() - t0) / 1000;
  const report = await buildReport(o.pool, cs, runId, timings);
  await saveRunReport(o.pool, cs, runId, report);
  log.info('run finished', { runId, totals: report.totals });
  return report;
}

function createdNotes(r: PreflightRecord, schema: string, dry: boolean): string[] {
  const verb = dry ? 'the run will create' : 'created';
  const out: string[] = [];
  if (r.tenantCreated) out.push(`preflight: ${verb} tenant ${r.tenantId} in ${schema}.tenants (--create-tenant)`);
  if (r.franchiseCreated) out.push(`preflight: ${verb} franchise ${r.franchiseId} in ${schema}.franchises (--create-tenant)`);
  return out;
}

/**
 * Entities loaded at once: the option, else 1. On the 2-core test machine two at once was slower at 1M
 * records (ratio 1.30 against 1.22 one at a time; the target database is the bottleneck), so it is opt-in.
 */
function entityParallelism(o: RunOptions): number {
  return o.parallelism !== undefined ? Math.max(1, Math.floor(o.parallelism)) : 1;
}

/** Source users are matched, not loaded: matched ones count as unchanged, unmatched as skipped. */
async function recordOwnerEntity(o: RunOptions, runId: string, entity: string, dir: Awaited<ReturnType<typeof buildOwnerDirectory>>, warnings: Warnings): Promise<void> {
  await ensureProgress(o.pool, o.controlSchema, runId, entity, 'users');
  const done = (await listProgress(o.pool, o.controlSchema, runId)).find((p) => p.entity === entity)?.status === 'done';
  if (done) return;
  const c = zeroCounts();
  c.extracted = dir.read;
  c.unchanged = dir.matched;
  c.skipped = dir.read - dir.matched;
  await withTransaction(o.pool, async (client) => {
    await advanceProgress(client, o.controlSchema, runId, entity, c, { owners: 'matched by email' }, 0, warnings.toJSON());
    await client.query(`UPDATE ${qualified(o.controlSchema, 'entity_progress')} SET status = 'done', started_at = now(), finished_at = now() WHERE run_id = $1 AND entity = $2`, [runId, entity]);
  });
  o.onBatch?.({ runId, mode: batchMode(o), entity, counts: c, seconds: null });
}
