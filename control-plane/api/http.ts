/**
 * HTTP plumbing: zod (v4) schemas as the route validator and serializer, OpenAPI conversion for
 * /docs, the API error classes and the one error handler that shapes every error response.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod/v4';
import { redactText } from '../../shared/log/redact.ts';
import type { Logger } from '../../shared/log/logger.ts';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(readonly statusCode: number, readonly code: string, message: string, readonly fields?: Record<string, string>) {
    super(message);
  }
}
export const notFound = (what: string): ApiError => new ApiError(404, 'not_found', `${what} not found`);
export const conflict = (message: string): ApiError => new ApiError(409, 'conflict', message);

function isZodSchema(s: unknown): s is z.ZodType {
  return !!s && typeof s === 'object' && typeof (s as { safeParse?: unknown }).safeParse === 'function';
}

/** Field errors keyed by where they are: body.name, query.limit, params.id. */
export function fieldErrors(err: z.ZodError, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of err.issues) {
    const key = [where, ...issue.path.map(String)].join('.');
    // zod says "Invalid input: expected string, received undefined" for a field that is absent.
    out[key] ??= /received undefined$/.test(issue.message) ? `required (${issue.message.replace(/^Invalid input: /, '').replace(/, received undefined$/, '')})` : issue.message;
  }
  return out;
}

/** Parse a value with a zod schema, throwing a 400 ApiError with field errors. */
export function parseOr400<T extends z.ZodType>(schema: T, value: unknown, where = 'body'): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw new ApiError(400, 'validation_failed', `invalid ${where}`, fieldErrors(r.error, where));
  return r.data;
}

const WHERE: Record<string, string> = { body: 'body', querystring: 'query', params: 'params', headers: 'headers' };

/**
 * Where a NUL character is in a request value (PostgreSQL text and jsonb cannot hold one: it would
 * reach the database as a 500), as a path like ["entity"]; null when there is none. Iterative, so
 * deeply nested input cannot overflow the stack.
 */
export function nulPath(value: unknown): string[] | null {
  const stack: [unknown, string[]][] = [[value, []]];
  while (stack.length) {
    const [v, at] = stack.pop()!;
    if (typeof v === 'string') { if (v.includes('\u0000')) return at; continue; }
    if (v && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (k.includes('\u0000')) return [...at, k];
        stack.push([child, [...at, k]]);
      }
    }
  }
  return null;
}

export function installZod(app: FastifyInstance): void {
  app.setValidatorCompiler(({ schema, httpPart }) => {
    if (!isZodSchema(schema)) return () => ({ value: undefined });
    return (data: unknown) => {
      const where = WHERE[httpPart ?? 'body'] ?? 'body';
      const nul = nulPath(data);
      if (nul) return { error: new ApiError(400, 'validation_failed', `invalid ${where}`, { [[where, ...nul].join('.')]: 'must not contain a NUL character' }) };
      const r = schema.safeParse(data);
      if (r.success) return { value: r.data };
      return { error: new ApiError(400, 'validation_failed', `invalid ${WHERE[httpPart ?? 'body'] ?? httpPart}`, fieldErrors(r.error, WHERE[httpPart ?? 'body'] ?? 'body')) };
    };
  });
  // Responses pass through their schema: unknown keys are stripped, so nothing unlisted (a secret) leaks.
  app.setSerializerCompiler(({ schema }) => {
    if (!isZodSchema(schema)) return (data) => JSON.stringify(data);
    return (data) => JSON.stringify(schema.parse(data));
  });
}

/** @fastify/swagger transform: zod schemas → JSON Schema for the OpenAPI document. */
export function zodToOpenApi({ schema, url }: { schema: Record<string, unknown>; url: string }): { schema: Record<string, unknown>; url: string } {
  if (!schema) return { schema, url };
  const conv = (s: unknown, io: 'input' | 'output'): unknown => {
    if (!isZodSchema(s)) return s;
    const { $schema: _drop, ...json } = z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'draft-7' }) as Record<string, unknown>;
    return json;
  };
  const out: Record<string, unknown> = { ...schema };
  for (const part of ['body', 'querystring', 'params', 'headers']) if (schema[part]) out[part] = conv(schema[part], 'input');
  if (schema.response && typeof schema.response === 'object') {
    out.response = Object.fromEntries(Object.entries(schema.response as Record<string, unknown>).map(([k, v]) => [k, conv(v, 'output')]));
  }
  return { schema: out, url };
}

export function installErrorHandler(app: FastifyInstance, log: Logger): void {
  app.setErrorHandler((err: FastifyError | ApiError, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof ApiError) {
      return reply.status(err.statusCode).send({ error: err.code, message: err.message, ...(err.fields ? { fields: err.fields } : {}) });
    }
    if (err.name === 'AgentNotConnectedError') return reply.status(409).send({ error: 'agent_offline', message: redactText(err.message) });
    if (err.name === 'AgentRpcError') return reply.status(502).send({ error: 'agent_error', message: redactText(err.message) });
    if (err.name === 'MappingError') return reply.status(400).send({ error: 'invalid_mapping', message: redactText(err.message) });
    if (err.name === 'IntegrationMissingError') return reply.status(501).send({ error: 'not_implemented', message: redactText(err.message) });
    const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status === 413) return reply.status(413).send({ error: 'payload_too_large', message: 'request body too large' });
    if (status === 429) return reply.status(429).send({ error: 'rate_limited', message: 'too many requests, retry later' });
    if (status >= 400 && status < 500) {
      return reply.status(status).send({ error: err.code ?? 'bad_request', message: redactText(err.message) });
    }
    log.error('request failed', { method: req.method, url: req.routeOptions.url, error: redactText(err.message) });
    return reply.status(500).send({ error: 'internal_error', message: 'internal error' });
  });
  app.setNotFoundHandler((_req, reply) => reply.status(404).send({ error: 'not_found', message: 'no such route' }));
}

/** The message of anything thrown (connectors may throw an abort reason string), redacted. */
export function errorMessage(err: unknown): string {
  return redactText(err instanceof Error ? err.message : typeof err === 'string' ? err : String(err));
}
