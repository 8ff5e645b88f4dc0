/**
 * Loading one entity of a run: its batches streamed through two connections (batch n+1 loads while
 * batch n commits), its checkpoint resumed, its progress reported. The run (run.ts) calls it for
 * the entities it loads itself; a unit on another worker (unit.ts) calls it for the one entity it
 * was given.
 */
import type pg from 'pg';
import { checkRecordBatch } from '../../shared/record-batch.ts';
import type { CompiledEntity } from './mapping/compile.ts';
import type { Warnings } from './mapping/warnings.ts';
import type { TargetCatalog } from './target/introspect.ts';
import { processBatch, directIsSafe, type EntityLoadState } from './load/batch.ts';
import type { BatchCounts, ProgressRow } from './sql/runs.ts';
import { lastCompletedCheckpoint, setProgressStatus } from './sql/runs.ts';
import { qualified } from '../db/sql/ident.ts';
import { batchMode, RunStopped, type RunOptions } from './run-types.ts';

export interface EntityContext {
  o: RunOptions;
  runId: string;
  sourceSystem: string;
  catalog: TargetCatalog;
  compiled: Map<string, CompiledEntity>;
  /** The entities the source has. */
  available: Set<string>;
  warnings: Warnings;
  warningsScope?: 'run' | 'entity';
  batchSize: number;
  timings: Record<string, number>;
}

export async function loadOneEntity(x: EntityContext, entity: string, p: ProgressRow, clients: pg.PoolClient[]): Promise<void> {
  const { o, runId } = x;
  const cs = o.controlSchema;
  const client = clients[0]!;
  const ce = x.compiled.get(entity)!;
  await setProgressStatus(client, cs, runId, entity, 'running');
  if (!x.available.has(entity)) {
    x.warnings.other(`the source has no entity ${entity}; nothing was read for it`);
    await setProgressStatus(client, cs, runId, entity, 'done');
    return;
  }
  const state: EntityLoadState = {
    t: { targetSchema: o.targetSchema, controlSchema: cs, runId, tenantId: o.tenantId, sourceSystem: x.sourceSystem },
    ce, catalog: x.catalog, mode: o.mode, warnings: x.warnings, warningsScope: x.warningsScope,
    direct: o.mode === 'run' && o.loadPath !== 'merge' && directIsSafe(ce, x.catalog) && !(await loadedBefore(client, o.targetSchema, ce.target, o.tenantId, x.sourceSystem, entity)),
  };
  const tEntity = Date.now();
  const totals = { extracted: Number(p.extracted), created: Number(p.created), updated: Number(p.updated), unchanged: Number(p.unchanged), quarantined: Number(p.quarantined), skipped: Number(p.skipped) };
  const checkpoint = p.checkpoint
    ?? (o.incremental ? await lastCompletedCheckpoint(client, o.baseline?.controlSchema ?? cs, { tenantId: o.tenantId, sourceSystem: x.sourceSystem, targetSchema: o.baseline?.targetSchema ?? o.targetSchema, entity }) : null)
    ?? undefined;
  await streamEntity(o, state, checkpoint, clients, x.batchSize, (c, seconds) => {
    o.onBatch?.({ runId, mode: batchMode(o), entity, counts: c, seconds });
    for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += c[k];
    const secs = (Date.now() - tEntity) / 1000;
    o.onProgress?.({ runId, entity, ...totals, recordsPerSecond: Math.round(totals.extracted / Math.max(secs, 0.001)) });
  });
  x.timings[`entity:${entity}`] = (Date.now() - tEntity) / 1000;
  await setProgressStatus(client, cs, runId, entity, 'done');
}

/**
 * Stream one entity's batches through two connections: batch n+1 loads while batch n commits.
 * Each batch commits only after its predecessor; the first failure stops the entity.
 */
async function streamEntity(
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

/** n pooled connections with the tenant setting on, reset before they go back to the pool. */
export async function withTenantClients<T>(pool: pg.Pool, tenantId: string, n: number, fn: (clients: pg.PoolClient[]) => Promise<T>): Promise<T> {
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

/** Run fn over items, at most `limit` at a time; every started one finishes, then the first error is thrown. */
export async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
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

/** Does the target already hold rows of this entity (then batches merge rather than COPY directly)? */
async function loadedBefore(q: pg.PoolClient, targetSchema: string, table: string, tenantId: string, sourceSystem: string, entity: string): Promise<boolean> {
  const { rows } = await q.query(
    `SELECT 1 FROM ${qualified(targetSchema, table)} WHERE tenant_id = $1 AND source_system = $2 AND source_entity = $3 LIMIT 1`,
    [tenantId, sourceSystem, entity],
  );
  return rows.length > 0;
}
