-- The audit trail: who (the login role), when, which row, before and after, for every write to a business
-- table. Written by triggers only (each package puts `audit_row` on its tables); no role may change it.

-- TG_ARGV[0]: the key column, when it is not `id`
CREATE OR REPLACE FUNCTION erp.audit_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    n jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
    o jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
BEGIN
    IF TG_OP = 'UPDATE' AND n = o THEN
        RETURN NULL;
    END IF;
    INSERT INTO audit_log (table_name, row_id, action, before, after)
    VALUES (TG_TABLE_NAME, coalesce(n, o) ->> coalesce(TG_ARGV[0], 'id'), lower(TG_OP), o, n);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION erp.refuse_audit_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM erp.fail('ER001', 'The audit trail cannot be changed or deleted.');
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER refuse_change BEFORE UPDATE OR DELETE ON erp.audit_log
    FOR EACH ROW EXECUTE FUNCTION erp.refuse_audit_change();

CREATE OR REPLACE TRIGGER refuse_truncate BEFORE TRUNCATE ON erp.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION erp.refuse_audit_change();
