-- On-prem agents: enrollment tokens, agent identities, agent-driven jobs and staged batches.
-- Runs with search_path set to the control schema.

-- Single-use, expiring enrollment tokens. Only the SHA-256 of the token is stored.
CREATE TABLE agent_enrollment_tokens (
  token_hash text PRIMARY KEY,
  tenant_id uuid NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  used_by_agent uuid
);

-- Enrolled agents: the public half of each agent's Ed25519 identity.
CREATE TABLE agents (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  name text NOT NULL,
  public_key text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active','revoked')),
  enrolled_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  revoked_by text,
  last_seen_at timestamptz,
  last_ip text,
  version text
);
CREATE INDEX agents_tenant_idx ON agents (tenant_id);

-- A job an agent runs: which connection (by name; never its secret) and the per-job data key
-- wrapped for the control plane's transport key.
CREATE TABLE agent_jobs (
  id text PRIMARY KEY,
  agent_id uuid NOT NULL REFERENCES agents(id),
  tenant_id uuid NOT NULL,
  connection text NOT NULL,
  source_system text NOT NULL,
  entities jsonb NOT NULL DEFAULT '[]'::jsonb,
  wrapped_key jsonb NOT NULL,
  state text NOT NULL DEFAULT 'running' CHECK (state IN ('running','paused','cancelled','completed','failed')),
  extracted bigint NOT NULL DEFAULT 0,
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Batches as received: still sealed (AES-256-GCM under the job key), acknowledged only once
-- this row is committed. (job_id, entity, seq) is the dedupe and replay key.
CREATE TABLE agent_staged_batches (
  job_id text NOT NULL REFERENCES agent_jobs(id) ON DELETE CASCADE,
  entity text NOT NULL,
  seq integer NOT NULL,
  final boolean NOT NULL,
  record_count integer NOT NULL,
  digest text NOT NULL,
  sealed bytea NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (job_id, entity, seq)
);
