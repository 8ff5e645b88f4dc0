/** A live tenant: accounts and contacts the tenant's users created in Logic Nexus (no source columns, not in id_map). */
import { randomUUID } from 'node:crypto';
import type { EngineEnv } from '../../../test/support/engine.ts';

export const liveRows = {
  L1: '10000000-0000-4000-8000-000000000001',
  L2: '10000000-0000-4000-8000-000000000002',
  L3: '10000000-0000-4000-8000-000000000003',
  L4: '10000000-0000-4000-8000-000000000004',
  C1: '20000000-0000-4000-8000-000000000001',
  C2: '20000000-0000-4000-8000-000000000002',
  C3: '20000000-0000-4000-8000-000000000003',
  C4: '20000000-0000-4000-8000-000000000004',
} as const;

const accounts: [string, string, string | null, string][] = [
  [liveRows.L1, 'Acme Freight', 'https://www.acme.example/about', 'DE'],
  [liveRows.L2, 'Beta GmbH', null, 'DE'],
  [liveRows.L3, 'Beta  GmbH', null, 'DE'], // the tenant's own duplicate
  [liveRows.L4, 'Gamma', null, 'FR'],
];
const contacts: [string, string, string, string | null][] = [
  [liveRows.C1, 'Doe', 'Jane@Example.com', liveRows.L2],
  [liveRows.C2, 'Dup', 'dup@example.com', null],
  [liveRows.C3, 'Dup', 'DUP@example.com ', null],
  [liveRows.C4, 'Solo', 'solo@example.com', null],
];

export async function seedLiveTenant(env: EngineEnv): Promise<{ accounts: number; contacts: number }> {
  const t = `"${env.targetSchema}"`;
  for (const [id, name, website, country] of accounts) {
    await env.pool.query(
      `INSERT INTO ${t}.accounts (id, tenant_id, franchise_id, name, code, website, billing_address, created_at, updated_at)
       VALUES ($1, $2, $3, $4, 'L-' || $4, $5, jsonb_build_object('country', $6::text), '2023-05-01T00:00:00Z', '2023-05-01T00:00:00Z')`,
      [id, env.tenantId, env.franchiseId, name, website, country],
    );
  }
  for (const [id, last, email, account] of contacts) {
    await env.pool.query(
      `INSERT INTO ${t}.contacts (id, tenant_id, franchise_id, last_name, email, account_id, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, '2023-05-01T00:00:00Z', '2023-05-01T00:00:00Z')`,
      [id, env.tenantId, env.franchiseId, last, email, account],
    );
  }
  // Another tenant holding p3's email: matching never crosses tenants.
  const other = randomUUID();
  await env.pool.query(`INSERT INTO ${t}.tenants (id, name, slug) VALUES ($1, 'Other tenant', $2)`, [other, `other-${other}`]);
  await env.pool.query(`INSERT INTO ${t}.contacts (id, tenant_id, last_name, email) VALUES ($1, $2, 'Other', 'new@example.com')`, [randomUUID(), other]);
  return { accounts: accounts.length, contacts: contacts.length };
}
