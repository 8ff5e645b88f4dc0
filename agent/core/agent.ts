/**
 * The agent service: local state, the outbound link, the sender (credit-based flow control over
 * the spool) and the jobs. The same object runs headless (`nexus-migrate agent start
 * --headless`) and inside the Electron app, which reaches it through ui-bridge.ts.
 */
import { assertSecureTransport } from './transport-policy.ts';
import { randomUUID } from 'node:crypto';
import { createDataKey, generateIdentityKeyPair, signChallenge, wrapDataKey } from '../../shared/crypto/index.ts';
import { createLogger, type Logger, type LogSink } from '../../shared/log/logger.ts';
import { redactText } from '../../shared/log/redact.ts';
import type { AgentMsg, ServerMsg } from '../../shared/protocol/messages.ts';
import type { SecretStore } from '../secrets/secret-store.ts';
import { loadAgentConfig, type AgentConfig, type AgentConfigInput } from './config.ts';
import { DiskSpaceGuard, isDiskFull } from './disk-space.ts';
import { runJobExtraction } from './job-runner.ts';
import { AgentLink } from './link.ts';
import { fileSink, LogBuffer } from './log-buffer.ts';
import { handleRpc } from './rpc.ts';
import { defaultSourceFactory, openConnection, type SourceFactory } from './sources.ts';
import { SpoolGate } from './spool-gate.ts';
import { AgentState, type AgentJobState } from './state.ts';

export const AGENT_VERSION = '0.1.0';
const IDENTITY_ACCOUNT = 'agent-identity';
const jobKeyAccount = (jobId: string): string => `job-key:${jobId}`;

export interface AgentOptions {
  dataDir: string;
  secrets: SecretStore;
  config?: AgentConfigInput;
  sourceFactory?: SourceFactory;
  /** Extra log sinks (the console in headless mode). */
  logSinks?: LogSink[];
}

export class EnrollmentError extends Error {
  override readonly name = 'EnrollmentError';
}

export class NotEnrolledError extends Error {
  override readonly name = 'NotEnrolledError';
  constructor() {
    super('this agent is not enrolled; run `nexus-migrate agent enroll --url <control plane> --token <token>` first');
  }
}

interface ActiveJob {
  abort: AbortController;
  paused: boolean;
  resume: (() => void) | null;
  done: Promise<void>;
  /** Why extraction waits for disk space ("disk full on the agent: …"), or null. Memory only: the disk is full. */
  diskWait: string | null;
}

export class Agent {
  readonly state: AgentState;
  readonly dataDir: string;
  readonly config: AgentConfig;
  readonly logger: Logger;
  readonly logs = new LogBuffer();
  readonly secrets: SecretStore;
  readonly sourceFactory: SourceFactory;
  readonly spool: SpoolGate;
  readonly disk: DiskSpaceGuard;
  /** Acknowledgements whose spool delete failed on a full disk; retried until they stick. */
  private readonly pendingAcks: { jobId: string; entity: string; seq: number }[] = [];
  private ackRetry: NodeJS.Timeout | null = null;
  private link: AgentLink | null = null;
  private credits = 0;
  private sentUpTo = 0;
  private readonly opened = new Set<string>();
  private readonly active = new Map<string, ActiveJob>();
  private readonly keys = new Map<string, Buffer>();
  private enrolling: { token: string; name: string; publicKey: string; privateKey: string; resolve(): void; reject(e: Error): void } | null = null;
  private privateKey: string | null = null;
  /** Frame tap (diagnostics and tests). */
  onFrameOut?: (data: Buffer) => void;

  constructor(opts: AgentOptions) {
    this.dataDir = opts.dataDir;
    this.config = loadAgentConfig(opts.dataDir, opts.config);
    this.logger = createLogger({ sinks: [this.logs.sink, fileSink(opts.dataDir), ...(opts.logSinks ?? [])], base: { component: 'agent' } });
    this.state = new AgentState(opts.dataDir);
    this.secrets = opts.secrets;
    this.sourceFactory = opts.sourceFactory ?? defaultSourceFactory;
    this.spool = new SpoolGate(this.state.spoolBytes(), this.config.spoolMaxBytes);
    this.disk = new DiskSpaceGuard(opts.dataDir, this.config.diskReserveBytes);
  }

  get connected(): boolean {
    return this.link?.connected ?? false;
  }

  /** Connect to the control plane and resume unfinished jobs. */
  async start(): Promise<void> {
    const id = this.state.identity();
    if (!id) throw new NotEnrolledError();
    this.privateKey = await this.secrets.get(IDENTITY_ACCOUNT);
    if (!this.privateKey) throw new EnrollmentError(`agent ${id.agentId} has no identity key in the OS keychain; enroll again`);
    this.openLink(id.serverUrl);
    for (const job of this.state.jobs()) if (job.state === 'running' || job.state === 'paused') await this.launch(job.id, job.state === 'paused');
  }

  /** Exchange a single-use token for a durable identity; leaves the link connected. */
  async enroll(serverUrl: string, token: string, timeoutMs = 30_000): Promise<{ agentId: string; tenantId: string }> {
    if (this.state.identity()) throw new EnrollmentError('this agent is already enrolled');
    assertSecureTransport(serverUrl);
    const pair = generateIdentityKeyPair();
    await this.secrets.set(IDENTITY_ACCOUNT, pair.privateKey);
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve, reject) => {
      this.enrolling = { token, name: this.config.name, publicKey: pair.publicKey, privateKey: pair.privateKey, resolve, reject };
      timer = setTimeout(() => {
        this.enrolling = null;
        reject(new EnrollmentError(`no answer from the control plane at ${serverUrl} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.openLink(serverUrl);
    }).finally(() => clearTimeout(timer)).catch(async (err: unknown) => {
      await this.link?.stop();
      this.link = null;
      throw err;
    });
    this.privateKey = pair.privateKey;
    const id = this.state.identity()!;
    return { agentId: id.agentId, tenantId: id.tenantId };
  }

  /** The enrolled identity that signs offline bundles (private key from the OS keychain). */
  async bundleSigner(): Promise<{ agentId: string; privateKey: string }> {
    const id = this.state.identity();
    if (!id) throw new NotEnrolledError();
    const privateKey = this.privateKey ?? (await this.secrets.get(IDENTITY_ACCOUNT));
    if (!privateKey) throw new EnrollmentError(`agent ${id.agentId} has no identity key in the OS keychain; enroll again`);
    return { agentId: id.agentId, privateKey };
  }

  async stop(): Promise<void> {
    if (this.ackRetry) clearInterval(this.ackRetry);
    for (const j of this.active.values()) {
      j.abort.abort(new Error('agent stopping'));
      j.resume?.();
    }
    await Promise.all([...this.active.values()].map((j) => j.done));
    await this.link?.stop();
    this.state.close();
  }

  dropConnection(): void {
    this.link?.dropConnection();
  }

  // ── link ──
  private openLink(url: string): void {
    this.link = new AgentLink(url, this.config, {
      authenticate: (nonce) => this.authenticate(nonce),
      onWelcome: (m) => this.onWelcome(url, m),
      onMessage: (m) => {
        // A full disk must not take the agent down: whatever failed is logged, and acks are retried.
        try {
          this.onMessage(m);
        } catch (err) {
          this.logger.error('could not handle a control plane message', { t: m.t, err });
        }
      },
      onRefused: (m) => {
        this.logger.error('control plane refused the agent', { code: m.code, reason: m.message });
        if (this.enrolling) {
          this.enrolling.reject(new EnrollmentError(`enrollment refused: ${m.message}`));
          this.enrolling = null;
        }
        return m.code !== 'protocol';
      },
      onDisconnected: () => this.logger.warn('disconnected from control plane; batches stay spooled'),
      onFrameOut: (d) => this.onFrameOut?.(d),
    }, this.logger);
    this.link.start();
  }

  private authenticate(nonce: string): AgentMsg {
    if (this.enrolling) {
      const e = this.enrolling;
      return { t: 'enroll', token: e.token, name: e.name, publicKey: e.publicKey, signature: signChallenge(e.privateKey, 'enroll', nonce), version: AGENT_VERSION };
    }
    const id = this.state.identity()!;
    return { t: 'auth', agentId: id.agentId, signature: signChallenge(this.privateKey!, id.agentId, nonce), version: AGENT_VERSION };
  }

  private onWelcome(url: string, m: Extract<ServerMsg, { t: 'welcome' }>): void {
    if (this.enrolling) {
      this.state.saveIdentity({ agentId: m.agentId, tenantId: m.tenantId, serverUrl: url, publicKey: this.enrolling.publicKey, transportPublicKey: m.transportPublicKey });
      this.logger.info('agent enrolled', { agentId: m.agentId, tenantId: m.tenantId });
      this.enrolling.resolve();
      this.enrolling = null;
    } else this.state.setTransportKey(m.transportPublicKey);
    this.logger.info('connected to control plane', { agentId: m.agentId, credits: m.credits });
    this.credits = m.credits;
    this.sentUpTo = 0;
    this.opened.clear();
    for (const job of this.state.jobs()) {
      if (job.state === 'running' || job.state === 'paused') this.openJobRemote(job.id);
      this.reportJob(job.id);
    }
    this.pump();
  }

  private onMessage(m: ServerMsg): void {
    switch (m.t) {
      case 'ack': {
        this.credits += m.credit;
        this.applyAck({ jobId: m.jobId, entity: m.entity, seq: m.seq });
        this.maybeComplete(m.jobId);
        this.pump();
        return;
      }
      case 'nack': {
        this.credits += m.credit;
        this.logger.error('control plane rejected a batch', { jobId: m.jobId, entity: m.entity, seq: m.seq, reason: m.reason });
        this.failJob(m.jobId, `batch ${m.entity}#${m.seq} rejected by the control plane: ${m.reason}`);
        this.pump();
        return;
      }
      case 'credit':
        this.credits += m.n;
        this.pump();
        return;
      case 'rpc': {
        const send = (msg: AgentMsg): void => void this.link?.send(msg);
        void handleRpc(this, m.method, m.params).then(
          (result) => send({ t: 'rpc_result', id: m.id, ok: true, result }),
          (err: unknown) => {
            const error = redactText(err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, 4000);
            this.logger.warn('rpc failed', { method: m.method, error });
            send({ t: 'rpc_result', id: m.id, ok: false, error });
          },
        );
        return;
      }
      default:
        this.logger.warn('unexpected message from control plane', { t: m.t });
    }
  }

  /** Drop an acknowledged batch from the spool; on a full disk keep the ack and try again each second. */
  private applyAck(a: { jobId: string; entity: string; seq: number }): boolean {
    try {
      this.spool.release(this.state.ackBatch(a.jobId, a.entity, a.seq));
      return true;
    } catch (err) {
      if (!isDiskFull(err)) throw err;
      this.pendingAcks.push(a);
      this.ackRetry ??= setInterval(() => {
        while (this.pendingAcks.length && this.applyAck(this.pendingAcks[0]!)) {
          const done = this.pendingAcks.shift()!;
          this.maybeComplete(done.jobId);
        }
        if (!this.pendingAcks.length && this.ackRetry) {
          clearInterval(this.ackRetry);
          this.ackRetry = null;
        }
      }, 1000);
      this.ackRetry.unref();
      return false;
    }
  }

  /** Send spooled batches while there is credit. */
  pump(): void {
    const link = this.link;
    while (link?.connected && this.credits > 0) {
      const rows = this.state.spoolAfter(this.sentUpTo, Math.min(this.credits, 64));
      if (rows.length === 0) return;
      for (const r of rows) {
        if (!this.opened.has(r.jobId)) this.openJobRemote(r.jobId);
        if (!link.send({ t: 'batch', jobId: r.jobId, entity: r.entity, seq: r.seq, final: r.final, records: r.records, sealed: r.sealed })) return;
        this.sentUpTo = r.id;
        this.credits -= 1;
      }
    }
  }

  private openJobRemote(jobId: string): void {
    const job = this.state.job(jobId);
    if (!job || !this.link?.connected) return;
    if (this.link.send({ t: 'job_open', jobId, connection: job.connection, sourceSystem: job.sourceSystem, entities: job.entities, wrappedKey: job.wrappedKey as never })) this.opened.add(jobId);
  }

  private reportJob(jobId: string): void {
    const job = this.state.job(jobId);
    if (!job) return;
    // Waiting for disk space shows as paused, with the reason, until the space returns.
    const diskWait = job.state === 'running' ? this.active.get(jobId)?.diskWait : null;
    const error = diskWait ?? job.error;
    this.link?.send({ t: 'job_status', jobId, state: diskWait ? 'paused' : job.state, extracted: job.extracted, ...(error ? { error } : {}) });
  }

  /** Why each job waits for disk space (for `status`). */
  diskWaits(): Record<string, string> {
    return Object.fromEntries([...this.active].filter(([, a]) => a.diskWait).map(([id, a]) => [id, a.diskWait!]));
  }

  private readonly lastReport = new Map<string, number>();
  /** Progress for the console while extracting: the job's counts at most once a second. */
  private reportSoon(jobId: string): void {
    const now = Date.now();
    if (now - (this.lastReport.get(jobId) ?? 0) < 1000) return;
    this.lastReport.set(jobId, now);
    this.reportJob(jobId);
  }

  private setJobState(jobId: string, s: AgentJobState, error: string | null = null): void {
    this.state.setJobState(jobId, s, error);
    this.reportJob(jobId);
  }

  private maybeComplete(jobId: string): void {
    const job = this.state.job(jobId);
    if (job && job.state === 'running' && job.readDone && this.state.spoolCount(jobId) === 0) {
      this.setJobState(jobId, 'completed');
      this.logger.info('job completed', { jobId, extracted: job.extracted });
      this.forgetJobKey(jobId);
    }
  }

  private failJob(jobId: string, error: string): void {
    const a = this.active.get(jobId);
    a?.abort.abort(new Error(error));
    a?.resume?.();
    this.setJobState(jobId, 'failed', error);
  }

  // ── jobs ──
  async startJob(p: { connection: string; entities?: string[]; batchSize?: number; jobId?: string }): Promise<{ jobId: string; entities: string[] }> {
    const id = this.state.identity();
    if (!id?.transportPublicKey) throw new NotEnrolledError();
    const jobId = p.jobId ?? randomUUID();
    const existing = this.state.job(jobId);
    if (existing) {
      // A repeated start of the same job (the control plane's queue re-sends a command whose answer it lost).
      if (existing.connection !== p.connection) throw new Error(`job ${jobId} already exists on this agent for another connection`);
      return { jobId, entities: existing.entities };
    }
    const source = await openConnection(this.state, this.secrets, this.sourceFactory, p.connection);
    let entities: string[];
    try {
      entities = p.entities?.length ? p.entities : (await source.entities()).sort();
    } finally {
      await source.close();
    }
    const key = createDataKey();
    await this.secrets.set(jobKeyAccount(jobId), key.toString('base64'));
    this.keys.set(jobId, key);
    this.state.createJob({ id: jobId, connection: p.connection, sourceSystem: source.sourceSystem, entities, batchSize: p.batchSize ?? this.config.batchSize, wrappedKey: wrapDataKey(key, id.transportPublicKey, jobId) });
    this.logger.info('job started', { jobId, connection: p.connection, entities });
    this.openJobRemote(jobId);
    await this.launch(jobId, false);
    return { jobId, entities };
  }

  pauseJob(jobId: string): void {
    const a = this.requireActive(jobId);
    a.paused = true;
    this.setJobState(jobId, 'paused');
  }

  /** Resume a paused job, or a failed one from its last spooled checkpoint (its batches so far stay acknowledged). */
  async resumeJob(jobId: string): Promise<void> {
    const job = this.state.job(jobId);
    if (job?.state === 'failed' && !this.active.has(jobId)) {
      this.logger.info('resuming a failed job from its checkpoint', { jobId, error: job.error });
      this.setJobState(jobId, 'running');
      this.openJobRemote(jobId);
      this.sentUpTo = 0; // batches a nack left in the spool go again
      await this.launch(jobId, false);
      this.pump();
      return;
    }
    const a = this.requireActive(jobId);
    a.paused = false;
    a.resume?.();
    a.resume = null;
    this.setJobState(jobId, 'running');
  }

  async cancelJob(jobId: string): Promise<void> {
    const a = this.active.get(jobId);
    if (a) {
      a.abort.abort(new Error('cancelled'));
      a.resume?.();
      await a.done;
    }
    this.state.dropJobSpool(jobId);
    this.spool.release(Number.MAX_SAFE_INTEGER);
    this.spool.add(this.state.spoolBytes());
    this.setJobState(jobId, 'cancelled');
    this.forgetJobKey(jobId);
  }

  /** Once nothing of a job is left to seal or send, its data key leaves the keychain. */
  private forgetJobKey(jobId: string): void {
    this.keys.delete(jobId);
    this.secrets.delete(jobKeyAccount(jobId)).catch((err: unknown) => this.logger.warn('could not remove a job key from the keychain', { jobId, err }));
  }

  updateJob(jobId: string, settings: { batchSize?: number }): void {
    const job = this.state.job(jobId);
    if (!job) throw new Error(`no job ${jobId} on this agent`);
    this.state.setJobSettings(jobId, { ...job.settings, ...(settings.batchSize ? { batchSize: settings.batchSize } : {}) });
  }

  private requireActive(jobId: string): ActiveJob {
    const a = this.active.get(jobId);
    if (!a) throw new Error(`job ${jobId} is not active on this agent`);
    return a;
  }

  private async jobKey(jobId: string): Promise<Buffer> {
    const cached = this.keys.get(jobId);
    if (cached) return cached;
    const b64 = await this.secrets.get(jobKeyAccount(jobId));
    if (!b64) throw new Error(`data key of job ${jobId} is missing from the OS keychain`);
    const key = Buffer.from(b64, 'base64');
    this.keys.set(jobId, key);
    return key;
  }

  private async launch(jobId: string, paused: boolean): Promise<void> {
    const job = this.state.job(jobId)!;
    if (job.readDone) {
      this.maybeComplete(jobId);
      return;
    }
    const key = await this.jobKey(jobId);
    const a: ActiveJob = { abort: new AbortController(), paused, resume: null, done: Promise.resolve(), diskWait: null };
    this.active.set(jobId, a);
    const ctl = {
      signal: a.abort.signal,
      gate: async () => {
        while (a.paused && !a.abort.signal.aborted) await new Promise<void>((r) => (a.resume = r));
      },
      batchSize: () => this.state.job(jobId)?.settings.batchSize ?? this.config.batchSize,
    };
    a.done = (async () => {
      const source = await openConnection(this.state, this.secrets, this.sourceFactory, job.connection);
      try {
        await runJobExtraction({
          state: this.state, spool: this.spool, disk: this.disk, logger: this.logger,
          onSpooled: () => { this.pump(); this.reportSoon(jobId); },
          onDiskWait: (w) => {
            a.diskWait = w.reason;
            this.logger.warn('extraction paused: disk full', { jobId, reason: w.reason, freeBytes: w.freeBytes, needsBytes: w.needsBytes, dataDir: this.dataDir });
            this.reportJob(jobId);
          },
          onDiskRoom: () => {
            a.diskWait = null;
            this.logger.info('disk space is back; extraction resumes', { jobId });
            this.reportJob(jobId);
          },
        }, jobId, source, key, ctl);
        this.maybeComplete(jobId);
      } finally {
        await source.close();
      }
    })()
      .catch((err: unknown) => {
        if (a.abort.signal.aborted) return;
        const msg = err instanceof Error ? err.message : String(err);
        this.logger.error('job failed', { jobId, err });
        try {
          this.setJobState(jobId, 'failed', redactText(msg));
        } catch (e) {
          this.logger.error('could not record the job as failed', { jobId, err: e });
        }
      })
      .finally(() => this.active.delete(jobId));
  }
}
