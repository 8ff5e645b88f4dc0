/** Salesforce's REST error shape on the kit: an array of {message, errorCode}. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EmulatorHttpError, readJsonObject, send } from '../../sdk/emulator/index.ts';

export class ApiError extends EmulatorHttpError {
  constructor(status: number, readonly errorCode: string, message: string, headers: Record<string, string> = {}) {
    super(status, [{ message, errorCode }], headers);
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

export const readJson = (req: IncomingMessage): Promise<Record<string, unknown>> =>
  readJsonObject(req, () => new ApiError(400, 'JSON_PARSER_ERROR', 'Unexpected character: was expecting a JSON object'));

export const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => send(res, status, body, headers);
