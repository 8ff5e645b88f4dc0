-- What a run's preflight did before anything loaded (e.g. the tenant and franchise it created
-- because --create-tenant asked), so the report can say so.
ALTER TABLE runs ADD COLUMN IF NOT EXISTS preflight jsonb;
