/**
 * Staged agent batches as a SourceConnector, for the engine (runMigration). read(entity)
 * yields the staged batches in seq order, decrypted, and waits for more until the agent's
 * final batch for that entity has been staged. Its checkpoint is {seq}.
 */
import type pg from 'pg';
import type { CheckResult, DiscoveredSchema, ReadOptions, SourceConnector } from '../../shared/connector.ts';
import { openBatch, unwrapDataKey, type EncodedKeyPair } from '../../shared/crypto/index.ts';
import type { RecordBatch } from '../../shared/record-batch.ts';
import { StagedJobNotFoundError } from './errors.ts';
import { GatewayStore, type AgentJobRow } from './store.ts';

export interface StagedSourceOptions {
  pool: pg.Pool;
  controlSchema: string;
  jobId: string;
  transportKey: EncodedKeyPair;
  /** How often to look for newly staged batches while waiting (default 200 ms). */
  pollMs?: number;
  /** Gateway notification hook, to wake up early (optional; polling always works across processes). */
  onStaged?: (listener: (e: { jobId: string }) => void) => () => void;
}

export class AgentJobEndedError extends Error {
  override readonly name = 'AgentJobEndedError';
  constructor(readonly jobId: string, readonly entity: string, state: string, error: string | null) {
    super(`agent job ${jobId} ended (${state}) before the final batch of ${entity}${error ? `: ${error}` : ''}`);
  }
}

export async function openStagedSource(opts: StagedSourceOptions): Promise<SourceConnector> {
  const store = new GatewayStore(opts.pool, opts.controlSchema);
  const job = await store.getJob(opts.jobId);
  if (!job) throw new StagedJobNotFoundError(opts.jobId);
  return new StagedSource(store, job, unwrapDataKey(job.wrapped_key, opts.transportKey, job.id), opts);
}

class StagedSource implements SourceConnector {
  readonly sourceSystem: string;
  /** The agent extracts and stages every entity of the job, mapped or not. */
  readonly deliversEverything = true;

  constructor(
    private readonly store: GatewayStore,
    private readonly job: AgentJobRow,
    private readonly key: Buffer,
    private readonly opts: StagedSourceOptions,
  ) {
    this.sourceSystem = job.source_system;
  }

  async check(): Promise<CheckResult> {
    const job = await this.store.getJob(this.job.id);
    return job ? { ok: true, message: `agent job ${job.id}: ${job.state}` } : { ok: false, message: `agent job ${this.job.id} not found` };
  }

  async discover(): Promise<DiscoveredSchema> {
    return {
      sourceSystem: this.sourceSystem,
      streams: this.job.entities.map((entity) => ({ entity, primaryKey: [], fields: [] })),
      warnings: ['schema is discovered on the agent (RPC "discover"); staged batches carry records only'],
    };
  }

  async entities(): Promise<string[]> {
    return [...this.job.entities];
  }

  async *read(entity: string, options: ReadOptions): AsyncIterable<RecordBatch> {
    const start = options.checkpoint?.seq;
    let after = typeof start === 'number' ? start : -1;
    for (;;) {
      options.signal?.throwIfAborted();
      const rows = await this.store.stagedAfter(this.job.id, entity, after, 16);
      let progressed = false;
      for (const row of rows) {
        if (row.seq !== after + 1) break; // a gap: wait for the missing batch
        const batch = openBatch(row.sealed, this.key, { jobId: this.job.id, entity, seq: row.seq });
        after = row.seq;
        progressed = true;
        yield { ...batch, checkpoint: { seq: row.seq }, final: row.final };
        if (row.final) return;
      }
      if (progressed) continue;
      const job = await this.store.getJob(this.job.id);
      if (job && (job.state === 'cancelled' || job.state === 'failed')) throw new AgentJobEndedError(job.id, entity, job.state, job.error);
      // A completed job has everything staged: nothing after this checkpoint means the entity is done.
      if (job?.state === 'completed' && (await this.store.stagedAfter(this.job.id, entity, after, 1)).length === 0) return;
      await this.wait(options.signal);
    }
  }

  async sample(entity: string, limit: number): Promise<RecordBatch> {
    const [row] = await this.store.stagedAfter(this.job.id, entity, -1, 1);
    if (!row) return { v: 1, sourceSystem: this.sourceSystem, entity, seq: 0, records: [], checkpoint: {}, final: false };
    const batch = openBatch(row.sealed, this.key, { jobId: this.job.id, entity, seq: row.seq });
    return { ...batch, records: batch.records.slice(0, limit), checkpoint: { seq: row.seq } };
  }

  async close(): Promise<void> {
    // The pool belongs to the caller.
  }

  private wait(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let off: (() => void) | undefined;
      const done = (): void => {
        clearTimeout(timer);
        off?.();
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, this.opts.pollMs ?? 200);
      off = this.opts.onStaged?.((e) => {
        if (e.jobId === this.job.id) done();
      });
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
