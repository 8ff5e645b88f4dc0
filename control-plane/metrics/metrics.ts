/**
 * Prometheus metrics of one control-plane process (`serve` or a `worker`), every series labelled
 * with the process (process="serve"|"worker", instance=its name). Nothing here names a tenant,
 * a migration or an agent: the endpoint is unauthenticated, so series are by entity, outcome,
 * vendor and state only.
 *
 *   nexus_records_total{mode,entity,outcome}     records this process's runs finished, by outcome (created, updated,
 *                                                unchanged, deleted, quarantined, skipped, not_in_mapping)
 *   nexus_records_read_total{mode,entity}        records read from the source
 *   nexus_batch_duration_seconds{mode,entity}    a batch from its read to its commit
 *   nexus_vendor_budget_remaining{vendor,bucket} requests left in the vendor's budget (lowest credential, as last recorded)
 *   nexus_agent_links{state}                     enrolled agents online / offline / revoked
 *   nexus_queue_depth{queue}                     run jobs waiting in the queue
 *   nexus_runs_active                            runs a worker holds now (every worker)
 */
import client from 'prom-client';
import type pg from 'pg';
import type PgBoss from 'pg-boss';
import type { BatchCounts } from '../engine/sql/runs.ts';
import { qualified } from '../db/sql/ident.ts';
import { OFFLINE_AFTER_S } from '../agent-gateway/command-queue.ts';
import { RUN_QUEUE } from '../jobs/boss.ts';

export const OUTCOMES = ['created', 'updated', 'unchanged', 'deleted', 'quarantined', 'skipped'] as const;

export interface BatchObservation {
  mode: 'run' | 'dry-run';
  entity: string;
  counts: BatchCounts & { notInMapping?: number };
  /** From its read to its commit; null for counts that were no batch (owners matched, entities not in the mapping). */
  seconds: number | null;
}

export interface ProcessMetrics {
  readonly registry: client.Registry;
  batch(b: BatchObservation): void;
  text(): Promise<string>;
  readonly contentType: string;
}

export interface MetricsSources {
  pool: pg.Pool;
  controlSchema: string;
  boss?: PgBoss | null;
}

export function createProcessMetrics(proc: { process: 'serve' | 'worker'; instance: string; nodeMetrics?: boolean }, src: MetricsSources): ProcessMetrics {
  const registry = new client.Registry();
  registry.setDefaultLabels({ process: proc.process, instance: proc.instance });
  // Node's own (memory, event loop, GC): for the real serve and worker processes, not every test server.
  if (proc.nodeMetrics) client.collectDefaultMetrics({ register: registry, prefix: 'nexus_' });
  const records = new client.Counter({ name: 'nexus_records_total', help: 'Records the runs of this process finished, by outcome', labelNames: ['mode', 'entity', 'outcome'], registers: [registry] });
  const read = new client.Counter({ name: 'nexus_records_read_total', help: 'Records read from the source', labelNames: ['mode', 'entity'], registers: [registry] });
  const latency = new client.Histogram({
    name: 'nexus_batch_duration_seconds', help: 'A batch from its read to its commit', labelNames: ['mode', 'entity'], registers: [registry],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  });
  const q = async <T extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<T[]> => (await src.pool.query<T>(sql, values)).rows;
  new client.Gauge({
    name: 'nexus_vendor_budget_remaining', help: "Requests left in a vendor's budget: the lowest of its credentials, as last recorded", labelNames: ['vendor', 'bucket'], registers: [registry],
    async collect() {
      this.reset();
      const rows = await q<{ vendor: string; bucket: string; tokens: number }>(
        `SELECT split_part(key, ':', 1) AS vendor, bucket, min(tokens)::float8 AS tokens FROM ${qualified(src.controlSchema, 'vendor_budgets')} GROUP BY 1, 2`).catch(() => []);
      for (const r of rows) this.set({ vendor: r.vendor, bucket: r.bucket }, Math.max(0, Math.floor(Number(r.tokens))));
    },
  });
  new client.Gauge({
    name: 'nexus_agent_links', help: `Enrolled agents by link state (online: seen in the last ${OFFLINE_AFTER_S} s)`, labelNames: ['state'], registers: [registry],
    async collect() {
      const rows = await q<{ online: number; offline: number; revoked: number }>(
        `SELECT count(*) FILTER (WHERE status = 'active' AND last_seen_at > now() - make_interval(secs => $1))::int AS online,
                count(*) FILTER (WHERE status = 'active' AND (last_seen_at IS NULL OR last_seen_at <= now() - make_interval(secs => $1)))::int AS offline,
                count(*) FILTER (WHERE status = 'revoked')::int AS revoked
           FROM ${qualified(src.controlSchema, 'agents')}`, [OFFLINE_AFTER_S]).catch(() => []);
      const r = rows[0] ?? { online: 0, offline: 0, revoked: 0 };
      for (const state of ['online', 'offline', 'revoked'] as const) this.set({ state }, Number(r[state]));
    },
  });
  new client.Gauge({
    name: 'nexus_queue_depth', help: 'Run jobs waiting in the job queue', labelNames: ['queue'], registers: [registry],
    async collect() {
      if (!src.boss) return;
      const n = await src.boss.getQueueSize(RUN_QUEUE).catch(() => null);
      if (n !== null) this.set({ queue: 'runs' }, n);
    },
  });
  new client.Gauge({
    name: 'nexus_runs_active', help: 'Runs a worker holds now (all workers)', registers: [registry],
    async collect() {
      const rows = await q<{ n: number }>(`SELECT count(*)::int AS n FROM ${qualified(src.controlSchema, 'active_runs')} WHERE worker IS NOT NULL`).catch(() => null);
      if (rows) this.set(Number(rows[0]!.n));
    },
  });
  return {
    registry,
    contentType: registry.contentType,
    batch(b) {
      read.inc({ mode: b.mode, entity: b.entity }, b.counts.extracted);
      for (const outcome of OUTCOMES) if (b.counts[outcome] > 0) records.inc({ mode: b.mode, entity: b.entity, outcome }, b.counts[outcome]);
      if (b.counts.notInMapping) records.inc({ mode: b.mode, entity: b.entity, outcome: 'not_in_mapping' }, b.counts.notInMapping);
      if (b.seconds !== null) latency.observe({ mode: b.mode, entity: b.entity }, b.seconds);
    },
    text: () => registry.metrics(),
  };
}

/** /readyz: the control database answers and the job queue is there. */
export async function readiness(src: MetricsSources): Promise<{ ready: boolean; checks: Record<string, string> }> {
  const checks: Record<string, string> = {};
  try {
    await src.pool.query('SELECT 1');
    checks.database = 'ok';
  } catch {
    checks.database = 'the control database does not answer';
  }
  if (src.boss) {
    try {
      checks.queue = (await src.boss.getQueue(RUN_QUEUE)) ? 'ok' : `the job queue ${RUN_QUEUE} does not exist`;
    } catch {
      checks.queue = 'the job queue does not answer';
    }
  }
  return { ready: Object.values(checks).every((v) => v === 'ok'), checks };
}
