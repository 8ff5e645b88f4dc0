-- Durable runs (control-plane/jobs/): one row per migration that has a run queued or running.
-- The primary key is the rule "one active run per migration", enforced here rather than in any
-- process's memory. A worker holding the run also holds a session advisory lock on the migration
-- (so a second worker cannot run it while the first one's connection lives) and refreshes
-- heartbeat_at every few seconds; a row whose heartbeat is stale is taken over by another worker.
CREATE TABLE active_runs (
  migration_id uuid PRIMARY KEY REFERENCES migrations(id) ON DELETE CASCADE,
  tenant_id uuid NOT NULL,
  mode text NOT NULL CHECK (mode IN ('run', 'dry-run')),
  job_id uuid,
  lease_token uuid,
  lease_pid integer,
  worker text,
  attempts integer NOT NULL DEFAULT 0,
  heartbeat_at timestamptz NOT NULL DEFAULT now(),
  stop_requested text CHECK (stop_requested IN ('paused', 'cancelled')),
  waiting_for text,
  last_error text,
  progress jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE active_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE active_runs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON active_runs USING (tenant_id = nexus_current_tenant()) WITH CHECK (tenant_id = nexus_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON active_runs TO nexus_api;
