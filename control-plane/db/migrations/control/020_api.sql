-- nexus-migrate control schema: the control plane API (tenants, users, API keys, sessions,
-- encrypted credentials, webhooks, mapping templates) and row-level security on every control
-- table the API exposes. Runs with search_path set to the control schema.
--
-- Tenancy is enforced in the database: API requests run as the NOLOGIN role nexus_api
-- (SET LOCAL ROLE) with the GUC nexus.tenant_id set for the transaction. Without the GUC a query
-- sees no rows. The engine and the API's own system work (login lookup, background runs) use
-- the pool's login role, which must be the schema owner with superuser or BYPASSRLS.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'nexus_api') THEN
    BEGIN
      CREATE ROLE nexus_api NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- created concurrently by a migration of another schema
    END;
  END IF;
  IF NOT pg_has_role(current_user, 'nexus_api', 'MEMBER') THEN
    BEGIN
      EXECUTE format('GRANT nexus_api TO %I', current_user);
    EXCEPTION WHEN insufficient_privilege OR duplicate_object OR unique_violation THEN
      RAISE WARNING 'could not grant nexus_api to %: the API cannot switch role', current_user;
    END;
  END IF;
END $$;

-- The tenant of the current transaction, or NULL when the GUC is unset or empty.
CREATE FUNCTION nexus_current_tenant() RETURNS uuid LANGUAGE sql STABLE AS $$
  SELECT nullif(current_setting('nexus.tenant_id', true), '')::uuid
$$;

CREATE TABLE api_tenants (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_users (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES api_tenants(id) ON DELETE CASCADE,
  email text NOT NULL UNIQUE,
  display_name text,
  role text NOT NULL CHECK (role IN ('admin','engineer','customer-admin','viewer')),
  -- scrypt$<N>$<salt b64>$<hash b64>; never the password.
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  disabled_at timestamptz
);
CREATE INDEX api_users_tenant_idx ON api_users (tenant_id);

CREATE TABLE api_keys (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES api_tenants(id) ON DELETE CASCADE,
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin','engineer','customer-admin','viewer')),
  -- SHA-256 of the full key (keys are 256-bit random, so a fast hash is enough).
  key_hash bytea NOT NULL UNIQUE,
  -- First characters of the key, to recognise it in lists.
  prefix text NOT NULL,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX api_keys_tenant_idx ON api_keys (tenant_id);

CREATE TABLE api_sessions (
  -- SHA-256 of the session cookie value and of the CSRF token.
  id_hash bytea PRIMARY KEY,
  csrf_hash bytea NOT NULL,
  tenant_id uuid NOT NULL REFERENCES api_tenants(id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES api_users(id) ON DELETE CASCADE,
  source_ip text,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX api_sessions_user_idx ON api_sessions (user_id);

-- Envelope-encrypted secrets: a fresh AES-256-GCM data key per secret, itself wrapped by a
-- master key (kek_id names it). Only ciphertext, IVs and tags are stored.
CREATE TABLE api_credentials (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES api_tenants(id) ON DELETE CASCADE,
  owner_kind text NOT NULL CHECK (owner_kind IN ('migration','webhook','connection')),
  owner_id uuid NOT NULL,
  name text NOT NULL,
  kek_id text NOT NULL,
  wrapped_key bytea NOT NULL,
  ciphertext bytea NOT NULL,
  iv bytea NOT NULL,
  tag bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  rotated_at timestamptz,
  UNIQUE (tenant_id, owner_kind, owner_id, name)
);
CREATE INDEX api_credentials_kek_idx ON api_credentials (kek_id);

CREATE TABLE api_webhooks (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES api_tenants(id) ON DELETE CASCADE,
  url text NOT NULL,
  events text[] NOT NULL DEFAULT ARRAY['migration.completed','migration.failed','migration.critical'],
  enabled boolean NOT NULL DEFAULT true,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_webhooks_tenant_idx ON api_webhooks (tenant_id);

CREATE TABLE api_webhook_deliveries (
  id bigserial PRIMARY KEY,
  tenant_id uuid NOT NULL,
  webhook_id uuid NOT NULL REFERENCES api_webhooks(id) ON DELETE CASCADE,
  event text NOT NULL,
  delivery_id uuid NOT NULL,
  status text NOT NULL CHECK (status IN ('pending','delivered','failed')),
  attempts integer NOT NULL DEFAULT 0,
  last_status integer,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX api_webhook_deliveries_hook_idx ON api_webhook_deliveries (webhook_id, id);

CREATE TABLE api_mapping_templates (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES api_tenants(id) ON DELETE CASCADE,
  name text NOT NULL,
  source_system text NOT NULL,
  based_on text,
  yaml text NOT NULL,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, name)
);

-- Row-level security. FORCE makes the table owner subject to it too (superusers and BYPASSRLS
-- roles are not: that is the system context).
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['api_tenants','api_users','api_keys','api_sessions','api_credentials','api_webhooks',
                           'api_webhook_deliveries','api_mapping_templates','migrations','runs','logs','audit_log',
                           'quarantine','entity_progress']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
  END LOOP;
END $$;

CREATE POLICY tenant_isolation ON api_tenants
  USING (id = nexus_current_tenant()) WITH CHECK (id = nexus_current_tenant());

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['api_users','api_keys','api_sessions','api_credentials','api_webhooks',
                           'api_webhook_deliveries','api_mapping_templates','migrations','runs','logs']
  LOOP
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = nexus_current_tenant()) '
                   'WITH CHECK (tenant_id = nexus_current_tenant())', t);
  END LOOP;
END $$;

-- The audit trail: read and append within the tenant; the 001 trigger refuses updates and deletes.
CREATE POLICY tenant_read ON audit_log FOR SELECT USING (tenant_id = nexus_current_tenant());
CREATE POLICY tenant_append ON audit_log FOR INSERT WITH CHECK (tenant_id = nexus_current_tenant());

-- Tables without tenant_id follow their run (runs is itself tenant-scoped, so the subquery is too).
CREATE POLICY tenant_isolation ON quarantine
  USING (EXISTS (SELECT 1 FROM runs r WHERE r.id = quarantine.run_id));
CREATE POLICY tenant_isolation ON entity_progress
  USING (EXISTS (SELECT 1 FROM runs r WHERE r.id = entity_progress.run_id));

-- Privileges of the API role: only what the API exposes. id_map, before_images and
-- deferred_refs stay engine-only.
DO $$
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO nexus_api', current_schema());
  EXECUTE 'GRANT SELECT ON api_tenants TO nexus_api';
  EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON api_users, api_keys, api_sessions, api_credentials, api_webhooks, '
          'api_webhook_deliveries, api_mapping_templates, migrations, runs, logs, quarantine, entity_progress TO nexus_api';
  EXECUTE 'GRANT SELECT, INSERT ON audit_log TO nexus_api';
  EXECUTE 'GRANT USAGE ON SEQUENCE audit_log_id_seq, logs_id_seq, quarantine_id_seq, api_webhook_deliveries_id_seq TO nexus_api';
  EXECUTE 'GRANT EXECUTE ON FUNCTION nexus_current_tenant() TO nexus_api';
END $$;
