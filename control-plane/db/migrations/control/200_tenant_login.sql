-- Login names its tenant (issue 11, defect 3): a user's email is unique within its tenant, not
-- across tenants, so one tenant can neither enumerate nor squat another's addresses. Each tenant
-- gets a slug (the name people type at login); existing tenants get one from their name, made
-- unique with a suffix of their id where two names collide.
ALTER TABLE api_tenants ADD COLUMN slug text;

UPDATE api_tenants t SET slug = s.slug
  FROM (
    SELECT id, CASE WHEN count(*) OVER (PARTITION BY base) > 1 THEN base || '-' || left(id::text, 8) ELSE base END AS slug
      FROM (SELECT id, coalesce(nullif(left(trim(BOTH '-' FROM regexp_replace(lower(name), '[^a-z0-9]+', '-', 'g')), 54), ''), 'tenant') AS base
              FROM api_tenants) b
  ) s
 WHERE s.id = t.id;

ALTER TABLE api_tenants ALTER COLUMN slug SET NOT NULL;
ALTER TABLE api_tenants ADD CONSTRAINT api_tenants_slug_format CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$');
CREATE UNIQUE INDEX api_tenants_slug_key ON api_tenants (slug);

ALTER TABLE api_users DROP CONSTRAINT api_users_email_key;
ALTER TABLE api_users ADD CONSTRAINT api_users_tenant_email_key UNIQUE (tenant_id, email);
