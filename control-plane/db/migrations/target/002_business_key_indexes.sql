-- Business-key lookups: the engine checks `unique: true` mapping rules (shipment, invoice and
-- account numbers) with one indexed query per batch. Plain indexes: the target itself does not
-- forbid duplicates (Logic Nexus users may legitimately reuse a number); the migration quarantines them.
CREATE INDEX IF NOT EXISTS shipments_business_key_idx ON shipments (tenant_id, source_system, shipment_number);
CREATE INDEX IF NOT EXISTS invoices_business_key_idx ON invoices (tenant_id, source_system, invoice_number);
CREATE INDEX IF NOT EXISTS accounts_business_key_idx ON accounts (tenant_id, source_system, code);
