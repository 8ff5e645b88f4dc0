-- Records of source entities the mapping does not use (delivered by the source, e.g. staged by an
-- agent): counted so a report reconciles everything read. extracted = created + updated + unchanged
-- + deleted + quarantined + skipped + not_in_mapping.
ALTER TABLE entity_progress ADD COLUMN IF NOT EXISTS not_in_mapping bigint NOT NULL DEFAULT 0;
