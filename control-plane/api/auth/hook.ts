/**
 * Authentication and authorization for every route. A route declares `config.permission`
 * ('public' for login, docs and the console); the hook resolves the caller from an API key
 * (Authorization: Bearer nxk_…) or the session cookie, then checks the role and, for cookie
 * auth on a state-changing method, the CSRF token (double submit, bound to the session).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ANONYMOUS_SCOPE, withSecretScope } from '../../../shared/log/redact.ts';
import type { Db } from '../db.ts';
import { ApiError } from '../http.ts';
import { can, type Permission, type Principal } from './roles.ts';
import { safeEqual, sha256 } from './secrets.ts';
import { resolveApiKey, resolveSession } from './store.ts';

export const SESSION_COOKIE = 'nexus_session';
export const CSRF_COOKIE = 'nexus_csrf';
export const CSRF_HEADER = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    permission?: Permission | 'public';
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

async function resolvePrincipal(db: Db, req: FastifyRequest): Promise<Principal | null> {
  const header = req.headers.authorization;
  if (header) {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    return m ? resolveApiKey(db, m[1]!) : null;
  }
  const cookie = req.cookies?.[SESSION_COOKIE];
  if (cookie) return resolveSession(db, cookie);
  return null;
}

/** The authenticated caller; throws when a route forgot to declare a permission. */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new ApiError(401, 'unauthenticated', 'authentication required');
  return req.principal;
}

export function installAuth(app: FastifyInstance, db: Db): void {
  app.addHook('onRequest', async (req) => {
    const permission = req.routeOptions.config?.permission;
    const url = req.routeOptions.url;
    // Public: declared so, the 404 handler, and non-API routes (the console's files, /docs).
    if (permission === 'public' || !url || !url.startsWith('/api/')) return;
    const principal = await resolvePrincipal(db, req);
    if (!principal) throw new ApiError(401, 'unauthenticated', 'authentication required');
    if (principal.via === 'session' && !SAFE_METHODS.has(req.method)) {
      const token = req.headers[CSRF_HEADER];
      if (typeof token !== 'string' || !principal.csrfHash || !safeEqual(sha256(token), principal.csrfHash)) {
        throw new ApiError(403, 'csrf_failed', 'missing or invalid CSRF token');
      }
    }
    if (!permission) throw new ApiError(500, 'route_misconfigured', `route ${req.routeOptions.url} declares no permission`);
    if (!can(principal.role, permission)) {
      throw new ApiError(403, 'forbidden', `role ${principal.role} may not ${permission}`);
    }
    req.principal = principal;
  });
  // Everything after authentication (handler, error handler) redacts with the caller's tenant's secrets only.
  app.addHook('onRequest', (req, _reply, done) => {
    withSecretScope(req.principal?.tenantId ?? ANONYMOUS_SCOPE, done);
  });
}
