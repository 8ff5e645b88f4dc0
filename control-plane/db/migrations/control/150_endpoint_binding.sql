-- Stored credentials are bound to the endpoints they were entered for (issue 11, defect 1).
-- credential_endpoints: the effective endpoints (base URL, token URL, login/instance/environment URL)
-- when the migration's credentials were last entered; opening the source with different endpoints is
-- refused until the credentials are entered again. NULL on rows from before this migration.
ALTER TABLE migrations ADD COLUMN credential_endpoints jsonb;

-- Endpoint overrides: origins outside a vendor's documented hosts (an emulator on 127.0.0.1, a private
-- cloud) that a tenant admin has allowed for one vendor. Only admins write them; every change is audited.
CREATE TABLE api_endpoint_overrides (
  tenant_id uuid NOT NULL REFERENCES api_tenants(id) ON DELETE CASCADE,
  vendor text NOT NULL,
  origin text NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, vendor, origin)
);
ALTER TABLE api_endpoint_overrides ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_endpoint_overrides FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON api_endpoint_overrides
  USING (tenant_id = nexus_current_tenant()) WITH CHECK (tenant_id = nexus_current_tenant());
GRANT SELECT, INSERT, DELETE ON api_endpoint_overrides TO nexus_api;
