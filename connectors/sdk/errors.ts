/** Named SDK errors. Every message carries vendor, stream and status, and passes through redaction. */
import { redactText } from '../../shared/log/redact.ts';
import type { ErrorAction } from './definition.ts';

export interface HttpErrorContext {
  vendor: string;
  stream?: string;
  status?: number;
  method?: string;
  /** Path only; query strings are dropped so tokens in them never reach a message. */
  path?: string;
  /** Vendor error detail (message, category, correlation id), already trimmed. */
  detail?: string;
}

function describe(ctx: HttpErrorContext): string {
  const parts = [`vendor=${ctx.vendor}`];
  if (ctx.stream) parts.push(`stream=${ctx.stream}`);
  if (ctx.method && ctx.path) parts.push(`${ctx.method} ${ctx.path}`);
  if (ctx.status !== undefined) parts.push(`status=${ctx.status}`);
  return parts.join(' ');
}

/** Base class: an HTTP exchange failed and was classified with `action`. */
export class ConnectorHttpError extends Error {
  override name = 'ConnectorHttpError';
  constructor(
    readonly action: ErrorAction,
    readonly context: HttpErrorContext,
    summary: string,
  ) {
    super(redactText(`${summary} (${describe(context)})${context.detail ? `: ${context.detail}` : ''}`));
  }
  get status(): number | undefined {
    return this.context.status;
  }
}

/** Bad credentials, missing scopes, wrong URL: retrying will not help; a person must act. */
export class ConnectorConfigError extends ConnectorHttpError {
  override name = 'ConnectorConfigError';
  constructor(context: HttpErrorContext, readonly remedy: string) {
    super('fail-config', context, `configuration error, ${remedy}`);
  }
}

/** Retries (5xx, network, 429) were exhausted. */
export class RetriesExhaustedError extends ConnectorHttpError {
  override name = 'RetriesExhaustedError';
  constructor(context: HttpErrorContext, readonly attempts: number) {
    super('retry', context, `gave up after ${attempts} attempts`);
  }
}

/** A single record was rejected by the vendor; set it aside and continue. */
export class RecordQuarantineError extends ConnectorHttpError {
  override name = 'RecordQuarantineError';
  constructor(context: HttpErrorContext) {
    super('quarantine-record', context, 'record rejected by the vendor');
  }
}

/** A paginator saw the same page token twice. */
export class PaginationLoopError extends Error {
  override readonly name = 'PaginationLoopError';
  constructor(readonly vendor: string, readonly stream: string, token: string) {
    super(redactText(`loop detected: page token repeated (vendor=${vendor} stream=${stream} token=${token.slice(0, 80)})`));
  }
}

/** The token endpoint refused to issue or refresh a token. */
export class TokenRefreshError extends ConnectorHttpError {
  override name = 'TokenRefreshError';
  constructor(context: HttpErrorContext) {
    super('fail-config', context, 'token refresh failed, re-authorize the connection');
  }
}

/** A response did not have the shape the definition promised. */
export class ResponseShapeError extends Error {
  override readonly name = 'ResponseShapeError';
  constructor(vendor: string, stream: string, what: string) {
    super(redactText(`unexpected response shape (vendor=${vendor} stream=${stream}): ${what}`));
  }
}

export class UnknownStreamError extends Error {
  override readonly name = 'UnknownStreamError';
  constructor(vendor: string, stream: string, known: string[]) {
    super(`unknown stream "${stream}" for ${vendor}; known: ${known.join(', ')}`);
  }
}
