-- The durable agent command queue: any control-plane process (API, worker) enqueues a command
-- for an agent; the process whose gateway holds that agent's socket relays it over RPC and
-- writes the result back. Runs with search_path set to the control schema.
CREATE TABLE agent_commands (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  agent_id uuid NOT NULL REFERENCES agents(id),
  type text NOT NULL,
  args jsonb NOT NULL DEFAULT '{}'::jsonb,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','sent','succeeded','failed','expired')),
  result jsonb,
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  finished_at timestamptz,
  expires_at timestamptz NOT NULL
);
CREATE INDEX agent_commands_queued_idx ON agent_commands (agent_id, created_at) WHERE status = 'queued';

-- Which agent job extracts which entity of which migration run (an agent-sourced migration
-- starts one agent job per entity it reads), for progress and for resuming from checkpoints.
CREATE TABLE agent_migration_jobs (
  job_id text PRIMARY KEY,
  migration_id uuid NOT NULL,
  tenant_id uuid NOT NULL,
  agent_id uuid NOT NULL REFERENCES agents(id),
  entity text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agent_migration_jobs_migration_idx ON agent_migration_jobs (migration_id, created_at);
