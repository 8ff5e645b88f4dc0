/** First-run setup: a tenant with an admin user and an admin API key, printed once. */
import { randomBytes } from 'node:crypto';
import { withSystem, type Db } from './db.ts';
import { createApiKey, createTenant, createUser, tenantSlug } from './auth/store.ts';
import { insertFranchise, insertTenant } from '../engine/sql/preflight.ts';

/** `tenantSlug` is what the admin types as the tenant at the console's login. */
export interface Bootstrapped { tenantId: string; tenantSlug: string; email: string; password: string; apiKey: string }

/**
 * Create the first tenant and admin when no user exists yet; otherwise do nothing and return null.
 * With `target`, the tenant (and its default franchise, whose id is the tenant's, as migrations
 * without a franchiseId use) is created in the Logic Nexus target too, so the console's first run loads.
 */
export async function bootstrapAdmin(db: Db, email: string, tenantName = 'Default tenant', target?: { targetSchema: string }): Promise<Bootstrapped | null> {
  const existing = await withSystem(db, (c) => c.query('SELECT 1 FROM api_users LIMIT 1'));
  if (existing.rowCount) return null;
  const tenantId = await createTenant(db, tenantName);
  if (target) {
    await insertTenant(db.pool, target.targetSchema, tenantId, tenantName);
    await insertFranchise(db.pool, target.targetSchema, tenantId, tenantId, 'Headquarters');
  }
  const password = randomBytes(12).toString('base64url');
  await createUser(db, { tenantId, email, password, role: 'admin', displayName: 'Administrator' });
  const { key } = await createApiKey(db, { tenantId, name: 'bootstrap admin key', role: 'admin', createdBy: 'bootstrap' });
  return { tenantId, tenantSlug: await tenantSlug(db, tenantId), email, password, apiKey: key };
}
