/**
 * Tenants, users, API keys and sessions. Lookups by secret (key, cookie) run in the system
 * context because the tenant is not known yet; everything else runs tenant-scoped.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { withSystem, withTenant, type Db } from '../db.ts';
import type { Principal, Role } from './roles.ts';
import { hashPassword, randomToken, sha256, verifyPassword } from './secrets.ts';

export const API_KEY_PREFIX = 'nxk_';
const SESSION_TTL_HOURS = 12;

/** The slug a tenant's name suggests: lower-case letters, digits and dashes, at most 54 characters. */
export function slugOf(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 54) || 'tenant';
}

/**
 * Create a tenant. Its slug (what people type at login) is `slug`, or one made from the name; a
 * name whose slug is taken gets a suffix of the id. Returns the id (`tenantSlug` reads the slug).
 */
export async function createTenant(db: Db, name: string, id: string = randomUUID(), slug?: string): Promise<string> {
  await withSystem(db, async (c) => {
    const wanted = slug ?? slugOf(name);
    const r = await c.query('INSERT INTO api_tenants (id, name, slug) VALUES ($1, $2, $3) ON CONFLICT (slug) DO NOTHING', [id, name, wanted]);
    if (r.rowCount) return;
    if (slug) throw new TenantSlugTakenError(slug);
    await c.query('INSERT INTO api_tenants (id, name, slug) VALUES ($1, $2, $3)', [id, name, `${wanted}-${id.slice(0, 8)}`]);
  });
  return id;
}

export async function tenantSlug(db: Db, tenantId: string): Promise<string> {
  const { rows } = await withSystem(db, (c) => c.query<{ slug: string }>('SELECT slug FROM api_tenants WHERE id = $1', [tenantId]));
  if (!rows[0]) throw new Error(`no tenant ${tenantId}`);
  return rows[0].slug;
}

export class TenantSlugTakenError extends Error {
  override readonly name = 'TenantSlugTakenError';
  constructor(slug: string) {
    super(`the tenant slug "${slug}" is taken`);
  }
}

export interface NewUser { tenantId: string; email: string; password: string; role: Role; displayName?: string }

export async function createUser(db: Db, u: NewUser): Promise<string> {
  const id = randomUUID();
  const hash = await hashPassword(u.password);
  await withTenant(db, u.tenantId, (c) =>
    c.query(
      'INSERT INTO api_users (id, tenant_id, email, display_name, role, password_hash) VALUES ($1, $2, lower($3), $4, $5, $6)',
      [id, u.tenantId, u.email, u.displayName ?? null, u.role, hash],
    ),
  );
  return id;
}

/** Create an API key in the caller's tenant transaction. The key itself is returned once and never stored. */
export async function insertApiKey(
  c: pg.PoolClient,
  k: { tenantId: string; name: string; role: Role; createdBy: string },
): Promise<{ id: string; key: string; prefix: string }> {
  const id = randomUUID();
  const key = randomToken(API_KEY_PREFIX);
  const prefix = key.slice(0, API_KEY_PREFIX.length + 6);
  await c.query(
    'INSERT INTO api_keys (id, tenant_id, name, role, key_hash, prefix, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [id, k.tenantId, k.name, k.role, sha256(key), prefix, k.createdBy],
  );
  return { id, key, prefix };
}

export function createApiKey(db: Db, k: { tenantId: string; name: string; role: Role; createdBy?: string }): Promise<{ id: string; key: string; prefix: string }> {
  return withTenant(db, k.tenantId, (c) => insertApiKey(c, { ...k, createdBy: k.createdBy ?? 'system' }));
}

export async function resolveApiKey(db: Db, key: string): Promise<Principal | null> {
  if (!key.startsWith(API_KEY_PREFIX) || key.length > 200) return null;
  return withSystem(db, async (c) => {
    const { rows } = await c.query<{ tenant_id: string; role: Role; prefix: string }>(
      `UPDATE api_keys SET last_used_at = now() WHERE key_hash = $1 AND revoked_at IS NULL
       RETURNING tenant_id, role, prefix`,
      [sha256(key)],
    );
    const r = rows[0];
    return r ? { tenantId: r.tenant_id, role: r.role, actor: `key:${r.prefix}`, via: 'api-key' } : null;
  });
}

export interface LoginResult { sessionToken: string; csrfToken: string; principal: Principal }

/**
 * Log in to the tenant named by its slug. An unknown tenant, an unknown email and a wrong password
 * all return null after the same work: one query and one scrypt verification (against a dummy hash
 * of the same cost when there is no user), so neither the answer nor its timing says which it was.
 */
export async function login(db: Db, tenant: string, email: string, password: string, sourceIp: string): Promise<LoginResult | null> {
  const user = await withSystem(db, async (c) => {
    const { rows } = await c.query<{ id: string; tenant_id: string; role: Role; email: string; password_hash: string }>(
      `SELECT u.id, u.tenant_id, u.role, u.email, u.password_hash
         FROM api_users u JOIN api_tenants t ON t.id = u.tenant_id
        WHERE t.slug = lower($1) AND u.email = lower($2) AND u.disabled_at IS NULL`,
      [tenant, email],
    );
    return rows[0];
  });
  const ok = await verifyPassword(password, user?.password_hash ?? DUMMY_HASH);
  if (!user || !ok) return null;
  const sessionToken = randomToken('nxs_');
  const csrfToken = randomToken('', 24);
  await withTenant(db, user.tenant_id, (c) =>
    c.query(
      `INSERT INTO api_sessions (id_hash, csrf_hash, tenant_id, user_id, source_ip, expires_at)
       VALUES ($1, $2, $3, $4, $5, now() + make_interval(hours => $6))`,
      [sha256(sessionToken), sha256(csrfToken), user.tenant_id, user.id, sourceIp, SESSION_TTL_HOURS],
    ),
  );
  return {
    sessionToken,
    csrfToken,
    principal: { tenantId: user.tenant_id, role: user.role, actor: `user:${user.email}`, via: 'session', userId: user.id, csrfHash: sha256(csrfToken) },
  };
}

/** Same scrypt cost, salt and key length as `hashPassword`'s; no password verifies against it. */
export const DUMMY_HASH = 'scrypt$16384$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

export async function resolveSession(db: Db, token: string): Promise<Principal | null> {
  if (!token.startsWith('nxs_') || token.length > 200) return null;
  return withSystem(db, async (c) => {
    const { rows } = await c.query<{ tenant_id: string; role: Role; email: string; user_id: string; csrf_hash: Buffer }>(
      `SELECT s.tenant_id, u.role, u.email, s.user_id, s.csrf_hash
         FROM api_sessions s JOIN api_users u ON u.id = s.user_id
        WHERE s.id_hash = $1 AND s.expires_at > now() AND u.disabled_at IS NULL`,
      [sha256(token)],
    );
    const r = rows[0];
    return r
      ? { tenantId: r.tenant_id, role: r.role, actor: `user:${r.email}`, via: 'session', userId: r.user_id, csrfHash: r.csrf_hash }
      : null;
  });
}

export async function logout(db: Db, tenantId: string, token: string): Promise<void> {
  await withTenant(db, tenantId, (c) => c.query('DELETE FROM api_sessions WHERE id_hash = $1', [sha256(token)]));
}
