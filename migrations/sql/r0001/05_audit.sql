-- The audit trail: who (the login role), when, which row, before and after, for every write to a
-- business table. Written by triggers only; no role may change or delete it.
SET search_path = erp, pg_catalog;

CREATE FUNCTION erp.audit_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
-- TG_ARGV[0]: the key column, when it is not `id`
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

CREATE FUNCTION erp.refuse_audit_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM erp.fail('ER001', 'The audit trail cannot be changed or deleted.');
    RETURN NULL;
END $$;

CREATE TRIGGER refuse_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION erp.refuse_audit_change();
CREATE TRIGGER refuse_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION erp.refuse_audit_change();
CREATE TRIGGER refuse_truncate BEFORE TRUNCATE ON order_events
    FOR EACH STATEMENT EXECUTE FUNCTION erp.refuse_change('Events are a record of what happened and cannot be deleted.');

DO $$
DECLARE
    t text;
BEGIN
    -- stock_levels and production_schedule are derived (from moves and the scheduler) and not audited
    FOREACH t IN ARRAY ARRAY['company', 'customers', 'suppliers', 'warehouses', 'work_centres', 'products',
                             'bom_lines', 'stock_moves', 'sales_orders', 'sales_order_lines', 'purchase_requests',
                             'purchase_orders', 'purchase_order_lines', 'production_orders',
                             'production_components', 'reservations', 'delivery_notes', 'delivery_note_lines',
                             'invoices', 'invoice_lines', 'payments']
    LOOP
        EXECUTE format('CREATE TRIGGER audit_row AFTER INSERT OR UPDATE OR DELETE ON erp.%I '
                       'FOR EACH ROW EXECUTE FUNCTION erp.audit_row()', t);
    END LOOP;
END $$;
