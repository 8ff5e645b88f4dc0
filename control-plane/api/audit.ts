/** The audit trail: every state-changing action, written in the same transaction as the change. */
import type pg from 'pg';
import { redact } from '../../shared/log/redact.ts';
import type { Principal } from './auth/roles.ts';

export interface AuditEntry {
  action: string;
  target?: string | null;
  details?: Record<string, unknown>;
}

export async function audit(c: pg.PoolClient, who: Pick<Principal, 'tenantId' | 'actor'>, sourceIp: string | null, e: AuditEntry): Promise<void> {
  await c.query(
    'INSERT INTO audit_log (tenant_id, actor, action, target, source_ip, details) VALUES ($1, $2, $3, $4, $5, $6)',
    [who.tenantId, who.actor, e.action, e.target ?? null, sourceIp, JSON.stringify(redact(e.details ?? {}, who.tenantId))],
  );
}
