/** HubSpot-shaped error responses: {status, message, correlationId, category}. */
import { randomUUID } from 'node:crypto';

export class HttpError extends Error {
  constructor(readonly status: number, readonly body: Record<string, unknown>) {
    super(String(body['message']));
  }
}

export function hubspotError(status: number, category: string, message: string, extra: Record<string, unknown> = {}): HttpError {
  return new HttpError(status, { status: 'error', message, correlationId: randomUUID(), category, ...extra });
}

