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

-- The event trigger of a document's table. TG_ARGV[0]: document type; TG_ARGV[1]: comma-separated columns
-- copied into the payload (and, on an update, named in payload.changed when they changed).
CREATE OR REPLACE FUNCTION erp.document_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    n jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
    o jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
    r jsonb := coalesce(n, o);
    v_type text;
    v_order bigint;
    v_payload jsonb;
    v_key text;
    v_changed text[] := '{}';
BEGIN
    v_type := CASE WHEN TG_OP = 'INSERT' THEN 'created'
                   WHEN TG_OP = 'DELETE' THEN 'deleted'
                   WHEN n ->> 'state' IS DISTINCT FROM o ->> 'state' THEN 'state_changed'
                   ELSE 'updated' END;
    v_order := CASE
        WHEN TG_ARGV[0] = 'sales_order' THEN (r ->> 'id')::bigint
        WHEN TG_ARGV[0] IN ('delivery_note', 'invoice') THEN (r ->> 'sales_order_id')::bigint
        WHEN r ->> 'sales_order_line_id' IS NOT NULL THEN
            (SELECT order_id FROM sales_order_lines WHERE id = (r ->> 'sales_order_line_id')::bigint)
        END;
    v_payload := '{}';
    FOREACH v_key IN ARRAY string_to_array(coalesce(TG_ARGV[1], ''), ',') LOOP
        v_payload := v_payload || jsonb_build_object(v_key, r -> v_key);
        IF TG_OP = 'UPDATE' AND n -> v_key IS DISTINCT FROM o -> v_key THEN
            v_changed := v_changed || v_key;  -- so a screen can tell "became late" from "still late"
        END IF;
    END LOOP;
    IF TG_OP = 'UPDATE' THEN
        v_payload := v_payload || jsonb_build_object('changed', to_jsonb(v_changed));
    END IF;
    PERFORM erp.emit_event(v_type, v_order, TG_ARGV[0], (r ->> 'id')::bigint, r ->> 'number', o ->> 'state',
                           n ->> 'state', v_payload);
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER refuse_change BEFORE UPDATE ON erp.order_events FOR EACH ROW
    EXECUTE FUNCTION erp.refuse_change('Events are a record of what happened and cannot be changed.');

CREATE OR REPLACE TRIGGER refuse_truncate BEFORE TRUNCATE ON erp.order_events FOR EACH STATEMENT
    EXECUTE FUNCTION erp.refuse_change('Events are a record of what happened and cannot be deleted.');
