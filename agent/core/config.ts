/** Agent configuration (agent.json in the data dir, overridable in code). Never holds secrets. */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const AgentConfigSchema = z.object({
  name: z.string().min(1).max(200).default('nexus-agent'),
  /** ws(s)://host/agent/ws; set at enrollment. */
  serverUrl: z.string().url().optional(),
  tls: z
    .object({
      /** PEM file of a private CA to trust (in addition to verification, not instead of it). */
      caFile: z.string().optional(),
      /** Pinned server certificate SHA-256 fingerprint (AA:BB:… as Node prints it). */
      fingerprint256: z.string().regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/i).optional(),
    })
    .default({}),
  /** Explicit HTTP(S) proxy; HTTPS_PROXY / HTTP_PROXY are used otherwise. */
  proxy: z.string().url().optional(),
  backoff: z.object({ baseMs: z.number().int().positive().default(500), maxMs: z.number().int().positive().default(30_000) }).default({}),
  heartbeatMs: z.number().int().positive().default(15_000),
  /** Bound of the on-disk spool of unacknowledged batches; reading waits while it is full. */
  spoolMaxBytes: z.number().int().positive().default(64 * 1024 * 1024),
  batchSize: z.number().int().positive().max(50_000).default(1000),
  /** Free space kept on the data folder's disk beyond each batch; below it extraction waits ("disk full on the agent"). */
  diskReserveBytes: z.number().int().nonnegative().default(4 * 1024 * 1024),
});
export type AgentConfig = z.infer<typeof AgentConfigSchema>;
export type AgentConfigInput = z.input<typeof AgentConfigSchema>;

export const CONFIG_FILE = 'agent.json';

/** Load agent.json from the data dir (if present) and overlay `overrides`. */
export function loadAgentConfig(dataDir: string, overrides: AgentConfigInput = {}): AgentConfig {
  const file = path.join(dataDir, CONFIG_FILE);
  const fromFile = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as AgentConfigInput) : {};
  return AgentConfigSchema.parse({ ...fromFile, ...overrides });
}
