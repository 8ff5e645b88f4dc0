-- Offline bundle ledger (issue 11, defect 4): every imported bundle's id and source snapshot time.
-- A bundle id seen before (importing or imported) is a replay and is refused; a bundle whose snapshot
-- is older than one already imported for the same tenant and source is refused unless the operator
-- passes --force-older, which the audit log records. A failed import may be retried.
CREATE TABLE bundle_imports (
  bundle_id uuid PRIMARY KEY,
  tenant_id text NOT NULL,
  source_system text NOT NULL,
  snapshot_at timestamptz NOT NULL,
  status text NOT NULL CHECK (status IN ('importing', 'imported', 'failed')),
  forced_older boolean NOT NULL DEFAULT false,
  imported_by text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX bundle_imports_latest ON bundle_imports (tenant_id, source_system, snapshot_at DESC);
