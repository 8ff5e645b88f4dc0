-- nexus-migrate control schema, engine tables. Runs with search_path set to the control schema.

CREATE TABLE migrations (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  name text NOT NULL,
  source_system text NOT NULL,
  status text NOT NULL DEFAULT 'draft'
    CHECK (status IN ('draft','dry_run','awaiting_approval','approved','running','paused','completed','failed','cancelled','rolled_back')),
  -- Configuration without secrets; credentials live in the credential store or the agent's keychain.
  config jsonb NOT NULL DEFAULT '{}'::jsonb,
  mapping_yaml text,
  target_schema text NOT NULL DEFAULT 'public',
  approved_by text,
  approved_at timestamptz,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX migrations_tenant_idx ON migrations (tenant_id);

CREATE TABLE runs (
  id uuid PRIMARY KEY,
  migration_id uuid REFERENCES migrations(id) ON DELETE SET NULL,
  tenant_id uuid NOT NULL,
  -- Identifies "the same run" across restarts: a killed run resumes when started again with the same key.
  run_key text NOT NULL,
  mode text NOT NULL CHECK (mode IN ('run','dry-run')),
  status text NOT NULL DEFAULT 'running'
    CHECK (status IN ('running','paused','completed','failed','cancelled','rolled_back')),
  source_system text NOT NULL,
  target_schema text NOT NULL,
  mapping_hash text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  report jsonb,
  warnings jsonb NOT NULL DEFAULT '{}'::jsonb,
  error text
);
CREATE INDEX runs_key_idx ON runs (run_key, started_at DESC);
CREATE INDEX runs_tenant_idx ON runs (tenant_id);

-- Per-entity counters. Updated in the same transaction as the batch they count.
CREATE TABLE entity_progress (
  run_id uuid NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  entity text NOT NULL,
  target_table text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','running','done','failed')),
  extracted bigint NOT NULL DEFAULT 0,
  created bigint NOT NULL DEFAULT 0,
  updated bigint NOT NULL DEFAULT 0,
  unchanged bigint NOT NULL DEFAULT 0,
  deleted bigint NOT NULL DEFAULT 0,
  quarantined bigint NOT NULL DEFAULT 0,
  skipped bigint NOT NULL DEFAULT 0,
  batches bigint NOT NULL DEFAULT 0,
  -- Checkpoint after the last committed batch: resuming reads from here.
  checkpoint jsonb,
  last_seq integer,
  warnings jsonb NOT NULL DEFAULT '{}'::jsonb,
  started_at timestamptz,
  finished_at timestamptz,
  PRIMARY KEY (run_id, entity)
);

-- Source record → target row, for traceability and rollback.
CREATE TABLE id_map (
  tenant_id uuid NOT NULL,
  source_system text NOT NULL,
  source_entity text NOT NULL,
  source_id text NOT NULL,
  target_table text NOT NULL,
  target_id uuid NOT NULL,
  created_run_id uuid NOT NULL,
  last_run_id uuid NOT NULL,
  -- target_id is a UUIDv5 of (tenant, source system, entity, source id): one narrow key serves both.
  PRIMARY KEY (target_id)
);

-- Rows as they were before a run updated or deleted them (rollback restores these).
CREATE TABLE before_images (
  run_id uuid NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  target_table text NOT NULL,
  target_id uuid NOT NULL,
  row_data jsonb NOT NULL,
  PRIMARY KEY (run_id, target_table, target_id)
);

-- References written as NULL first and linked after all entities loaded (self-references, cycles).
CREATE TABLE deferred_refs (
  run_id uuid NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  target_table text NOT NULL,
  target_id uuid NOT NULL,
  column_name text NOT NULL,
  ref_table text NOT NULL,
  ref_id uuid NOT NULL,
  ref_entity text NOT NULL,
  ref_source_id text NOT NULL,
  source_entity text NOT NULL,
  source_id text NOT NULL,
  on_orphan text NOT NULL,
  PRIMARY KEY (run_id, target_table, target_id, column_name)
);

CREATE TABLE quarantine (
  id bigserial PRIMARY KEY,
  run_id uuid NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  entity text NOT NULL,
  source_id text,
  field text,
  reason text NOT NULL,
  record jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX quarantine_run_idx ON quarantine (run_id, entity);

CREATE TABLE logs (
  id bigserial PRIMARY KEY,
  run_id uuid,
  migration_id uuid,
  tenant_id uuid,
  ts timestamptz NOT NULL DEFAULT now(),
  level text NOT NULL CHECK (level IN ('debug','info','warn','error')),
  message text NOT NULL,
  fields jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX logs_run_idx ON logs (run_id, id);
CREATE INDEX logs_migration_idx ON logs (migration_id, id);

-- Append-only audit trail: who, what, when, from where.
CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  ts timestamptz NOT NULL DEFAULT now(),
  tenant_id uuid,
  actor text NOT NULL,
  action text NOT NULL,
  target text,
  source_ip text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP;
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- References whose parent never arrived, and what the policy did about them.
CREATE TABLE orphans (
  id bigserial PRIMARY KEY,
  run_id uuid NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  entity text NOT NULL,
  source_id text NOT NULL,
  field text NOT NULL,
  ref_entity text NOT NULL,
  ref_source_id text NOT NULL,
  policy text NOT NULL
);
CREATE UNIQUE INDEX orphans_key ON orphans (run_id, entity, source_id, field);
