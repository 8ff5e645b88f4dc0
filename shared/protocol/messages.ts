/**
 * Agent ⇄ control-plane WebSocket messages. Every frame is one msgpack-encoded object (binary
 * frame) validated with these schemas on receipt. Sealed batches travel as raw bytes.
 *
 * Session: the server speaks first with `challenge`; the agent answers with `auth` (enrolled
 * agent, Ed25519 signature) or `enroll` (single-use token + new public key, signature too); the
 * server answers `welcome` (with initial credits) or `refused` and closes.
 */
import { z } from 'zod';
import { WrappedKeySchema } from '../crypto/data-key.ts';

export const PROTOCOL_VERSION = 1;

const id = z.string().min(1).max(128);
const bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, { message: "expected bytes" });

// ── server → agent ────────────────────────────────────────────────────────────
export const ChallengeMsg = z.object({ t: z.literal('challenge'), nonce: z.string().min(16).max(128), protocol: z.number().int() });
export const WelcomeMsg = z.object({
  t: z.literal('welcome'),
  agentId: id,
  tenantId: id,
  /** X25519 public key (base64 SPKI) data keys are wrapped for. */
  transportPublicKey: z.string().min(1).max(200),
  credits: z.number().int().nonnegative(),
});
export const RefusedMsg = z.object({ t: z.literal('refused'), code: z.enum(['bad_token', 'revoked', 'unknown_agent', 'bad_signature', 'protocol']), message: z.string().max(500) });
export const AckMsg = z.object({ t: z.literal('ack'), jobId: id, entity: id, seq: z.number().int().nonnegative(), duplicate: z.boolean(), credit: z.number().int().nonnegative() });
export const NackMsg = z.object({ t: z.literal('nack'), jobId: id, entity: id, seq: z.number().int().nonnegative(), reason: z.string().max(500), credit: z.number().int().nonnegative() });
export const CreditMsg = z.object({ t: z.literal('credit'), n: z.number().int().positive() });
export const RpcMethod = z.enum([
  'status', 'test_connection', 'discover', 'preview',
  'start_job', 'pause_job', 'resume_job', 'cancel_job', 'update_job', 'list_jobs', 'get_logs', 'list_connections',
]);
export type RpcMethod = z.infer<typeof RpcMethod>;
export const RpcMsg = z.object({ t: z.literal('rpc'), id, method: RpcMethod, params: z.record(z.unknown()).default({}) });

export const ServerMsg = z.discriminatedUnion('t', [ChallengeMsg, WelcomeMsg, RefusedMsg, AckMsg, NackMsg, CreditMsg, RpcMsg]);
export type ServerMsg = z.infer<typeof ServerMsg>;

// ── agent → server ────────────────────────────────────────────────────────────
export const AuthMsg = z.object({ t: z.literal('auth'), agentId: id, signature: z.string().min(1).max(200), version: z.string().max(64) });
export const EnrollMsg = z.object({
  t: z.literal('enroll'),
  token: z.string().min(16).max(200),
  name: z.string().min(1).max(200),
  /** Ed25519 public key, base64 SPKI. */
  publicKey: z.string().min(1).max(200),
  /** Signature of the challenge under the new key, with agentId "enroll". */
  signature: z.string().min(1).max(200),
  version: z.string().max(64),
});
export const JobOpenMsg = z.object({
  t: z.literal('job_open'),
  jobId: id,
  connection: z.string().max(200),
  sourceSystem: z.string().min(1).max(64),
  entities: z.array(id).max(10_000),
  wrappedKey: WrappedKeySchema,
});
export const BatchMsg = z.object({
  t: z.literal('batch'),
  jobId: id,
  entity: id,
  seq: z.number().int().nonnegative(),
  final: z.boolean(),
  records: z.number().int().nonnegative(),
  sealed: bytes,
});
export const JobStatusMsg = z.object({
  t: z.literal('job_status'),
  jobId: id,
  state: z.enum(['running', 'paused', 'cancelled', 'completed', 'failed']),
  extracted: z.number().int().nonnegative(),
  error: z.string().max(2000).optional(),
});
export const RpcResultMsg = z.object({
  t: z.literal('rpc_result'),
  id,
  ok: z.boolean(),
  result: z.unknown().optional(),
  error: z.string().max(4000).optional(),
});

export const AgentMsg = z.discriminatedUnion('t', [AuthMsg, EnrollMsg, JobOpenMsg, BatchMsg, JobStatusMsg, RpcResultMsg]);
export type AgentMsg = z.infer<typeof AgentMsg>;

/** WebSocket close codes used by the link. */
export const CloseCode = {
  refused: 4401,
  revoked: 4403,
  protocol: 4400,
  replaced: 4409,
  shutdown: 1001,
} as const;
