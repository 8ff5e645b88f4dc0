-- Logic Nexus target schema, version 1.
-- Runs with search_path set to the target schema; every name below is unqualified.
-- Common columns on every migrated table: id, tenant_id, franchise_id, source_system, source_entity,
-- source_id, metadata, created_at, updated_at.
-- Foreign keys are DEFERRABLE so that a batch may hold a child before its parent.

CREATE TABLE tenants (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  slug text NOT NULL UNIQUE,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE franchises (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants(id) DEFERRABLE,
  franchise_id uuid,
  name text NOT NULL,
  code text,
  source_system text,
  source_entity text,
  source_id text,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants(id) DEFERRABLE,
  franchise_id uuid REFERENCES franchises(id) DEFERRABLE,
  email text NOT NULL,
  full_name text,
  role text NOT NULL DEFAULT 'user',
  is_active boolean NOT NULL DEFAULT true,
  source_system text,
  source_entity text,
  source_id text,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_tenant_email_key ON users (tenant_id, lower(email));

CREATE TABLE accounts (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants(id) DEFERRABLE,
  franchise_id uuid REFERENCES franchises(id) DEFERRABLE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
  code varchar(64),
  account_type text NOT NULL DEFAULT 'prospect'
    CHECK (account_type IN ('customer','prospect','partner','vendor','supplier','carrier','competitor','other')),
  account_roles text[] NOT NULL DEFAULT '{}',
  industry varchar(128),
  annual_revenue numeric(18,2),
  employee_count integer CHECK (employee_count IS NULL OR employee_count >= 0),
  phone varchar(64),
  email varchar(320),
  website varchar(1024),
  billing_address jsonb,
  shipping_address jsonb,
  parent_account_id uuid REFERENCES accounts(id) DEFERRABLE,
  owner_id uuid REFERENCES users(id) DEFERRABLE,
  source_system text,
  source_entity text,
  source_id text,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE contacts (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants(id) DEFERRABLE,
  franchise_id uuid REFERENCES franchises(id) DEFERRABLE,
  account_id uuid REFERENCES accounts(id) DEFERRABLE,
  first_name varchar(128),
  last_name varchar(128) NOT NULL,
  title varchar(128),
  email varchar(320),
  phone varchar(64),
  mobile varchar(64),
  mailing_address jsonb,
  reports_to_id uuid REFERENCES contacts(id) DEFERRABLE,
  owner_id uuid REFERENCES users(id) DEFERRABLE,
  source_system text,
  source_entity text,
  source_id text,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE leads (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants(id) DEFERRABLE,
  franchise_id uuid REFERENCES franchises(id) DEFERRABLE,
  first_name varchar(128),
  last_name varchar(128) NOT NULL,
  company varchar(255),
  title varchar(128),
  email varchar(320),
  phone varchar(64),
  status text NOT NULL DEFAULT 'new'
    CHECK (status IN ('new','contacted','qualified','unqualified','converted')),
  lead_source varchar(128),
  address jsonb,
  converted_account_id uuid REFERENCES accounts(id) DEFERRABLE,
  converted_contact_id uuid REFERENCES contacts(id) DEFERRABLE,
  owner_id uuid REFERENCES users(id) DEFERRABLE,
  source_system text,
  source_entity text,
  source_id text,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE opportunities (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants(id) DEFERRABLE,
  franchise_id uuid REFERENCES franchises(id) DEFERRABLE,
  name varchar(255) NOT NULL,
  account_id uuid REFERENCES accounts(id) DEFERRABLE,
  contact_id uuid REFERENCES contacts(id) DEFERRABLE,
  stage text NOT NULL DEFAULT 'prospecting'
    CHECK (stage IN ('prospecting','qualification','needs_analysis','proposal','negotiation','closed_won','closed_lost')),
  amount numeric(18,2),
  currency char(3),
  probability numeric(5,2) CHECK (probability IS NULL OR probability BETWEEN 0 AND 100),
  close_date date,
  lead_source varchar(128),
  owner_id uuid REFERENCES users(id) DEFERRABLE,
  source_system text,
  source_entity text,
  source_id text,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE activities (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants(id) DEFERRABLE,
  franchise_id uuid REFERENCES franchises(id) DEFERRABLE,
  activity_type text NOT NULL CHECK (activity_type IN ('task','meeting','call','email','note')),
  subject varchar(255),
  description text,
  status varchar(64),
  priority varchar(32),
  due_at timestamptz,
  start_at timestamptz,
  end_at timestamptz,
  duration_minutes integer,
  account_id uuid REFERENCES accounts(id) DEFERRABLE,
  contact_id uuid REFERENCES contacts(id) DEFERRABLE,
  lead_id uuid REFERENCES leads(id) DEFERRABLE,
  opportunity_id uuid REFERENCES opportunities(id) DEFERRABLE,
  owner_id uuid REFERENCES users(id) DEFERRABLE,
  source_system text,
  source_entity text,
  source_id text,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE quotes (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants(id) DEFERRABLE,
  franchise_id uuid REFERENCES franchises(id) DEFERRABLE,
  quote_number varchar(64),
  account_id uuid REFERENCES accounts(id) DEFERRABLE,
  contact_id uuid REFERENCES contacts(id) DEFERRABLE,
  opportunity_id uuid REFERENCES opportunities(id) DEFERRABLE,
  status text NOT NULL DEFAULT 'draft'
    CHECK (status IN ('draft','sent','accepted','rejected','expired')),
  mode text CHECK (mode IS NULL OR mode IN ('air','ocean','road','rail','courier','multimodal','other')),
  origin_location varchar(255),
  destination_location varchar(255),
  total_amount numeric(18,2),
  currency char(3),
  valid_until date,
  owner_id uuid REFERENCES users(id) DEFERRABLE,
  source_system text,
  source_entity text,
  source_id text,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE quote_items (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants(id) DEFERRABLE,
  franchise_id uuid REFERENCES franchises(id) DEFERRABLE,
  quote_id uuid NOT NULL REFERENCES quotes(id) DEFERRABLE,
  line_number integer,
  description varchar(1024),
  quantity numeric(18,4),
  unit_price numeric(18,4),
  amount numeric(18,2),
  currency char(3),
  source_system text,
  source_entity text,
  source_id text,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE shipments (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants(id) DEFERRABLE,
  franchise_id uuid REFERENCES franchises(id) DEFERRABLE,
  shipment_number varchar(64),
  master_shipment_id uuid REFERENCES shipments(id) DEFERRABLE,
  is_master boolean NOT NULL DEFAULT false,
  quote_id uuid REFERENCES quotes(id) DEFERRABLE,
  account_id uuid REFERENCES accounts(id) DEFERRABLE,
  shipper_account_id uuid REFERENCES accounts(id) DEFERRABLE,
  consignee_account_id uuid REFERENCES accounts(id) DEFERRABLE,
  carrier_account_id uuid REFERENCES accounts(id) DEFERRABLE,
  mode text CHECK (mode IS NULL OR mode IN ('air','ocean','road','rail','courier','multimodal','other')),
  shipment_type varchar(32),
  service_level varchar(64),
  status varchar(64),
  origin_location varchar(255),
  destination_location varchar(255),
  etd timestamptz,
  eta timestamptz,
  atd timestamptz,
  ata timestamptz,
  total_weight_kg numeric(18,3),
  total_volume_m3 numeric(18,3),
  pieces integer,
  owner_id uuid REFERENCES users(id) DEFERRABLE,
  source_system text,
  source_entity text,
  source_id text,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE quote_legs (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants(id) DEFERRABLE,
  franchise_id uuid REFERENCES franchises(id) DEFERRABLE,
  quote_id uuid REFERENCES quotes(id) DEFERRABLE,
  shipment_id uuid REFERENCES shipments(id) DEFERRABLE,
  leg_sequence integer NOT NULL CHECK (leg_sequence >= 1),
  mode text CHECK (mode IS NULL OR mode IN ('air','ocean','road','rail','courier','multimodal','other')),
  origin_location varchar(255),
  destination_location varchar(255),
  carrier_account_id uuid REFERENCES accounts(id) DEFERRABLE,
  vessel_or_flight varchar(128),
  etd timestamptz,
  eta timestamptz,
  atd timestamptz,
  ata timestamptz,
  source_system text,
  source_entity text,
  source_id text,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (quote_id IS NOT NULL OR shipment_id IS NOT NULL)
);

CREATE TABLE shipment_containers (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants(id) DEFERRABLE,
  franchise_id uuid REFERENCES franchises(id) DEFERRABLE,
  shipment_id uuid NOT NULL REFERENCES shipments(id) DEFERRABLE,
  container_number varchar(32),
  container_type varchar(32),
  seal_number varchar(64),
  tare_weight_kg numeric(18,3),
  gross_weight_kg numeric(18,3),
  source_system text,
  source_entity text,
  source_id text,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE invoices (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants(id) DEFERRABLE,
  franchise_id uuid REFERENCES franchises(id) DEFERRABLE,
  invoice_number varchar(64),
  account_id uuid REFERENCES accounts(id) DEFERRABLE,
  shipment_id uuid REFERENCES shipments(id) DEFERRABLE,
  status text NOT NULL DEFAULT 'issued'
    CHECK (status IN ('draft','issued','paid','partially_paid','overdue','void')),
  issue_date date,
  due_date date,
  currency char(3),
  total_amount numeric(18,2),
  tax_amount numeric(18,2),
  source_system text,
  source_entity text,
  source_id text,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE invoice_charges (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants(id) DEFERRABLE,
  franchise_id uuid REFERENCES franchises(id) DEFERRABLE,
  invoice_id uuid NOT NULL REFERENCES invoices(id) DEFERRABLE,
  line_number integer,
  charge_code varchar(32),
  description varchar(1024),
  charge_type text CHECK (charge_type IS NULL OR charge_type IN ('revenue','cost','tax','disbursement')),
  quantity numeric(18,4),
  unit_price numeric(18,4),
  amount numeric(18,2),
  currency char(3),
  tax_amount numeric(18,2),
  source_system text,
  source_entity text,
  source_id text,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE customs_documents (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants(id) DEFERRABLE,
  franchise_id uuid REFERENCES franchises(id) DEFERRABLE,
  shipment_id uuid REFERENCES shipments(id) DEFERRABLE,
  entry_number varchar(64),
  document_type varchar(64),
  customs_status varchar(64),
  country char(2),
  declared_value numeric(18,2),
  currency char(3),
  duty_amount numeric(18,2),
  filed_at timestamptz,
  cleared_at timestamptz,
  source_system text,
  source_entity text,
  source_id text,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Source lookups (traceability, incremental re-runs) and foreign-key indexes.
CREATE UNIQUE INDEX franchises_source_key ON franchises (tenant_id, source_system, source_entity, source_id);
CREATE UNIQUE INDEX users_source_key ON users (tenant_id, source_system, source_entity, source_id);
CREATE UNIQUE INDEX accounts_source_key ON accounts (tenant_id, source_system, source_entity, source_id);
CREATE UNIQUE INDEX contacts_source_key ON contacts (tenant_id, source_system, source_entity, source_id);
CREATE UNIQUE INDEX leads_source_key ON leads (tenant_id, source_system, source_entity, source_id);
CREATE UNIQUE INDEX opportunities_source_key ON opportunities (tenant_id, source_system, source_entity, source_id);
CREATE UNIQUE INDEX activities_source_key ON activities (tenant_id, source_system, source_entity, source_id);
CREATE UNIQUE INDEX quotes_source_key ON quotes (tenant_id, source_system, source_entity, source_id);
CREATE UNIQUE INDEX quote_items_source_key ON quote_items (tenant_id, source_system, source_entity, source_id);
CREATE UNIQUE INDEX quote_legs_source_key ON quote_legs (tenant_id, source_system, source_entity, source_id);
CREATE UNIQUE INDEX shipments_source_key ON shipments (tenant_id, source_system, source_entity, source_id);
CREATE UNIQUE INDEX shipment_containers_source_key ON shipment_containers (tenant_id, source_system, source_entity, source_id);
CREATE UNIQUE INDEX invoices_source_key ON invoices (tenant_id, source_system, source_entity, source_id);
CREATE UNIQUE INDEX invoice_charges_source_key ON invoice_charges (tenant_id, source_system, source_entity, source_id);
CREATE UNIQUE INDEX customs_documents_source_key ON customs_documents (tenant_id, source_system, source_entity, source_id);

CREATE INDEX contacts_account_idx ON contacts (account_id);
CREATE INDEX opportunities_account_idx ON opportunities (account_id);
CREATE INDEX shipments_account_idx ON shipments (account_id);
CREATE INDEX shipments_master_idx ON shipments (master_shipment_id);
CREATE INDEX shipment_containers_shipment_idx ON shipment_containers (shipment_id);
CREATE INDEX invoices_shipment_idx ON invoices (shipment_id);
CREATE INDEX invoice_charges_invoice_idx ON invoice_charges (invoice_id);
CREATE INDEX quote_legs_shipment_idx ON quote_legs (shipment_id, leg_sequence);
