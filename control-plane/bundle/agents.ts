/** The enrolled agents a bundle import checks signatures against (control schema table `agents`). */
import type pg from 'pg';
import type { BundleAgent, BundleAgentLookup } from './verify.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function agentLookup(pool: pg.Pool, schema: string): BundleAgentLookup {
  const t = `"${schema.replace(/"/g, '""')}".agents`;
  return async (agentId, tenantId) => {
    if (!UUID.test(agentId) || !UUID.test(tenantId)) return null;
    const { rows } = await pool.query<{ id: string; name: string; tenant_id: string; public_key: string; status: BundleAgent['status'] }>(
      `SELECT id, name, tenant_id, public_key, status FROM ${t} WHERE id = $1 AND tenant_id = $2`, [agentId, tenantId]);
    const r = rows[0];
    return r ? { id: r.id, name: r.name, tenantId: r.tenant_id, publicKey: r.public_key, status: r.status } : null;
  };
}
