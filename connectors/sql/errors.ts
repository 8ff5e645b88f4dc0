/** Named errors of the SQL source. Messages carry context (dialect, table) and never a password. */
import { redactText } from '../../shared/log/redact.ts';

export class SqlSourceError extends Error {
  override name = 'SqlSourceError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(redactText(message), options);
  }
}

/** Bad or incomplete connection settings: stop and tell a person. */
export class SqlConfigError extends SqlSourceError {
  override name = 'SqlConfigError';
}

/** The read was cancelled through its AbortSignal. */
export class SqlAbortedError extends SqlSourceError {
  override name = 'SqlAbortedError';
}

/** A query ran longer than its configured timeout. */
export class SqlTimeoutError extends SqlSourceError {
  override name = 'SqlTimeoutError';
}

/** The entity is not known to the discovered schema. */
export class UnknownEntityError extends SqlSourceError {
  override name = 'UnknownEntityError';
}

/** A keyset page returned the same cursor twice: the loop would never end. */
export class CursorLoopError extends SqlSourceError {
  override name = 'CursorLoopError';
}

export function throwIfAborted(signal: AbortSignal | undefined, context: string): void {
  if (signal?.aborted) throw new SqlAbortedError(`read of ${context} was aborted`);
}
