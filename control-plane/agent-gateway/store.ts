/**
 * The gateway's SQL layer over the control schema (010_agents.sql, audit_log of 001).
 * One operation per function, parameterized values, quoted identifiers.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { qualified } from '../db/sql/ident.ts';

export interface AgentRow {
  id: string;
  tenant_id: string;
  name: string;
  public_key: string;
  status: 'active' | 'revoked';
}

export interface AgentJobRow {
  id: string;
  agent_id: string;
  tenant_id: string;
  connection: string;
  source_system: string;
  entities: string[];
  wrapped_key: unknown;
  state: string;
  extracted: string;
  error: string | null;
}

export interface StagedRow {
  entity: string;
  seq: number;
  final: boolean;
  record_count: number;
  sealed: Buffer;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export class GatewayStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
  ) {}

  private t(table: string): string {
    return qualified(this.schema, table);
  }

  /** Issue a single-use token; returns the token (shown once) and its expiry. */
  async createEnrollmentToken(tenantId: string, ttlMs: number, createdBy: string): Promise<{ token: string; expiresAt: Date }> {
    const token = `nxe_${randomBytes(24).toString('base64url')}`;
    const expiresAt = new Date(Date.now() + ttlMs);
    await this.pool.query(`INSERT INTO ${this.t('agent_enrollment_tokens')} (token_hash, tenant_id, created_by, expires_at) VALUES ($1, $2, $3, $4)`, [
      hashToken(token), tenantId, createdBy, expiresAt,
    ]);
    return { token, expiresAt };
  }

  /**
   * Atomically consume a token and create the agent. Returns null when the token is unknown,
   * used or expired (the three are not told apart to the caller on the wire).
   */
  async enroll(token: string, name: string, publicKey: string, ip: string | null, version: string): Promise<{ agent: AgentRow } | { refused: 'unknown' | 'used' | 'expired' }> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ tenant_id: string; used_at: Date | null; expired: boolean }>(
        `SELECT tenant_id, used_at, expires_at <= now() AS expired FROM ${this.t('agent_enrollment_tokens')} WHERE token_hash = $1 FOR UPDATE`,
        [hashToken(token)],
      );
      const row = rows[0];
      if (!row || row.used_at || row.expired) {
        await client.query('ROLLBACK');
        return { refused: !row ? 'unknown' : row.used_at ? 'used' : 'expired' };
      }
      const id = randomUUID();
      await client.query(`INSERT INTO ${this.t('agents')} (id, tenant_id, name, public_key, last_ip, version, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, now())`, [
        id, row.tenant_id, name, publicKey, ip, version,
      ]);
      await client.query(`UPDATE ${this.t('agent_enrollment_tokens')} SET used_at = now(), used_by_agent = $2 WHERE token_hash = $1`, [hashToken(token), id]);
      await client.query('COMMIT');
      return { agent: { id, tenant_id: row.tenant_id, name, public_key: publicKey, status: 'active' } };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async getAgent(id: string): Promise<AgentRow | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const { rows } = await this.pool.query<AgentRow>(`SELECT id, tenant_id, name, public_key, status FROM ${this.t('agents')} WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  async touchAgent(id: string, ip: string | null, version: string): Promise<void> {
    await this.pool.query(`UPDATE ${this.t('agents')} SET last_seen_at = now(), last_ip = $2, version = $3 WHERE id = $1`, [id, ip, version]);
  }

  async revokeAgent(id: string, actor: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE ${this.t('agents')} SET status = 'revoked', revoked_at = now(), revoked_by = $2 WHERE id = $1 AND status = 'active'`,
      [id, actor],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Record a job the first time an agent opens it; later opens keep the original key. */
  async openJob(job: { id: string; agentId: string; tenantId: string; connection: string; sourceSystem: string; entities: string[]; wrappedKey: unknown }): Promise<AgentJobRow> {
    await this.pool.query(
      `INSERT INTO ${this.t('agent_jobs')} (id, agent_id, tenant_id, connection, source_system, entities, wrapped_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
      [job.id, job.agentId, job.tenantId, job.connection, job.sourceSystem, JSON.stringify(job.entities), JSON.stringify(job.wrappedKey)],
    );
    const row = await this.getJob(job.id);
    if (!row) throw new Error(`agent job ${job.id} vanished after insert`);
    return row;
  }

  async getJob(id: string): Promise<AgentJobRow | null> {
    const { rows } = await this.pool.query<AgentJobRow>(
      `SELECT id, agent_id, tenant_id, connection, source_system, entities, wrapped_key, state, extracted::text AS extracted, error FROM ${this.t('agent_jobs')} WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** Record an agent's report about its own job (a job of another agent is left alone). */
  async setJobState(id: string, agentId: string, state: string, extracted: number, error: string | null): Promise<void> {
    await this.pool.query(`UPDATE ${this.t('agent_jobs')} SET state = $3, extracted = $4, error = $5, updated_at = now() WHERE id = $1 AND agent_id = $2`, [id, agentId, state, extracted, error]);
  }

  async agentStatus(id: string): Promise<'active' | 'revoked' | null> {
    const { rows } = await this.pool.query<{ status: 'active' | 'revoked' }>(`SELECT status FROM ${this.t('agents')} WHERE id = $1`, [id]);
    return rows[0]?.status ?? null;
  }

  /** Stage a sealed batch. Returns 'staged', 'duplicate' (same bytes) or 'conflict' (same key, other bytes). */
  async stageBatch(b: { jobId: string; entity: string; seq: number; final: boolean; records: number; sealed: Uint8Array }): Promise<'staged' | 'duplicate' | 'conflict'> {
    const digest = createHash('sha256').update(b.sealed).digest('hex');
    const { rowCount } = await this.pool.query(
      `INSERT INTO ${this.t('agent_staged_batches')} (job_id, entity, seq, final, record_count, digest, sealed)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (job_id, entity, seq) DO NOTHING`,
      [b.jobId, b.entity, b.seq, b.final, b.records, digest, Buffer.from(b.sealed.buffer, b.sealed.byteOffset, b.sealed.byteLength)],
    );
    if ((rowCount ?? 0) > 0) return 'staged';
    const { rows } = await this.pool.query<{ digest: string }>(
      `SELECT digest FROM ${this.t('agent_staged_batches')} WHERE job_id = $1 AND entity = $2 AND seq = $3`,
      [b.jobId, b.entity, b.seq],
    );
    return rows[0]?.digest === digest ? 'duplicate' : 'conflict';
  }

  /** Staged batches of one entity after `afterSeq`, in seq order. */
  async stagedAfter(jobId: string, entity: string, afterSeq: number, limit: number): Promise<StagedRow[]> {
    const { rows } = await this.pool.query<StagedRow>(
      `SELECT entity, seq, final, record_count, sealed FROM ${this.t('agent_staged_batches')}
       WHERE job_id = $1 AND entity = $2 AND seq > $3 ORDER BY seq LIMIT $4`,
      [jobId, entity, afterSeq, limit],
    );
    return rows;
  }

  async audit(e: { tenantId: string | null; actor: string; action: string; target: string | null; sourceIp: string | null; details: Record<string, unknown> }): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.t('audit_log')} (tenant_id, actor, action, target, source_ip, details) VALUES ($1, $2, $3, $4, $5, $6)`,
      [e.tenantId, e.actor, e.action, e.target, e.sourceIp, JSON.stringify(e.details)],
    );
  }
}
