/** Login/logout/me (browser sessions), API keys, users and the audit trail (admin). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod/v4';
import { audit } from '../audit.ts';
import { CSRF_COOKIE, SESSION_COOKIE, principalOf } from '../auth/hook.ts';
import { createUser, insertApiKey, login, logout } from '../auth/store.ts';
import type { ApiContext } from '../context.ts';
import { withTenant } from '../db.ts';
import { ApiError, notFound } from '../http.ts';
import { CreateApiKey, CreateUser, IdParams, LoginBody, Me } from '../schemas.ts';

export interface AuthRouteOptions {
  /** Login attempts per IP per minute. */
  loginRateLimit: number;
  secureCookies: boolean;
}

export function authRoutes(app: FastifyInstance, ctx: ApiContext, opts: AuthRouteOptions): void {
  const cookieBase = { path: '/', sameSite: 'strict' as const, secure: opts.secureCookies };

  app.post('/api/v1/auth/login', {
    config: { permission: 'public', rateLimit: { max: opts.loginRateLimit, timeWindow: 60_000 } },
    schema: { tags: ['auth'], body: LoginBody, response: { 200: Me.extend({ csrfToken: z.string() }) } },
  }, async (req, reply) => {
    const { tenant, email, password } = req.body as z.output<typeof LoginBody>;
    const r = await login(ctx.db, tenant, email, password, req.ip);
    // One answer for an unknown tenant, an unknown email and a wrong password.
    if (!r) throw new ApiError(401, 'invalid_credentials', 'invalid tenant, email or password');
    await withTenant(ctx.db, r.principal.tenantId, (c) => audit(c, r.principal, req.ip, { action: 'auth.login' }));
    reply.setCookie(SESSION_COOKIE, r.sessionToken, { ...cookieBase, httpOnly: true, maxAge: 12 * 3600 });
    reply.setCookie(CSRF_COOKIE, r.csrfToken, { ...cookieBase, httpOnly: false, maxAge: 12 * 3600 });
    const p = r.principal;
    return { tenantId: p.tenantId, role: p.role, actor: p.actor, via: p.via, csrfToken: r.csrfToken };
  });

  app.post('/api/v1/auth/logout', {
    config: { permission: 'read' }, schema: { tags: ['auth'], response: { 204: z.null() } },
  }, async (req, reply) => {
    const p = principalOf(req);
    const token = req.cookies?.[SESSION_COOKIE];
    if (token && p.via === 'session') await logout(ctx.db, p.tenantId, token);
    await withTenant(ctx.db, p.tenantId, (c) => audit(c, p, req.ip, { action: 'auth.logout' }));
    reply.clearCookie(SESSION_COOKIE, cookieBase).clearCookie(CSRF_COOKIE, cookieBase);
    return reply.status(204).send(null);
  });

  app.get('/api/v1/auth/me', {
    config: { permission: 'read' }, schema: { tags: ['auth'], response: { 200: Me } },
  }, async (req) => {
    const p = principalOf(req);
    return { tenantId: p.tenantId, role: p.role, actor: p.actor, via: p.via };
  });

  const KeyInfo = z.object({ id: z.string(), name: z.string(), role: z.string(), prefix: z.string(), createdAt: z.string(), lastUsedAt: z.string().nullable(), revokedAt: z.string().nullable() });
  app.get('/api/v1/api-keys', {
    config: { permission: 'admin' }, schema: { tags: ['admin'], response: { 200: z.object({ items: z.array(KeyInfo) }) } },
  }, async (req) => withTenant(ctx.db, principalOf(req).tenantId, async (c) => {
    const { rows } = await c.query<{ id: string; name: string; role: string; prefix: string; created_at: Date; last_used_at: Date | null; revoked_at: Date | null }>(
      'SELECT id, name, role, prefix, created_at, last_used_at, revoked_at FROM api_keys ORDER BY created_at');
    return { items: rows.map((r) => ({ id: r.id, name: r.name, role: r.role, prefix: r.prefix, createdAt: r.created_at.toISOString(), lastUsedAt: r.last_used_at?.toISOString() ?? null, revokedAt: r.revoked_at?.toISOString() ?? null })) };
  }));

  app.post('/api/v1/api-keys', {
    config: { permission: 'admin' },
    schema: { tags: ['admin'], body: CreateApiKey, response: { 201: z.object({ id: z.string(), key: z.string(), prefix: z.string(), note: z.string() }) } },
  }, async (req, reply) => {
    const p = principalOf(req);
    const body = req.body as z.output<typeof CreateApiKey>;
    const k = await withTenant(ctx.db, p.tenantId, async (c) => {
      const k = await insertApiKey(c, { tenantId: p.tenantId, name: body.name, role: body.role, createdBy: p.actor });
      await audit(c, p, req.ip, { action: 'api_key.create', target: k.id, details: { name: body.name, role: body.role, prefix: k.prefix } });
      return k;
    });
    return reply.status(201).send({ ...k, note: 'the key is shown once; only its hash is stored' });
  });

  app.delete('/api/v1/api-keys/:id', {
    config: { permission: 'admin' }, schema: { tags: ['admin'], params: IdParams, response: { 204: z.null() } },
  }, async (req, reply) => {
    const p = principalOf(req);
    const { id } = req.params as { id: string };
    await withTenant(ctx.db, p.tenantId, async (c) => {
      const r = await c.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id]);
      if (!r.rowCount) throw notFound('API key');
      await audit(c, p, req.ip, { action: 'api_key.revoke', target: id });
    });
    return reply.status(204).send(null);
  });

  app.post('/api/v1/users', {
    config: { permission: 'admin' }, schema: { tags: ['admin'], body: CreateUser, response: { 201: z.object({ id: z.string(), email: z.string(), role: z.string() }) } },
  }, async (req, reply) => {
    const p = principalOf(req);
    const body = req.body as z.output<typeof CreateUser>;
    let id: string;
    try {
      id = await createUser(ctx.db, { tenantId: p.tenantId, ...body });
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new ApiError(409, 'conflict', 'a user with this email exists in this tenant');
      throw err;
    }
    await withTenant(ctx.db, p.tenantId, (c) => audit(c, p, req.ip, { action: 'user.create', target: id, details: { email: body.email, role: body.role } }));
    return reply.status(201).send({ id, email: body.email.toLowerCase(), role: body.role });
  });

  const AuditQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100), before: z.coerce.number().int().min(1).optional() });
  app.get('/api/v1/audit', {
    config: { permission: 'admin' },
    schema: { tags: ['admin'], querystring: AuditQuery, response: { 200: z.object({ items: z.array(z.object({ id: z.number(), ts: z.string(), actor: z.string(), action: z.string(), target: z.string().nullable(), sourceIp: z.string().nullable(), details: z.record(z.string(), z.unknown()) })) }) } },
  }, async (req) => {
    const q = req.query as z.output<typeof AuditQuery>;
    return withTenant(ctx.db, principalOf(req).tenantId, async (c) => {
      const { rows } = await c.query<{ id: string; ts: Date; actor: string; action: string; target: string | null; source_ip: string | null; details: Record<string, unknown> }>(
        'SELECT id, ts, actor, action, target, source_ip, details FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2',
        [q.before ?? Number.MAX_SAFE_INTEGER, q.limit]);
      return { items: rows.map((r) => ({ id: Number(r.id), ts: r.ts.toISOString(), actor: r.actor, action: r.action, target: r.target, sourceIp: r.source_ip, details: r.details })) };
    });
  });
}
