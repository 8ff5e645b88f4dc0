-- Vendor request budgets shared by every worker (control-plane/jobs/vendor-budget.ts): one row per
-- credential (vendor + a hash of its identity, never the secret) and bucket. tokens is the count at
-- updated_at; readers refill by elapsed time. paused_until holds a Retry-After for all workers.
CREATE TABLE vendor_budgets (
  key text NOT NULL,
  bucket text NOT NULL,
  tokens double precision NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  paused_until timestamptz,
  PRIMARY KEY (key, bucket)
);
