/**
 * SQL of the durable agent command queue (110_agent_commands.sql): one operation per function,
 * parameterized values, quoted identifiers.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { qualified } from '../db/sql/ident.ts';

export type CommandStatus = 'queued' | 'sent' | 'succeeded' | 'failed' | 'expired';

export interface CommandRow {
  id: string;
  tenant_id: string;
  agent_id: string;
  type: string;
  args: Record<string, unknown>;
  status: CommandStatus;
  result: unknown;
  error: string | null;
  created_at: Date;
  expires_at: Date;
}

export interface AgentPresence {
  id: string;
  tenant_id: string;
  name: string;
  status: 'active' | 'revoked';
  last_seen_at: Date | null;
  /** Seconds since last_seen_at, by the database clock (null: never seen). */
  seen_ago_s: number | null;
}

export interface MigrationJobRow {
  job_id: string;
  entity: string;
  agent_id: string;
  created_at: Date;
  state: string | null;
  extracted: string | null;
  error: string | null;
  staged_batches: string;
  staged_records: string;
  final_staged: boolean;
}

export class CommandStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
  ) {}

  private t(table: string): string {
    return qualified(this.schema, table);
  }

  async insert(c: { tenantId: string; agentId: string; type: string; args: Record<string, unknown>; ttlMs: number }): Promise<string> {
    const id = randomUUID();
    await this.pool.query(
      `INSERT INTO ${this.t('agent_commands')} (id, tenant_id, agent_id, type, args, expires_at) VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))`,
      [id, c.tenantId, c.agentId, c.type, JSON.stringify(c.args), c.ttlMs / 1000],
    );
    return id;
  }

  async get(id: string): Promise<CommandRow | null> {
    const { rows } = await this.pool.query<CommandRow>(
      `SELECT id, tenant_id, agent_id, type, args, status, result, error, created_at, expires_at FROM ${this.t('agent_commands')} WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** Take up to `limit` queued, unexpired commands of these agents (oldest first), marking them sent. */
  async claim(agentIds: string[], limit: number): Promise<CommandRow[]> {
    if (agentIds.length === 0) return [];
    const { rows } = await this.pool.query<CommandRow>(
      `UPDATE ${this.t('agent_commands')} SET status = 'sent', sent_at = now()
       WHERE id IN (SELECT id FROM ${this.t('agent_commands')} WHERE agent_id = ANY($1::uuid[]) AND status = 'queued' AND expires_at > now()
                    ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING id, tenant_id, agent_id, type, args, status, result, error, created_at, expires_at`,
      [agentIds, limit],
    );
    return rows.sort((a, b) => a.created_at.getTime() - b.created_at.getTime());
  }

  async finish(id: string, ok: boolean, result: unknown, error: string | null): Promise<void> {
    await this.pool.query(
      `UPDATE ${this.t('agent_commands')} SET status = $2, result = $3, error = $4, finished_at = now() WHERE id = $1 AND status = 'sent'`,
      [id, ok ? 'succeeded' : 'failed', ok ? JSON.stringify(result ?? null) : null, error],
    );
  }

  /** Put a sent command back in the queue (its agent dropped before answering). */
  async requeue(id: string): Promise<void> {
    await this.pool.query(`UPDATE ${this.t('agent_commands')} SET status = 'queued', sent_at = NULL WHERE id = $1 AND status = 'sent'`, [id]);
  }

  /** Expire a command nobody took yet; returns false when it was already taken. */
  async expireQueued(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE ${this.t('agent_commands')} SET status = 'expired', finished_at = now() WHERE id = $1 AND status = 'queued'`,
      [id],
    );
    return (rowCount ?? 0) > 0;
  }

  async presence(agentId: string): Promise<AgentPresence | null> {
    if (!/^[0-9a-f-]{36}$/i.test(agentId)) return null;
    const { rows } = await this.pool.query<AgentPresence>(
      `SELECT id, tenant_id, name, status, last_seen_at, extract(epoch FROM now() - last_seen_at)::float8 AS seen_ago_s FROM ${this.t('agents')} WHERE id = $1`,
      [agentId],
    );
    return rows[0] ?? null;
  }

  /** The relay's heartbeat: agents connected to this process were seen now. */
  async touchConnected(agentIds: string[]): Promise<void> {
    if (agentIds.length === 0) return;
    await this.pool.query(`UPDATE ${this.t('agents')} SET last_seen_at = now() WHERE id = ANY($1::uuid[])`, [agentIds]);
  }

  async jobExists(jobId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(`SELECT 1 FROM ${this.t('agent_migration_jobs')} WHERE job_id = $1`, [jobId]);
    return (rowCount ?? 0) > 0;
  }

  async linkMigrationJob(l: { jobId: string; migrationId: string; tenantId: string; agentId: string; entity: string }): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.t('agent_migration_jobs')} (job_id, migration_id, tenant_id, agent_id, entity) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (job_id) DO NOTHING`,
      [l.jobId, l.migrationId, l.tenantId, l.agentId, l.entity],
    );
  }

  /** The newest agent job of each entity of a migration, with what has been staged of it. */
  async migrationJobs(tenantId: string, migrationId: string): Promise<MigrationJobRow[]> {
    const { rows } = await this.pool.query<MigrationJobRow>(
      `SELECT DISTINCT ON (l.entity) l.job_id, l.entity, l.agent_id, l.created_at, j.state, j.extracted::text AS extracted, j.error,
              (SELECT count(*) FROM ${this.t('agent_staged_batches')} b WHERE b.job_id = l.job_id)::text AS staged_batches,
              (SELECT coalesce(sum(record_count), 0) FROM ${this.t('agent_staged_batches')} b WHERE b.job_id = l.job_id)::text AS staged_records,
              EXISTS (SELECT 1 FROM ${this.t('agent_staged_batches')} b WHERE b.job_id = l.job_id AND b.final) AS final_staged
       FROM ${this.t('agent_migration_jobs')} l LEFT JOIN ${this.t('agent_jobs')} j ON j.id = l.job_id
       WHERE l.tenant_id = $1 AND l.migration_id = $2
       ORDER BY l.entity, l.created_at DESC`,
      [tenantId, migrationId],
    );
    return rows;
  }
}
