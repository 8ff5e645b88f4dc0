/**
 * An agent-sourced migration's source: a SourceConnector whose every request goes through the
 * durable command queue to the on-prem agent, and whose records come from the durably staged
 * batches in the control DB (staged-source.ts), so it works from any control-plane process. The
 * control plane never opens a connection to the customer's database.
 *
 * read(entity) starts one agent job for that entity (command start_job, waiting while the agent is
 * offline) and yields its staged batches; its checkpoint is {jobId, seq}, so a resumed run goes on
 * reading the same job from where it stopped.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { CheckResult, DiscoveredSchema, ReadOptions, SourceConnector } from '../../shared/connector.ts';
import type { EncodedKeyPair } from '../../shared/crypto/index.ts';
import { silentLogger, type Logger } from '../../shared/log/logger.ts';
import type { RecordBatch } from '../../shared/record-batch.ts';
import { AgentCommandQueue, describeAgent, isOnline } from './command-queue.ts';
import { StagedJobNotFoundError } from './errors.ts';
import { openStagedSource } from './staged-source.ts';
import { GatewayStore } from './store.ts';

export interface AgentSourceOptions {
  pool: pg.Pool;
  controlSchema: string;
  transportKey: EncodedKeyPair;
  tenantId: string;
  migrationId: string;
  agentId: string;
  /** The agent's connection name (its settings and password stay on the agent). */
  connection: string;
  sourceSystem: string;
  logger?: Logger;
  queue?: AgentCommandQueue;
  /** How often staged batches are looked for (default 200 ms). */
  pollMs?: number;
}

export class AgentSourceConfigError extends Error {
  override readonly name = 'AgentSourceConfigError';
}

interface AgentCheckpoint { jobId?: unknown; seq?: unknown }

export function openAgentSource(o: AgentSourceOptions): SourceConnector {
  return new AgentSource(o);
}

class AgentSource implements SourceConnector {
  readonly sourceSystem: string;
  private readonly queue: AgentCommandQueue;
  private readonly log: Logger;
  private schema: DiscoveredSchema | null = null;
  private readonly started = new Set<string>();

  constructor(private readonly o: AgentSourceOptions) {
    this.sourceSystem = o.sourceSystem;
    this.queue = o.queue ?? new AgentCommandQueue(o.pool, o.controlSchema);
    this.log = (o.logger ?? silentLogger).child({ agentId: o.agentId, connection: o.connection });
  }

  private conn(): { connection: string } {
    return { connection: this.o.connection };
  }

  async check(): Promise<CheckResult> {
    const agent = await this.queue.agent(this.o.tenantId, this.o.agentId);
    const r = (await this.queue.request(this.o.tenantId, this.o.agentId, 'test_connection', this.conn())) as CheckResult;
    return { ...r, message: `via agent ${agent.name}, connection ${this.o.connection}: ${r.message}` };
  }

  async discover(): Promise<DiscoveredSchema> {
    this.schema = (await this.queue.request(this.o.tenantId, this.o.agentId, 'discover', this.conn(), { timeoutMs: 120_000 })) as DiscoveredSchema;
    return this.schema;
  }

  async entities(): Promise<string[]> {
    if (!this.schema) {
      // The engine asks at the start of a run: wait for an offline agent rather than fail the run.
      this.schema = (await this.queue.request(this.o.tenantId, this.o.agentId, 'discover', this.conn(), {
        timeoutMs: 120_000, waitWhileOffline: true, onWaiting: (msg) => this.log.warn(msg),
      })) as DiscoveredSchema;
    }
    return this.schema.streams.map((s) => s.entity);
  }

  async sample(entity: string, limit: number): Promise<RecordBatch> {
    const records = (await this.queue.request(this.o.tenantId, this.o.agentId, 'preview', { ...this.conn(), entity, limit: Math.min(100, Math.max(1, limit)) }, { timeoutMs: 60_000 })) as RecordBatch['records'];
    return { v: 1, sourceSystem: this.sourceSystem, entity, seq: 0, records, checkpoint: {}, final: false };
  }

  async *read(entity: string, options: ReadOptions): AsyncIterable<RecordBatch> {
    const cp = (options.checkpoint ?? {}) as AgentCheckpoint;
    let jobId = typeof cp.jobId === 'string' ? cp.jobId : null;
    const after = typeof cp.seq === 'number' ? cp.seq : undefined;
    if (jobId && !(await this.queue.store.jobExists(jobId))) jobId = null;
    if (jobId) await this.resumeIfFailed(jobId, entity, options.signal);
    if (!jobId) jobId = await this.startJob(entity, options.signal);
    const staged = await this.openStaged(jobId, options.signal);
    const watchdog = this.watch(options.signal);
    try {
      for await (const b of staged.read(entity, { batchSize: options.batchSize, signal: options.signal, ...(after !== undefined ? { checkpoint: { seq: after } } : {}) })) {
        yield { ...b, checkpoint: { jobId, seq: (b.checkpoint as { seq: number }).seq } };
      }
    } catch (err) {
      if (options.signal?.aborted && options.signal.reason === 'cancelled') this.cancel(jobId);
      throw err;
    } finally {
      watchdog();
    }
  }

  async close(): Promise<void> {
    // The pool belongs to the caller; agent jobs end by themselves once extracted.
  }

  private async startJob(entity: string, signal?: AbortSignal): Promise<string> {
    const jobId = randomUUID();
    // Linked first, so the console shows the entity waiting for the agent while it is offline.
    await this.queue.store.linkMigrationJob({ jobId, migrationId: this.o.migrationId, tenantId: this.o.tenantId, agentId: this.o.agentId, entity });
    await this.queue.request(this.o.tenantId, this.o.agentId, 'start_job', { ...this.conn(), entities: [entity], jobId }, {
      timeoutMs: 60_000, waitWhileOffline: true, signal, onWaiting: (msg) => this.log.warn(msg, { entity }),
    });
    this.started.add(jobId);
    this.log.info('agent job started', { entity, jobId });
    return jobId;
  }

  /**
   * A resumed run whose agent job failed (a source error, a full disk before it was handled) asks
   * the agent to resume that job from its own checkpoint, so nothing staged is read twice or lost.
   */
  private async resumeIfFailed(jobId: string, entity: string, signal?: AbortSignal): Promise<void> {
    const jobs = new GatewayStore(this.o.pool, this.o.controlSchema);
    const job = await jobs.getJob(jobId);
    if (job?.state !== 'failed') return;
    this.log.info('resuming the failed agent job from its checkpoint', { entity, jobId, error: job.error });
    await this.queue.request(this.o.tenantId, this.o.agentId, 'resume_job', { jobId }, {
      timeoutMs: 60_000, waitWhileOffline: true, signal, onWaiting: (msg) => this.log.warn(msg, { entity }),
    });
    // The agent's job_status (running) follows its answer; until it lands the row still says failed.
    await jobs.setJobState(jobId, job.agent_id, 'running', Number(job.extracted), null);
  }

  /** The job's row arrives with the agent's job_open, just before start_job's answer. */
  private async openStaged(jobId: string, signal?: AbortSignal): Promise<SourceConnector> {
    for (let i = 0; ; i++) {
      try {
        return await openStagedSource({ pool: this.o.pool, controlSchema: this.o.controlSchema, jobId, transportKey: this.o.transportKey, pollMs: this.o.pollMs });
      } catch (err) {
        if (!(err instanceof StagedJobNotFoundError) || i >= 150) throw err;
        signal?.throwIfAborted();
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  /** While reading, tell the log once per outage that the run waits for the agent. */
  private watch(signal?: AbortSignal): () => void {
    let offline = false;
    const timer = setInterval(() => {
      if (signal?.aborted) return;
      void this.queue.store.presence(this.o.agentId).then((p) => {
        if (!p) return;
        const now = !isOnline(p);
        if (now && !offline) this.log.warn(`waiting for ${describeAgent(p)}`);
        if (!now && offline) this.log.info(`agent ${p.name} is back; the run continues`);
        offline = now;
      }, () => undefined);
    }, 2000);
    timer.unref();
    return () => clearInterval(timer);
  }

  private cancel(jobId: string): void {
    void this.queue.request(this.o.tenantId, this.o.agentId, 'cancel_job', { jobId }, { timeoutMs: 30_000 })
      .catch((err: unknown) => this.log.warn('could not cancel the agent job', { jobId, error: err instanceof Error ? err.message : String(err) }));
  }
}

/** The agent source settings of a migration's config, or null when it is not agent-sourced. */
export function agentSourceConfig(config: Record<string, unknown>): { agentId: string; connection: string } | null {
  const agentId = config.agentId;
  const connection = config.agentConnection;
  if (agentId === undefined && connection === undefined) return null;
  if (typeof agentId !== 'string' || !/^[0-9a-f-]{36}$/i.test(agentId)) throw new AgentSourceConfigError('config.agentId must be the id of an enrolled agent');
  if (typeof connection !== 'string' || connection.length === 0 || connection.length > 200) throw new AgentSourceConfigError('config.agentConnection must name a connection on that agent');
  return { agentId, connection };
}
