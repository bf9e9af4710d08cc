-- Records a print of a delivery note or invoice; returns how many times it has been printed, so a reprint
-- is marked COPY. The first print (who, when) is kept. The warehouse prints delivery notes, finance invoices.
CREATE OR REPLACE FUNCTION erp.record_print(p_document_type text, p_document_id bigint) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    v_count integer;
    v_needed text := CASE p_document_type WHEN 'delivery_note' THEN 'erp_warehouse' WHEN 'invoice' THEN 'erp_finance' END;
BEGIN
    IF v_needed IS NULL THEN
        PERFORM erp.fail('ER001', 'Only delivery notes and invoices are printed.');
    END IF;
    IF NOT (pg_has_role(session_user, v_needed, 'USAGE') OR pg_has_role(session_user, 'erp_admin', 'USAGE')
            OR (SELECT rolsuper FROM pg_roles WHERE rolname = session_user)) THEN
        PERFORM erp.fail('ER007', '%s prints %ss; you are logged in as %s.',
                         initcap(substr(v_needed, 5)), replace(p_document_type, '_', ' '),
                         coalesce(erp.my_department(), 'a user without a department'));
    END IF;
    IF p_document_type = 'delivery_note' THEN
        UPDATE delivery_notes SET print_count = print_count + 1, printed_at = coalesce(printed_at, now()),
                                  printed_by = coalesce(printed_by, session_user)
         WHERE id = p_document_id AND state = ANY (erp.states('delivery_note', 'printable')) RETURNING print_count INTO v_count;
    ELSE
        UPDATE invoices SET print_count = print_count + 1, printed_at = coalesce(printed_at, now()),
                            printed_by = coalesce(printed_by, session_user)
         WHERE id = p_document_id AND state <> 'draft' AND state <> 'cancelled' RETURNING print_count INTO v_count;
    END IF;
    IF v_count IS NULL THEN
        PERFORM erp.fail('ER002', '%s #%s does not exist or cannot be printed yet.',
                         erp.document_label(p_document_type), p_document_id::text);
    END IF;
    RETURN v_count;
END $$;
