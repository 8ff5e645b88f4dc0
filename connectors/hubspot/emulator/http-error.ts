/** HubSpot-shaped error responses: {status, message, correlationId, category}. */
import { randomUUID } from 'node:crypto';
import { EmulatorHttpError } from '../../sdk/emulator/index.ts';

export { EmulatorHttpError as HttpError } from '../../sdk/emulator/index.ts';

export function hubspotError(status: number, category: string, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): EmulatorHttpError {
  return new EmulatorHttpError(status, { status: 'error', message, correlationId: randomUUID(), category, ...extra }, headers);
}
