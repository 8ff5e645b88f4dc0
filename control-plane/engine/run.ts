/**
 * runMigration: source batches + mapping → validated, checkpointed rows in Logic Nexus.
 * Entities load in dependency order; each batch commits with its checkpoint; a run started again
 * with the same key resumes where it stopped; the link phase closes self-references and cycles.
 */
import type pg from 'pg';
import type { SourceConnector } from '../../shared/connector.ts';
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
import { processBatch, directIsSafe, type EntityLoadState } from './load/batch.ts';
import type { BatchCounts } from './sql/runs.ts';
import { linkDeferred } from './link.ts';
import { buildReport } from './report.ts';
import { qualified } from '../db/sql/ident.ts';
import { withTransaction } from '../db/sql/transaction.ts';
import { applyPreflight, checkPreflight, type PreflightRecord } from './preflight.ts';
import { savePreflight } from './sql/preflight.ts';
import { buildShadow, copyBack, dropShadow, shadowNames, shadowRunKey } from './shadow.ts';
import {
  advanceProgress, ensureProgress, recordNotInMapping, findResumableRun, lastCompletedCheckpoint, insertRun, listProgress, saveRunReport, setProgressStatus, setRunStatus, zeroCounts,
} from './sql/runs.ts';

export interface ProgressEvent {
  runId: string;
  entity: string;
  extracted: number;
  created: number;
  updated: number;
  unchanged: number;
  quarantined: number;
  skipped: number;
  recordsPerSecond: number;
}

export interface RunOptions {
  pool: pg.Pool;
  source: SourceConnector;
  mappingYaml: string;
  vars?: Record<string, string>;
  tenantId: string;
  targetSchema: string;
  controlSchema: string;
  mode: 'run' | 'dry-run';
  migrationId?: string;
  runKey?: string;
  batchSize?: number;
  /**
   * Start each entity from where the newest completed run into this target ended, so only records
   * changed (or deleted) since are read. Needs a connector whose checkpoints carry a cursor.
   */
  incremental?: boolean;
  /** 'auto' (default): direct COPY into empty targets, merge otherwise. 'merge': always COPY-then-merge (benchmarks compare the two). */
  loadPath?: 'auto' | 'merge';
  /**
   * Entities of one dependency level loaded at once (default 1). Each holds two connections, so the
   * pool needs 2 × parallelism + 1.
   */
  parallelism?: number;
  /** Abort with reason 'paused' to pause (resumable) or anything else to cancel. */
  signal?: AbortSignal;
  onProgress?: (e: ProgressEvent) => void;
  /** Each committed batch: its counts and the seconds from its read to its commit (metrics). */
  onBatch?: (b: { runId: string; mode: 'run' | 'dry-run'; entity: string; counts: BatchCounts & { notInMapping?: number }; seconds: number | null }) => void;
  logger?: Logger;
  /**
   * How a dry run works. 'shadow' (default): the real load into constraint-identical copies of the
   * target (see shadow.ts), so its counts are the next run's. 'compare': read-only comparison with
   * the target (faster on a huge target, blind to foreign keys, unique and CHECK constraints).
   */
  dryRun?: 'shadow' | 'compare';
  /**
   * Create the tenant and the mapping's franchise in the target when they are missing (the report
   * records it); without it a missing tenant or franchise stops the run in preflight. A dry run
   * creates them in its shadow copy only.
   */
  createTenant?: boolean;
  /** Internal (shadow dry run): the run row already exists with this id. */
  runId?: string;
  /** Internal (shadow dry run): where incremental runs look up the previous run's checkpoint. */
  baseline?: { controlSchema: string; targetSchema: string };
}

/** The target_table of an entity the mapping does not use. */
export const NOT_IN_MAPPING = '(not in mapping)';

export class RunStopped extends Error {
  constructor(readonly status: 'paused' | 'cancelled') {
    super(`run ${status}`);
    this.name = 'RunStopped';
  }
}

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
  const runId = await insertRun(o.pool, o.controlSchema, { migrationId: o.migrationId ?? null, tenantId: o.tenantId, runKey, mode: 'dry-run', sourceSystem: mapping.sourceSystem, targetSchema: o.targetSchema, mappingHash: hash });
  let shadow: Awaited<ReturnType<typeof buildShadow>> | null = null;
  let failure: unknown = null;
  let timings: Record<string, number> = {};
  try {
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
    const loadOne = async (entity: string, clients: pg.PoolClient[]): Promise<void> => {
      const client = clients[0]!;
      const p = progress.get(entity)!;
      const ce = compiled.get(entity)!;
      await setProgressStatus(client, cs, runId, entity, 'running');
      if (!available.has(entity)) {
        warnings.other(`the source has no entity ${entity}; nothing was read for it`);
        await setProgressStatus(client, cs, runId, entity, 'done');
        return;
      }
      const state: EntityLoadState = {
        t: { targetSchema: o.targetSchema, controlSchema: cs, runId, tenantId: o.tenantId, sourceSystem: mapping.sourceSystem },
        ce, catalog, mode: o.mode, warnings,
        direct: o.mode === 'run' && o.loadPath !== 'merge' && directIsSafe(ce, catalog) && !(await loadedBefore(client, o.targetSchema, ce.target, o.tenantId, mapping.sourceSystem, entity)),
      };
      const tEntity = Date.now();
      const totals = { extracted: Number(p.extracted), created: Number(p.created), updated: Number(p.updated), unchanged: Number(p.unchanged), quarantined: Number(p.quarantined), skipped: Number(p.skipped) };
      const checkpoint = p.checkpoint
        ?? (o.incremental ? await lastCompletedCheckpoint(client, o.baseline?.controlSchema ?? cs, { tenantId: o.tenantId, sourceSystem: mapping.sourceSystem, targetSchema: o.baseline?.targetSchema ?? o.targetSchema, entity }) : null)
        ?? undefined;
      await loadEntity(o, state, checkpoint, clients, batchSize, (c, seconds) => {
        o.onBatch?.({ runId, mode: batchMode(o), entity, counts: c, seconds });
        for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += c[k];
        const secs = (Date.now() - tEntity) / 1000;
        o.onProgress?.({ runId, entity, ...totals, recordsPerSecond: Math.round(totals.extracted / Math.max(secs, 0.001)) });
      });
      timings[`entity:${entity}`] = (Date.now() - tEntity) / 1000;
      await setProgressStatus(client, cs, runId, entity, 'done');
    };
    // Entities of one level reference only earlier levels, so a run loads up to `parallelism` of them
    // at once, each on its own two connections (batch n+1 loads while batch n commits). A compare-mode
    // dry run keeps the ids it has seen in session temp tables: one connection, one entity at a time.
    const perEntity = o.mode === 'dry-run' ? 1 : 2;
    const width = o.mode === 'dry-run' ? 1 : entityParallelism(o);
    for (const level of plan.levels) {
      const todo = level.filter((e) => progress.get(e)!.status !== 'done');
      await eachLimited(todo, width, (entity) => withTenantClients(o.pool, o.tenantId, perEntity, (clients) => loadOne(entity, clients)));
    }
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
 * Stream one entity's batches through two connections: batch n+1 loads while batch n commits.
 * Each batch commits only after its predecessor; the first failure stops the entity.
 */
async function loadEntity(
  o: RunOptions, state: EntityLoadState, checkpoint: unknown, clients: pg.PoolClient[], batchSize: number, onBatch: (c: BatchCounts, seconds: number) => void,
): Promise<void> {
  let previous: Promise<unknown> = Promise.resolve();
  const inflight: Promise<unknown>[] = clients.map(() => Promise.resolve());
  let failure: unknown = null;
  let n = 0;
  try {
    for await (const raw of o.source.read(state.ce.entity, { checkpoint: checkpoint as never, batchSize, signal: o.signal })) {
      if (o.signal?.aborted) throw new RunStopped(o.signal.reason === 'paused' ? 'paused' : 'cancelled');
      if (failure) break;
      const batch = checkRecordBatch(raw);
      const slot = n++ % clients.length;
      await inflight[slot]!.catch(() => undefined);
      if (failure) break;
      const before = previous;
      const t = Date.now();
      const p = processBatch(clients[slot]!, state, batch, before).then((c) => onBatch(c, (Date.now() - t) / 1000));
      p.catch((err: unknown) => {
        failure ??= err;
      });
      previous = p;
      inflight[slot] = p;
    }
  } finally {
    await Promise.allSettled(inflight);
  }
  if (failure) throw failure;
}

/**
 * Entities loaded at once: the option, else 1. On the 2-core test machine two at once was slower at 1M
 * records (ratio 1.30 against 1.22 one at a time; the target database is the bottleneck), so it is opt-in.
 */
function entityParallelism(o: RunOptions): number {
  return o.parallelism !== undefined ? Math.max(1, Math.floor(o.parallelism)) : 1;
}

/** Run fn over items, at most `limit` at a time; every started one finishes, then the first error is thrown. */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown = null;
  const lane = async (): Promise<void> => {
    while (next < items.length && failure === null) {
      const item = items[next++]!;
      await fn(item).catch((err: unknown) => {
        failure ??= err;
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure !== null) throw failure;
}

/** n pooled connections with the tenant setting on, reset before they go back to the pool. */
async function withTenantClients<T>(pool: pg.Pool, tenantId: string, n: number, fn: (clients: pg.PoolClient[]) => Promise<T>): Promise<T> {
  const clients: pg.PoolClient[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const c = await pool.connect();
      clients.push(c);
      await c.query(`SELECT set_config('nexus.tenant_id', $1, false)`, [tenantId]);
    }
    return await fn(clients);
  } finally {
    // The tenant setting must not leak to the next user of a pooled connection.
    for (const c of clients) {
      await c.query(`SELECT set_config('nexus.tenant_id', '', false)`).then(() => c.release(), (err: Error) => c.release(err));
    }
  }
}

/** Does the target already hold rows of this entity (then batches merge rather than COPY directly)? */
async function loadedBefore(q: pg.PoolClient, targetSchema: string, table: string, tenantId: string, sourceSystem: string, entity: string): Promise<boolean> {
  const { rows } = await q.query(
    `SELECT 1 FROM ${qualified(targetSchema, table)} WHERE tenant_id = $1 AND source_system = $2 AND source_entity = $3 LIMIT 1`,
    [tenantId, sourceSystem, entity],
  );
  return rows.length > 0;
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

/** A shadow dry run loads with mode 'run' into its copies: its batches are the dry run's. */
function batchMode(o: RunOptions): 'run' | 'dry-run' {
  return o.baseline ? 'dry-run' : o.mode;
}
