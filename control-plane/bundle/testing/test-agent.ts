/**
 * Test support: an agent identity that signs bundles, either registered in a control schema's
 * `agents` table (as enrollment leaves it) or only known to an in-memory lookup.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { BundleSigner } from '../../../agent/bundle/format.ts';
import { generateIdentityKeyPair } from '../../../shared/crypto/index.ts';
import type { BundleAgent, BundleAgentLookup } from '../verify.ts';

export interface TestAgent {
  signer: BundleSigner;
  agent: BundleAgent;
}

export function testAgent(tenantId: string, name = 'test-agent'): TestAgent {
  const pair = generateIdentityKeyPair();
  const id = randomUUID();
  return { signer: { agentId: id, privateKey: pair.privateKey }, agent: { id, name, tenantId, publicKey: pair.publicKey, status: 'active' } };
}

/** A lookup that knows only these agents. */
export function memoryAgents(...agents: TestAgent[]): BundleAgentLookup {
  return async (id, tenantId) => agents.map((a) => a.agent).find((a) => a.id === id && a.tenantId === tenantId) ?? null;
}

/** Register the agent in the control schema's agents table. */
export async function enrollTestAgent(pool: pg.Pool, schema: string, tenantId: string, name = 'test-agent'): Promise<TestAgent> {
  const a = testAgent(tenantId, name);
  await pool.query(`INSERT INTO "${schema.replace(/"/g, '""')}".agents (id, tenant_id, name, public_key) VALUES ($1, $2, $3, $4)`, [a.agent.id, tenantId, name, a.agent.publicKey]);
  return a;
}
