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

-- The same trail written once per statement, from its transition tables (new_rows, old_rows), for the tables
-- that take many rows at once (master data: an import writes 100,000 products in one statement). Rows are
-- paired by id; an update that changed nothing leaves no row, as above.
CREATE OR REPLACE FUNCTION erp.audit_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO audit_log (table_name, row_id, action, before, after)
        SELECT TG_TABLE_NAME, n.id::text, 'insert', NULL, to_jsonb(n) FROM new_rows n ORDER BY n.id;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO audit_log (table_name, row_id, action, before, after)
        SELECT TG_TABLE_NAME, n.id::text, 'update', to_jsonb(o), to_jsonb(n)
          FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE to_jsonb(n) <> to_jsonb(o)
         ORDER BY n.id;
    ELSE
        INSERT INTO audit_log (table_name, row_id, action, before, after)
        SELECT TG_TABLE_NAME, o.id::text, 'delete', to_jsonb(o), NULL FROM old_rows o ORDER BY o.id;
    END IF;
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
