/**
 * Background runs. Start, dry-run and resume call the engine's runMigration without blocking the
 * request; progress goes to the event bus (SSE), the outcome to the migration's status, the logs
 * table and the webhooks. Pause and cancel abort the run's signal; a resumed run uses the same
 * run key, so the engine continues from its checkpoints.
 */
import { errorMessage } from './http.ts';
import type pg from 'pg';
import { createLogger, type LogEntry, type Logger } from '../../shared/log/logger.ts';
import { redactText } from '../../shared/log/redact.ts';
import type { RunReport } from '../report/types.ts';
import type { CredentialStore } from './credentials/store.ts';
import { withSystem, withTenant, type Db } from './db.ts';
import type { EventBus } from './events/bus.ts';
import type { ConnectorPort, EnginePort, ProgressEvent } from './ports.ts';
import type { WebhookDispatcher } from './webhooks/dispatcher.ts';
import { openMigrationSource } from './migration-source.ts';

export interface RunnerDeps {
  db: Db;
  targetSchema: string;
  engine: EnginePort;
  connectors: ConnectorPort;
  credentials: CredentialStore;
  bus: EventBus;
  webhooks: WebhookDispatcher;
  log: Logger;
  /** Lets runs read agent-sourced migrations (migration-source.ts). */
  agentTransportKey?: import('../../shared/crypto/index.ts').EncodedKeyPair | null;
}

interface Active {
  controller: AbortController;
  stopAs: 'paused' | 'cancelled' | null;
  runId: string | null;
  mode: 'run' | 'dry-run';
}

export interface MigrationRow {
  id: string;
  tenant_id: string;
  name: string;
  source_system: string;
  status: string;
  config: Record<string, unknown>;
  mapping_yaml: string | null;
}

export class Runner {
  private readonly active = new Map<string, Active>();
  private readonly jobs = new Set<Promise<void>>();

  constructor(private readonly d: RunnerDeps) {}

  activeIds(): string[] {
    return [...this.active.keys()];
  }

  isActive(migrationId: string): boolean {
    return this.active.has(migrationId);
  }

  /** Launch a run in the background. The caller has already moved the migration's status. */
  launch(m: MigrationRow, mode: 'run' | 'dry-run'): void {
    const a: Active = { controller: new AbortController(), stopAs: null, runId: null, mode };
    this.active.set(m.id, a);
    const job = this.execute(m, mode, a)
      .catch((err: unknown) => this.d.log.error('background run crashed', { migrationId: m.id, error: errorMessage(err) }))
      .finally(() => {
        this.active.delete(m.id);
        this.jobs.delete(job);
      });
    this.jobs.add(job);
  }

  /** Ask a running migration to stop; returns false when nothing runs. */
  stop(migrationId: string, as: 'paused' | 'cancelled'): boolean {
    const a = this.active.get(migrationId);
    if (!a) return false;
    a.stopAs = as;
    // The engine reads the reason: 'paused' keeps the run resumable, anything else cancels it.
    a.controller.abort(as);
    return true;
  }

  async idle(): Promise<void> {
    while (this.jobs.size > 0) await Promise.allSettled([...this.jobs]);
  }

  private async execute(m: MigrationRow, mode: 'run' | 'dry-run', a: Active): Promise<void> {
    const { db, bus } = this.d;
    const tenantId = m.tenant_id;
    const log = this.d.log.child({ migrationId: m.id, mode });
    const estimates = (m.config.estimatedCounts ?? {}) as Record<string, number>;
    const status = (s: string, extra: { runId?: string | null; error?: string | null } = {}): void =>
      bus.publish(tenantId, { type: 'status', migrationId: m.id, status: s, ...extra });
    // Engine log lines go to the server log and, in order, to the logs table (awaited before the run ends).
    let logChain: Promise<unknown> = Promise.resolve();
    const dbSink = (e: LogEntry): void => {
      const { ts: _ts, level, msg, runId, ...fields } = e;
      logChain = logChain
        .then(() => withSystem(db, (c) => c.query(
          'INSERT INTO logs (tenant_id, migration_id, run_id, level, message, fields) VALUES ($1, $2, $3, $4, $5, $6)',
          [tenantId, m.id, typeof runId === 'string' ? runId : a.runId, level, msg, JSON.stringify(fields)],
        )))
        .catch(() => undefined);
    };
    const engineLog = createLogger({ level: 'info', sinks: [dbSink], base: {} });
    let report: RunReport | null = null;
    let failure: string | null = null;
    const source = await openMigrationSource(this.d, m, log).catch((err: unknown) => {
      failure = errorMessage(err);
      return null;
    });
    try {
      if (source) {
        await this.dbLog(tenantId, m.id, null, 'info', `${mode} started`);
        report = await this.d.engine.runMigration({
          pool: db.pool,
          source,
          mappingYaml: m.mapping_yaml ?? '',
          vars: { TENANT_ID: tenantId, FRANCHISE_ID: String(m.config.franchiseId ?? tenantId) },
          tenantId,
          targetSchema: this.d.targetSchema,
          controlSchema: db.schema,
          mode,
          migrationId: m.id,
          runKey: `${m.id}:${mode}`,
          batchSize: typeof m.config.batchSize === 'number' ? m.config.batchSize : undefined,
          signal: a.controller.signal,
          logger: engineLog,
          onProgress: (e: ProgressEvent) => {
            a.runId = e.runId;
            const loaded = e.created + e.updated + e.unchanged;
            const est = estimates[e.entity];
            const eta = est && e.recordsPerSecond > 0 ? Math.max(0, (est - e.extracted) / e.recordsPerSecond) : null;
            bus.publish(tenantId, { type: 'progress', migrationId: m.id, mode, ...e, loaded, etaSeconds: eta });
          },
        });
        a.runId = report.runId;
        if (report.status === 'failed') failure = report.error ?? 'run failed';
      }
    } catch (err) {
      failure = errorMessage(err);
    } finally {
      if (source) await source.close().catch(() => undefined);
      await logChain;
    }
    // A stop that arrived after the last batch does not undo a completed run.
    const completed = !!report && report.status === 'completed' && !failure;
    const next = completed ? (mode === 'dry-run' ? 'awaiting_approval' : 'completed') : a.stopAs ?? 'failed';
    const stopped = !completed && a.stopAs !== null;
    await withSystem(db, async (c) => {
      await c.query('UPDATE migrations SET status = $2, updated_at = now() WHERE id = $1', [m.id, next]);
      if (report) await c.query('UPDATE runs SET report = $2 WHERE id = $1 AND report IS NULL', [report.runId, JSON.stringify(report)]);
    });
    const failed = next === 'failed';
    await this.dbLog(tenantId, m.id, a.runId, failed ? 'error' : 'info', failed ? `${mode} failed: ${failure ?? 'no report'}` : `${mode} ${next}`);
    status(next, { runId: a.runId, error: failed ? failure : null });
    if (stopped) return;
    const summary = { migrationId: m.id, name: m.name, mode, runId: a.runId, status: next, totals: report?.totals ?? null, error: failure };
    if (failed) this.d.webhooks.emit(tenantId, report ? 'migration.failed' : 'migration.critical', summary);
    else this.d.webhooks.emit(tenantId, mode === 'dry-run' ? 'dry_run.completed' : 'migration.completed', summary);
  }

  private async dbLog(tenantId: string, migrationId: string, runId: string | null, level: 'info' | 'error', message: string): Promise<void> {
    await withSystem(this.d.db, (c: pg.PoolClient) =>
      c.query('INSERT INTO logs (tenant_id, migration_id, run_id, level, message) VALUES ($1, $2, $3, $4, $5)', [tenantId, migrationId, runId, level, redactText(message)]),
    );
  }
}
