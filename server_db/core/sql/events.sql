-- The outbox: every change another department cares about becomes an order_events row in the same
-- transaction, and a NOTIFY carrying only its id. Any writer produces events, psql included. (How a client
-- reads the outbox without missing a late commit: server_db/core/events.py.) Only erp.emit_event writes it.

CREATE OR REPLACE FUNCTION erp.emit_event(p_event_type text, p_sales_order_id bigint, p_document_type text,
                                          p_document_id bigint, p_document_no text, p_old_state text,
                                          p_new_state text, p_payload jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    v_id bigint;
BEGIN
    -- the transaction id first, then the event id: a listener relies on every event id below the highest one
    -- it has seen belonging to a transaction that was already running (server_db/core/events.py)
    PERFORM pg_current_xact_id();
    INSERT INTO order_events (event_type, sales_order_id, document_type, document_id, document_no, old_state,
                              new_state, payload)
    VALUES (p_event_type, p_sales_order_id, p_document_type, p_document_id, p_document_no, p_old_state,
            p_new_state, coalesce(p_payload, '{}'))
    RETURNING id INTO v_id;
    PERFORM pg_notify('erp_events', v_id::text);
    RETURN v_id;
END $$;

-- The event of one row of a document's table: p_type the document type, p_keys the comma-separated columns
-- copied into the payload (and, on an update, named in payload.changed when they changed), n and o the row
-- after and before.
CREATE OR REPLACE FUNCTION erp._row_event(p_op text, p_type text, p_keys text, n jsonb, o jsonb) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    r jsonb := coalesce(n, o);
    v_type text;
    v_order bigint;
    v_payload jsonb;
    v_key text;
    v_changed text[] := '{}';
BEGIN
    v_type := CASE WHEN p_op = 'INSERT' THEN 'created'
                   WHEN p_op = 'DELETE' THEN 'deleted'
                   WHEN n ->> 'state' IS DISTINCT FROM o ->> 'state' THEN 'state_changed'
                   ELSE 'updated' END;
    v_order := CASE
        WHEN p_type = 'sales_order' THEN (r ->> 'id')::bigint
        WHEN p_type IN ('delivery_note', 'invoice') THEN (r ->> 'sales_order_id')::bigint
        WHEN r ->> 'sales_order_line_id' IS NOT NULL THEN
            (SELECT order_id FROM sales_order_lines WHERE id = (r ->> 'sales_order_line_id')::bigint)
        END;
    v_payload := '{}';
    FOREACH v_key IN ARRAY string_to_array(coalesce(p_keys, ''), ',') LOOP
        v_payload := v_payload || jsonb_build_object(v_key, r -> v_key);
        IF p_op = 'UPDATE' AND n -> v_key IS DISTINCT FROM o -> v_key THEN
            v_changed := v_changed || v_key;  -- so a screen can tell "became late" from "still late"
        END IF;
    END LOOP;
    IF p_op = 'UPDATE' THEN
        v_payload := v_payload || jsonb_build_object('changed', to_jsonb(v_changed));
    END IF;
    PERFORM erp.emit_event(v_type, v_order, p_type, (r ->> 'id')::bigint, r ->> 'number', o ->> 'state',
                           n ->> 'state', v_payload);
END $$;

-- Whether this transaction is writing an import: erp.importing is set and the transaction is recorded in
-- erp.import_transactions, which only the import functions write (so the setting alone silences nothing).
CREATE OR REPLACE FUNCTION erp._importing_now() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = erp, pg_temp AS $$
    SELECT current_setting('erp.importing', true) = 'on'
       AND EXISTS (SELECT FROM erp.import_transactions WHERE xid = pg_current_xact_id())
$$;

-- The event trigger of a document's table, row by row. TG_ARGV[0]: document type; TG_ARGV[1]: the columns
-- copied into the payload.
CREATE OR REPLACE FUNCTION erp.document_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
BEGIN
    PERFORM erp._row_event(TG_OP, TG_ARGV[0], TG_ARGV[1],
                           CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END,
                           CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END);
    RETURN NULL;
END $$;

-- The same events once per statement, from its transition tables (new_rows, old_rows), for master data: an
-- import writes 100,000 products in one statement, and instead of one event per row (which would flood every
-- client) it writes one 'imported' event per document type (server_db/transfer) and clients reload.
CREATE OR REPLACE FUNCTION erp.document_events() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    x record;
BEGIN
    IF erp._importing_now() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        FOR x IN SELECT to_jsonb(n) AS n FROM new_rows n ORDER BY n.id LOOP
            PERFORM erp._row_event(TG_OP, TG_ARGV[0], TG_ARGV[1], x.n, NULL);
        END LOOP;
    ELSIF TG_OP = 'UPDATE' THEN
        FOR x IN SELECT to_jsonb(n) AS n, to_jsonb(o) AS o FROM new_rows n JOIN old_rows o ON o.id = n.id
                  ORDER BY n.id LOOP
            PERFORM erp._row_event(TG_OP, TG_ARGV[0], TG_ARGV[1], x.n, x.o);
        END LOOP;
    ELSE
        FOR x IN SELECT to_jsonb(o) AS o FROM old_rows o ORDER BY o.id LOOP
            PERFORM erp._row_event(TG_OP, TG_ARGV[0], TG_ARGV[1], NULL, x.o);
        END LOOP;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER refuse_change BEFORE UPDATE ON erp.order_events FOR EACH ROW
    EXECUTE FUNCTION erp.refuse_change('Events are a record of what happened and cannot be changed.');

CREATE OR REPLACE TRIGGER refuse_truncate BEFORE TRUNCATE ON erp.order_events FOR EACH STATEMENT
    EXECUTE FUNCTION erp.refuse_change('Events are a record of what happened and cannot be deleted.');
