-- Live tenants (mapping `match:` rules): a source record matched to a row the tenant already had,
-- which nexus-migrate did not create. The row is not in id_map (rollback never deletes it); its
-- before-image is kept when a run updates it. References to the source record resolve to the row.
CREATE TABLE IF NOT EXISTS match_links (
  tenant_id uuid NOT NULL,
  source_system text NOT NULL,
  source_entity text NOT NULL,
  source_id text NOT NULL,
  target_table text NOT NULL,
  target_id uuid NOT NULL,
  -- The run that made the link (rollback removes it) and the last run that matched through it.
  run_id uuid NOT NULL,
  last_run_id uuid NOT NULL,
  PRIMARY KEY (tenant_id, source_system, source_entity, source_id)
);
-- One existing row is the match of at most one record of a source entity.
CREATE UNIQUE INDEX IF NOT EXISTS match_links_target ON match_links (tenant_id, source_system, source_entity, target_table, target_id);

-- Records matched to existing rows (a share of updated + unchanged + skipped, not a term of its own).
ALTER TABLE entity_progress ADD COLUMN IF NOT EXISTS matched bigint NOT NULL DEFAULT 0;
