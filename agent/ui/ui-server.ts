/**
 * The agent's local UI: a loopback-only HTTP server serving one static page and a small JSON API
 * over the AgentApi and the secret store. Passwords go straight into the secret store and are
 * never sent back; the page only learns `passwordSet`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { z } from 'zod';
import { redactText, registerSecret } from '../../shared/log/redact.ts';
import { silentLogger, type Logger } from '../../shared/log/logger.ts';
import type { SecretStore } from '../secrets/secret-store.ts';
import { AgentInputError, SOURCE_TYPES, type AgentApi, type SourceSettings } from './agent-api.ts';
import { UiAuth } from './ui-auth.ts';

export const UI_HOST = '127.0.0.1';
export const SOURCE_PASSWORD_ACCOUNT = 'connection:default';

export class UiBindError extends Error {
  override name = 'UiBindError';
}

export class InvalidUiRequestError extends Error {
  override name = 'InvalidUiRequestError';
  readonly statusCode = 400;
}

export interface UiServerOptions {
  agent: AgentApi;
  secrets: SecretStore;
  /** Only 127.0.0.1 is accepted; any other value throws UiBindError. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  logger?: Logger;
  loginTtlMs?: number;
}

export interface UiServer {
  url: string;
  /** Bearer token for this session (also what the sign-in cookie carries). */
  token: string;
  /** A one-time sign-in link created at start. */
  loginUrl: string;
  issueLoginUrl(): string;
  close(): Promise<void>;
}

const PUBLIC_DIR = join(import.meta.dirname, 'public');
const STATIC_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const EnrollBody = z
  .object({
    controlPlaneUrl: z
      .string()
      .url()
      .refine((u) => /^(https?|wss?):$/.test(new URL(u).protocol), 'must be an http(s) or ws(s) URL'),
    token: z.string().min(8).max(4096),
  })
  .strict();

const SourceBody = z
  .object({
    type: z.enum(SOURCE_TYPES),
    host: z.string().min(1).max(255).regex(/^[^\s/]+$/, 'host name without spaces or slashes'),
    port: z.coerce.number().int().min(1).max(65535),
    database: z.string().min(1).max(255),
    user: z.string().min(1).max(255),
    /** Omit for the server's default schema. */
    schema: z.string().min(1).max(128).optional(),
    /** Omit to keep the stored password. */
    password: z.string().min(1).max(4096).optional(),
  })
  .strict();

export async function startUiServer(opts: UiServerOptions): Promise<UiServer> {
  const host = opts.host ?? UI_HOST;
  if (host !== UI_HOST) {
    throw new UiBindError(`the agent UI listens on ${UI_HOST} only; refusing to bind to "${host}"`);
  }
  const log = opts.logger ?? silentLogger;
  const auth = new UiAuth({ loginTtlMs: opts.loginTtlMs });
  registerSecret(auth.token);
  const pages = Object.fromEntries(
    Object.entries(STATIC_FILES).map(([route, f]) => [route, { body: readFileSync(join(PUBLIC_DIR, f.file)), type: f.type }]),
  );

  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: 16 * 1024, trustProxy: false });

  app.addHook('onRequest', async (req, reply) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
    if (!auth.hostAllowed(req.headers.host)) {
      return reply.code(421).send({ error: 'unexpected Host header: the agent UI answers only on its loopback address' });
    }
    if (req.url.startsWith('/api/')) {
      const result = auth.check({ method: req.method, headers: req.headers });
      if (!result.ok) return reply.code(result.status).send({ error: result.reason });
    }
    return undefined;
  });

  app.get('/', async (req, reply) => {
    const nonce = (req.query as Record<string, unknown>).token;
    if (typeof nonce === 'string') {
      if (!auth.redeemLogin(nonce)) {
        return reply.code(401).type('text/plain; charset=utf-8').send('This sign-in link is invalid, expired or already used.');
      }
      return reply.header('set-cookie', auth.sessionCookie()).redirect('/', 303);
    }
    return sendPage(reply, '/');
  });
  app.get('/app.js', async (_req, reply) => sendPage(reply, '/app.js'));
  app.get('/app.css', async (_req, reply) => sendPage(reply, '/app.css'));

  function sendPage(reply: FastifyReply, route: string): FastifyReply {
    const page = pages[route]!;
    return reply.type(page.type).send(page.body);
  }

  app.get('/api/status', async () => opts.agent.status());
  app.get('/api/progress', async () => ({ jobs: await opts.agent.jobProgress() }));
  app.get('/api/spool', async () => opts.agent.spoolLevel());
  app.get('/api/source', async () => sourceView(await opts.agent.sourceSettings()));

  app.post('/api/enroll', async (req) => {
    const body = parse(EnrollBody, req.body);
    registerSecret(body.token);
    return opts.agent.enroll(body.controlPlaneUrl, body.token);
  });

  app.put('/api/source', async (req) => {
    const body = parse(SourceBody, req.body);
    const { password, ...rest } = body;
    if (password !== undefined) {
      registerSecret(password);
      await opts.secrets.set(SOURCE_PASSWORD_ACCOUNT, password);
    }
    const settings: SourceSettings = { ...rest, passwordAccount: SOURCE_PASSWORD_ACCOUNT };
    await opts.agent.saveSourceSettings(settings);
    return sourceView(settings);
  });

  app.post('/api/export-bundle', async () => opts.agent.exportOfflineBundle());

  app.setErrorHandler(async (err, req, reply) => {
    const message = redactText(err instanceof Error ? err.message : String(err));
    if (err instanceof AgentInputError) return reply.code(400).send({ error: message });
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) return reply.code(status).send({ error: message });
    log.error('agent UI request failed', { method: req.method, route: req.routeOptions.url, err });
    return reply.code(500).send({ error: message });
  });

  async function sourceView(settings: SourceSettings | null): Promise<unknown> {
    if (!settings) return { configured: false, passwordSet: false };
    const { passwordAccount, ...visible } = settings;
    const passwordSet = (await opts.secrets.list()).includes(passwordAccount);
    return { configured: true, ...visible, passwordSet };
  }

  await app.listen({ host: UI_HOST, port: opts.port ?? 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string' || address.address !== UI_HOST) {
    await app.close();
    throw new UiBindError(`the agent UI ended up on ${JSON.stringify(address)}, not ${UI_HOST}`);
  }
  auth.bindPort(address.port);
  const loginUrl = auth.issueLoginUrl();
  log.info('agent UI listening', { url: auth.origin });
  return {
    url: auth.origin,
    token: auth.token,
    loginUrl,
    issueLoginUrl: () => auth.issueLoginUrl(),
    close: () => app.close(),
  };
}

/** Validate a request body; a ZodError becomes a 400 through the error handler. */
function parse<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
  throw new InvalidUiRequestError(`invalid request: ${issues}`);
}
