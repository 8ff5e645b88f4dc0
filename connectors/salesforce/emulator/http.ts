/** Small HTTP helpers for the emulator: bodies, JSON replies and Salesforce error bodies. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EmulatorHttpError, readBody as kitReadBody, send } from '../../sdk/emulator/http.ts';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(readonly status: number, readonly errorCode: string, message: string) {
    super(message);
  }
}

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** API version from the path, e.g. "59.0". */
  version: string;
  /** Headers added to every API response (Sforce-Limit-Info). */
  extraHeaders: Record<string, string>;
}

export async function readBody(req: IncomingMessage, limit = 1_000_000): Promise<string> {
  return kitReadBody(req, limit).catch((e: unknown) => {
    throw e instanceof EmulatorHttpError ? new ApiError(413, 'JSON_PARSER_ERROR', 'request body too large') : e;
  });
}

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through to the Salesforce-shaped error below
  }
  throw new ApiError(400, 'JSON_PARSER_ERROR', 'Unexpected character: was expecting a JSON object');
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  send(res, status, body, headers);
}

/** Salesforce REST error body: an array of {message, errorCode}. */
export function sendError(res: ServerResponse, status: number, errorCode: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, [{ message, errorCode }], headers);
}
