/**
 * One agent connection on the control-plane side: challenge/response or enrollment, then
 * job openings, sealed batches (authenticated, durably staged, then acknowledged), status
 * reports and RPC results. Messages of one connection are handled strictly in order.
 */
import { raiseToAuthenticatedLimit } from './frame-limits.ts';
import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import { openBatch, BatchIntegrityError, unwrapDataKey, verifyChallenge, type EncodedKeyPair } from '../../shared/crypto/index.ts';
import { decodeAgentFrame, encodeFrame, ProtocolError } from '../../shared/protocol/codec.ts';
import { CloseCode, PROTOCOL_VERSION, type AgentMsg, type ServerMsg } from '../../shared/protocol/messages.ts';
import type { Logger } from '../../shared/log/logger.ts';
import type { GatewayStore } from './store.ts';

export interface SessionDeps {
  store: GatewayStore;
  transportKey: EncodedKeyPair;
  credits: number;
  /** Time allowed between connect and a successful auth/enroll (default 10 s). */
  handshakeTimeoutMs?: number;
  logger: Logger;
  onFrame?: (e: { direction: 'in' | 'out'; agentId: string | null; data: Buffer }) => void;
  onAuthenticated(session: AgentSession): void;
  onClosed(session: AgentSession): void;
  onStaged(e: { jobId: string; entity: string; seq: number; final: boolean }): void;
  onRpcResult(session: AgentSession, id: string, ok: boolean, result: unknown, error: string | undefined): void;
}

export class AgentSession {
  agentId: string | null = null;
  tenantId: string | null = null;
  private readonly nonce = randomBytes(24).toString('base64url');
  private chain: Promise<void> = Promise.resolve();
  private readonly jobKeys = new Map<string, Buffer>();
  private closed = false;

  constructor(
    private readonly ws: WebSocket,
    readonly sourceIp: string | null,
    private readonly deps: SessionDeps,
  ) {
    ws.on('message', (data) => {
      const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      deps.onFrame?.({ direction: 'in', agentId: this.agentId, data: buf });
      this.chain = this.chain.then(() => this.handle(buf)).catch((err: unknown) => this.fail(err));
    });
    // A peer that neither authenticates nor enrolls in time is dropped.
    const handshakeTimer = setTimeout(() => {
      if (!this.agentId) this.close(CloseCode.refused, 'authentication timeout');
    }, deps.handshakeTimeoutMs ?? 10_000);
    ws.on('close', () => {
      clearTimeout(handshakeTimer);
      this.closed = true;
      deps.onClosed(this);
    });
    ws.on('error', (err) => deps.logger.warn('agent socket error', { agentId: this.agentId, err }));
    this.send({ t: 'challenge', nonce: this.nonce, protocol: PROTOCOL_VERSION });
  }

  send(msg: ServerMsg): void {
    if (this.closed) return;
    const data = encodeFrame(msg);
    this.deps.onFrame?.({ direction: 'out', agentId: this.agentId, data });
    this.ws.send(data);
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  terminate(): void {
    this.ws.terminate();
  }

  private refuse(code: 'bad_token' | 'revoked' | 'unknown_agent' | 'bad_signature' | 'protocol', message: string): void {
    this.send({ t: 'refused', code, message });
    this.close(code === 'revoked' ? CloseCode.revoked : code === 'protocol' ? CloseCode.protocol : CloseCode.refused, code);
  }

  private fail(err: unknown): void {
    this.deps.logger.error('agent session error', { agentId: this.agentId, err });
    if (err instanceof ProtocolError) this.refuse('protocol', err.message);
    else this.close(1011, 'internal error');
  }

  private async handle(buf: Buffer): Promise<void> {
    if (this.closed) return;
    const msg = decodeAgentFrame(buf);
    if (!this.agentId) return this.handshake(msg);
    switch (msg.t) {
      case 'job_open':
        return this.openJob(msg);
      case 'batch':
        return this.batch(msg);
      case 'job_status':
        await this.deps.store.setJobState(msg.jobId, this.agentId, msg.state, msg.extracted, msg.error ?? null);
        return;
      case 'rpc_result':
        this.deps.onRpcResult(this, msg.id, msg.ok, msg.result, msg.error);
        return;
      default:
        throw new ProtocolError(`unexpected ${msg.t} after authentication`);
    }
  }

  private async handshake(msg: AgentMsg): Promise<void> {
    const { store } = this.deps;
    if (msg.t === 'enroll') {
      if (!verifyChallenge(msg.publicKey, 'enroll', this.nonce, msg.signature)) return this.refuse('bad_signature', 'enrollment signature does not verify');
      const result = await store.enroll(msg.token, msg.name, msg.publicKey, this.sourceIp, msg.version);
      if ('refused' in result) {
        await store.audit({ tenantId: null, actor: `agent-enroll:${msg.name}`, action: 'agent.enroll_refused', target: null, sourceIp: this.sourceIp, details: { reason: result.refused } });
        return this.refuse('bad_token', 'enrollment token is invalid, used or expired');
      }
      await store.audit({ tenantId: result.agent.tenant_id, actor: `agent:${result.agent.id}`, action: 'agent.enrolled', target: result.agent.id, sourceIp: this.sourceIp, details: { name: msg.name } });
      return this.welcome(result.agent.id, result.agent.tenant_id);
    }
    if (msg.t !== 'auth') throw new ProtocolError(`expected auth or enroll, got ${msg.t}`);
    const agent = await store.getAgent(msg.agentId);
    if (!agent) return this.refuse('unknown_agent', 'unknown agent');
    if (agent.status !== 'active') {
      await store.audit({ tenantId: agent.tenant_id, actor: `agent:${agent.id}`, action: 'agent.refused_revoked', target: agent.id, sourceIp: this.sourceIp, details: {} });
      return this.refuse('revoked', 'agent has been revoked');
    }
    if (!verifyChallenge(agent.public_key, agent.id, this.nonce, msg.signature)) {
      await store.audit({ tenantId: agent.tenant_id, actor: `agent:${agent.id}`, action: 'agent.bad_signature', target: agent.id, sourceIp: this.sourceIp, details: {} });
      return this.refuse('bad_signature', 'challenge signature does not verify');
    }
    await store.touchAgent(agent.id, this.sourceIp, msg.version);
    this.welcome(agent.id, agent.tenant_id);
  }

  private welcome(agentId: string, tenantId: string): void {
    this.agentId = agentId;
    raiseToAuthenticatedLimit(this.ws);
    this.tenantId = tenantId;
    this.deps.onAuthenticated(this);
    this.send({ t: 'welcome', agentId, tenantId, transportPublicKey: this.deps.transportKey.publicKey, credits: this.deps.credits });
  }

  private async openJob(msg: Extract<AgentMsg, { t: 'job_open' }>): Promise<void> {
    const job = await this.deps.store.openJob({ id: msg.jobId, agentId: this.agentId!, tenantId: this.tenantId!, connection: msg.connection, sourceSystem: msg.sourceSystem, entities: msg.entities, wrappedKey: msg.wrappedKey });
    if (job.agent_id !== this.agentId) throw new ProtocolError(`job ${msg.jobId} belongs to another agent`);
    this.jobKeys.set(job.id, unwrapDataKey(job.wrapped_key, this.deps.transportKey, job.id));
  }

  private async batch(msg: Extract<AgentMsg, { t: 'batch' }>): Promise<void> {
    const { store } = this.deps;
    const key = this.jobKeys.get(msg.jobId);
    if (!key) {
      this.send({ t: 'nack', jobId: msg.jobId, entity: msg.entity, seq: msg.seq, reason: 'job not opened on this connection', credit: 1 });
      return;
    }
    try {
      // Authenticate and open: the claimed record count and final flag must be the content's.
      const content = openBatch(msg.sealed, key, { jobId: msg.jobId, entity: msg.entity, seq: msg.seq });
      if (content.records.length !== msg.records || content.final !== msg.final) {
        throw new BatchIntegrityError(msg.jobId, msg.entity, msg.seq,
          `batch claims ${msg.records} record(s)${msg.final ? ', final' : ''} but holds ${content.records.length}${content.final ? ', final' : ''}`);
      }
    } catch (err) {
      if (!(err instanceof BatchIntegrityError)) throw err;
      this.deps.logger.error('tampered batch rejected', { agentId: this.agentId, jobId: msg.jobId, entity: msg.entity, seq: msg.seq, reason: err.message });
      await store.audit({ tenantId: this.tenantId, actor: `agent:${this.agentId}`, action: 'agent.batch_rejected', target: `${msg.jobId}/${msg.entity}#${msg.seq}`, sourceIp: this.sourceIp, details: { reason: err.message } });
      this.send({ t: 'nack', jobId: msg.jobId, entity: msg.entity, seq: msg.seq, reason: err.message, credit: 1 });
      return;
    }
    const outcome = await store.stageBatch({ jobId: msg.jobId, entity: msg.entity, seq: msg.seq, final: msg.final, records: msg.records, sealed: msg.sealed });
    if (outcome === 'conflict') {
      this.deps.logger.warn('authentic batch differs from the staged one; first copy kept', { jobId: msg.jobId, entity: msg.entity, seq: msg.seq });
    }
    if (outcome === 'staged') this.deps.onStaged({ jobId: msg.jobId, entity: msg.entity, seq: msg.seq, final: msg.final });
    this.send({ t: 'ack', jobId: msg.jobId, entity: msg.entity, seq: msg.seq, duplicate: outcome !== 'staged', credit: 1 });
  }
}
