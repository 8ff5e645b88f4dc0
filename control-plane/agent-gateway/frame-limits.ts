/** Frame size caps per connection phase: a few KB until the agent has authenticated, batch-sized after. */
import type { WebSocket } from 'ws';

export const PRE_AUTH_MAX_PAYLOAD = 8 * 1024;
export const AUTHENTICATED_MAX_PAYLOAD = 64 * 1024 * 1024;

/** Raise the socket's frame cap once the peer has authenticated (ws reads the cap per frame from its receiver). */
export function raiseToAuthenticatedLimit(ws: WebSocket): void {
  const receiver = (ws as unknown as { _receiver?: { _maxPayload: number } })._receiver;
  if (!receiver || typeof receiver._maxPayload !== 'number') throw new Error('ws receiver has no frame cap to raise');
  receiver._maxPayload = AUTHENTICATED_MAX_PAYLOAD;
}
