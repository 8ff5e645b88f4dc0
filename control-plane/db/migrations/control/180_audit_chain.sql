-- A tamper-evident audit trail (spec §5): every audit_log row is chained, per tenant, to the one before.
-- seq counts 1, 2, 3 … within a tenant (the system chain, tenant_id NULL, counts on its own);
-- hash = sha256(prev_hash hex ‖ the row's canonical text), so editing, deleting or reordering a row
-- breaks the chain at that row. A rewritten chain or a cut tail is caught against the signed anchors
-- kept outside the database (control-plane/audit/anchor.ts).
ALTER TABLE audit_log ADD COLUMN seq bigint, ADD COLUMN prev_hash text, ADD COLUMN hash text;

-- The canonical text of one row; the verifier reads the same fields and hashes them in Node.
CREATE FUNCTION audit_entry_text(r audit_log) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT concat_ws(E'\x1f',
    coalesce(r.tenant_id::text, ''), r.seq::text,
    to_char(r.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    r.actor, r.action, coalesce(r.target, ''), coalesce(r.source_ip, ''), r.details::text)
$$;

CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  last record;
BEGIN
  -- One writer per chain at a time: the lock lasts until the inserting transaction ends.
  PERFORM pg_advisory_xact_lock(hashtext('nexus-audit:' || TG_TABLE_SCHEMA || ':' || coalesce(NEW.tenant_id::text, '-')));
  EXECUTE format('SELECT seq, hash FROM %I.audit_log WHERE tenant_id IS NOT DISTINCT FROM $1 AND seq IS NOT NULL ORDER BY seq DESC LIMIT 1', TG_TABLE_SCHEMA)
    INTO last USING NEW.tenant_id;
  NEW.seq := coalesce(last.seq, 0) + 1;
  NEW.prev_hash := coalesce(last.hash, repeat('0', 64));
  NEW.ts := date_trunc('microseconds', NEW.ts);
  NEW.hash := encode(sha256(convert_to(NEW.prev_hash || E'\x1e' || audit_entry_text(NEW), 'UTF8')), 'hex');
  RETURN NEW;
END $$;

-- Chain the rows written before this migration, in the order they were written.
ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update;
DO $$
DECLARE
  r audit_log;
  prev text;
  n bigint;
  cur uuid;
  first boolean := true;
BEGIN
  FOR r IN SELECT * FROM audit_log ORDER BY tenant_id NULLS FIRST, id LOOP
    IF first OR r.tenant_id IS DISTINCT FROM cur THEN
      prev := repeat('0', 64); n := 0; cur := r.tenant_id; first := false;
    END IF;
    n := n + 1;
    r.seq := n; r.prev_hash := prev; r.ts := date_trunc('microseconds', r.ts);
    r.hash := encode(sha256(convert_to(prev || E'\x1e' || audit_entry_text(r), 'UTF8')), 'hex');
    UPDATE audit_log SET seq = r.seq, prev_hash = r.prev_hash, ts = r.ts, hash = r.hash WHERE id = r.id;
    prev := r.hash;
  END LOOP;
END $$;
ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update;

CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_chain();
CREATE UNIQUE INDEX audit_log_chain_seq ON audit_log (tenant_id, seq) NULLS NOT DISTINCT;
