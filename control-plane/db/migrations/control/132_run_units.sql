-- Units of a run (control-plane/jobs/units.ts): the entities of one dependency level that a run
-- hands to other workers. One row per (run, entity); the worker running a unit holds a session
-- advisory lock on it and refreshes heartbeat_at every few seconds, so the run that waits for it
-- sees a dead worker (stale heartbeat) and queues the unit again, which resumes from the entity's
-- committed checkpoint.
CREATE TABLE run_units (
  run_id uuid NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  entity text NOT NULL,
  migration_id uuid NOT NULL REFERENCES migrations(id) ON DELETE CASCADE,
  tenant_id uuid NOT NULL,
  state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'wait', 'failed', 'stopped')),
  job_id uuid,
  lease_token uuid,
  lease_pid integer,
  worker text,
  attempts integer NOT NULL DEFAULT 0,
  heartbeat_at timestamptz NOT NULL DEFAULT now(),
  stop_requested text CHECK (stop_requested IN ('paused', 'cancelled')),
  waiting_for text,
  error text,
  progress jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  PRIMARY KEY (run_id, entity)
);

ALTER TABLE run_units ENABLE ROW LEVEL SECURITY;
ALTER TABLE run_units FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON run_units USING (tenant_id = nexus_current_tenant()) WITH CHECK (tenant_id = nexus_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON run_units TO nexus_api;
