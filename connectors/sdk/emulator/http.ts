/**
 * The emulator HTTP server: one Node http server on 127.0.0.1, a request body reader with a size
 * limit, JSON/text replies, and a typed error a route throws to answer in the vendor's error shape.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Thrown by a route: answered with `status`, `body` (JSON unless a string) and `headers`. */
export class EmulatorHttpError extends Error {
  override readonly name = 'EmulatorHttpError';
  constructor(readonly status: number, readonly body: unknown, readonly headers: Record<string, string> = {}) {
    super(typeof body === 'string' ? body : `HTTP ${status}`);
  }
}

export interface EmulatorRequest {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  url: URL;
  /** Path without trailing slashes. */
  path: string;
}

export interface EmulatorServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export interface ServeOptions {
  port?: number;
  /** Content type of JSON replies (vendors differ: `application/json;charset=UTF-8`, OData's `odata.metadata=minimal`). */
  jsonContentType?: string;
  /** The body of an unexpected exception (vendor-shaped 500). */
  internalError?: (err: unknown) => unknown;
}

export async function readBody(req: IncomingMessage, limit = 1_000_000): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > limit) throw new EmulatorHttpError(413, { message: 'request body too large' });
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A JSON object body, or `onInvalid()` thrown. */
export async function readJsonObject(req: IncomingMessage, onInvalid: () => Error): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw onInvalid();
}

/** Form fields from a urlencoded body, plus HTTP Basic client credentials if sent. */
export async function readForm(req: IncomingMessage): Promise<{ form: URLSearchParams; basic?: { id: string; secret: string } }> {
  const form = new URLSearchParams(await readBody(req));
  const m = /^Basic\s+(.+)$/i.exec(String(req.headers.authorization ?? ''));
  if (!m) return { form };
  const [id, ...rest] = Buffer.from(m[1]!, 'base64').toString('utf8').split(':');
  return { form, basic: { id: id ?? '', secret: rest.join(':') } };
}

export function bearerToken(req: IncomingMessage, schemes = ['Bearer']): string | undefined {
  const m = new RegExp(`^(?:${schemes.join('|')})\\s+(.+)$`, 'i').exec(String(req.headers.authorization ?? ''));
  return m?.[1]?.trim();
}

export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, jsonContentType = 'application/json;charset=UTF-8'): void {
  if (body === undefined) {
    res.writeHead(status, { 'Content-Length': '0', ...headers });
    res.end();
    return;
  }
  const isText = typeof body === 'string';
  const text = isText ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': isText ? 'text/plain;charset=UTF-8' : jsonContentType, 'Content-Length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Start the server. `handle` answers (it may call `send` itself) or throws `EmulatorHttpError`;
 * anything else becomes `internalError(err)` with status 500.
 */
export async function serve(handle: (r: EmulatorRequest) => Promise<void> | void, opts: ServeOptions = {}): Promise<EmulatorServer> {
  const ct = opts.jsonContentType ?? 'application/json;charset=UTF-8';
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const r: EmulatorRequest = { req, res, method: req.method ?? 'GET', url, path: url.pathname.replace(/\/+$/, '') || '/' };
    Promise.resolve()
      .then(() => handle(r))
      .catch((err: unknown) => {
        if (res.headersSent) return void res.destroy();
        if (err instanceof EmulatorHttpError) return send(res, err.status, err.body, err.headers, ct);
        send(res, 500, opts.internalError ? opts.internalError(err) : { message: 'internal error' }, {}, ct);
      });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** Route table: first match of method + path regex wins; the handler gets the regex groups. */
export type Route<C> = [method: string, path: RegExp | string, handler: (ctx: C, params: string[]) => Promise<void> | void];

export async function dispatch<C>(routes: readonly Route<C>[], method: string, path: string, ctx: C, notFound: () => Error): Promise<void> {
  for (const [m, p, h] of routes) {
    if (m !== '*' && m !== method) continue;
    if (typeof p === 'string') {
      if (p === path) return h(ctx, []);
      continue;
    }
    const match = p.exec(path);
    if (match) return h(ctx, match.slice(1).map((s) => decodeURIComponent(s ?? '')));
  }
  throw notFound();
}
