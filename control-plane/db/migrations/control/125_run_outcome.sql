-- Issue 10: the outcome every surface shows, stored on the run when it ends, and the link from a
-- follow-up run (re-import of corrected quarantined records) to the run it retries.
ALTER TABLE runs
  ADD COLUMN outcome text CHECK (outcome IN ('completed', 'completed_with_issues', 'failed')),
  ADD COLUMN outcome_reason text,
  ADD COLUMN retry_of uuid REFERENCES runs(id) ON DELETE SET NULL,
  ADD COLUMN retry_entity text;
CREATE INDEX runs_retry_of_idx ON runs (retry_of) WHERE retry_of IS NOT NULL;
