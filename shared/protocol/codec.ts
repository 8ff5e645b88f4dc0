/** Frame codec: msgpack in binary WebSocket frames, validated by the message schemas. */
import { Packr } from 'msgpackr';
import type { z } from 'zod';
import { AgentMsg, ServerMsg } from './messages.ts';

const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

export function encodeFrame(msg: AgentMsg | ServerMsg): Buffer {
  return packr.pack(msg);
}

function decode<T extends z.ZodTypeAny>(schema: T, data: unknown, side: string): z.infer<T> {
  if (!(data instanceof Uint8Array)) throw new ProtocolError(`${side} frame is not binary`);
  let raw: unknown;
  try {
    raw = packr.unpack(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  } catch (err) {
    throw new ProtocolError(`${side} frame is not valid msgpack: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ProtocolError(`invalid ${side} message at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'unknown'}`);
  }
  return parsed.data;
}

export function decodeAgentFrame(data: unknown): AgentMsg {
  return decode(AgentMsg, toBytes(data), 'agent');
}

export function decodeServerFrame(data: unknown): ServerMsg {
  return decode(ServerMsg, toBytes(data), 'server');
}

/** ws hands us Buffer, ArrayBuffer or Buffer[] depending on binaryType. */
export function toBytes(data: unknown): unknown {
  if (Array.isArray(data)) return Buffer.concat(data as Buffer[]);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
