-- Purchasing ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION erp.create_purchase_orders(p_request_ids bigint[] DEFAULT NULL) RETURNS bigint[]
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
-- Groups open purchase requests (all, or the given ones) into one draft purchase order per supplier.
DECLARE
    g record;
    v_line record;
    v_po bigint;
    v_line_id bigint;
    v_line_no integer;
    v_pos bigint[] := '{}';
    v_orders bigint[];
BEGIN
    IF p_request_ids IS NOT NULL AND EXISTS (
            SELECT 1 FROM unnest(p_request_ids) r(id)
            WHERE NOT EXISTS (SELECT 1 FROM purchase_requests q WHERE q.id = r.id AND q.state = 'open')) THEN
        PERFORM erp.fail('ER003', 'Some of the chosen purchase requests are no longer open; refresh the list.');
    END IF;
    -- sales orders before their requests (cancelling an order locks it, then its requests)
    PERFORM 1 FROM sales_orders
     WHERE id IN (SELECT l.order_id FROM purchase_requests q JOIN sales_order_lines l ON l.id = q.sales_order_line_id
                   WHERE q.state = 'open' AND (p_request_ids IS NULL OR q.id = ANY (p_request_ids)))
     ORDER BY id FOR UPDATE;
    PERFORM 1 FROM purchase_requests
     WHERE state = 'open' AND (p_request_ids IS NULL OR id = ANY (p_request_ids))
     ORDER BY id FOR UPDATE;
    FOR g IN SELECT q.supplier_id, q.warehouse_id,
                    max(greatest(erp.buy_lead_time(q.product_id), s.lead_time_days)) AS lead_time
               FROM purchase_requests q JOIN suppliers s ON s.id = q.supplier_id
              WHERE q.state = 'open' AND (p_request_ids IS NULL OR q.id = ANY (p_request_ids))
              GROUP BY q.supplier_id, q.warehouse_id ORDER BY q.supplier_id, q.warehouse_id
    LOOP
        INSERT INTO purchase_orders (supplier_id, warehouse_id, expected_date)
        VALUES (g.supplier_id, g.warehouse_id, current_date + g.lead_time) RETURNING id INTO v_po;
        v_pos := v_pos || v_po;
        v_line_no := 0;
        FOR v_line IN SELECT q.product_id, sum(q.quantity) AS quantity, p.cost
                        FROM purchase_requests q JOIN products p ON p.id = q.product_id
                       WHERE q.state = 'open' AND q.supplier_id = g.supplier_id AND q.warehouse_id = g.warehouse_id
                         AND (p_request_ids IS NULL OR q.id = ANY (p_request_ids))
                       GROUP BY q.product_id, p.cost ORDER BY q.product_id
        LOOP
            v_line_no := v_line_no + 1;
            INSERT INTO purchase_order_lines (order_id, line_no, product_id, quantity, unit_cost)
            VALUES (v_po, v_line_no, v_line.product_id, v_line.quantity, v_line.cost) RETURNING id INTO v_line_id;
            UPDATE purchase_requests SET state = 'ordered', purchase_order_line_id = v_line_id
             WHERE state = 'open' AND supplier_id = g.supplier_id AND warehouse_id = g.warehouse_id
               AND product_id = v_line.product_id AND (p_request_ids IS NULL OR id = ANY (p_request_ids));
        END LOOP;
    END LOOP;
    IF cardinality(v_pos) = 0 THEN
        PERFORM erp.fail('ER001', 'There are no open purchase requests to order.');
    END IF;
    SELECT array_agg(l.order_id) INTO v_orders
      FROM purchase_requests q JOIN sales_order_lines l ON l.id = q.sales_order_line_id
      JOIN purchase_order_lines pol ON pol.id = q.purchase_order_line_id
     WHERE pol.order_id = ANY (v_pos);
    PERFORM erp._refresh_sales_orders(v_orders);
    RETURN v_pos;
END $$;

CREATE OR REPLACE FUNCTION erp.send_purchase_order(p_po_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    po purchase_orders%ROWTYPE;
BEGIN
    SELECT * INTO po FROM purchase_orders WHERE id = p_po_id FOR UPDATE;
    PERFORM erp.require_found(FOUND, 'purchase_order', p_po_id);
    PERFORM erp.require_state('purchase_order', po.number, po.state, ARRAY['draft']);
    UPDATE purchase_orders SET state = 'sent' WHERE id = p_po_id;
END $$;

CREATE OR REPLACE FUNCTION erp.cancel_purchase_order(p_po_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    po purchase_orders%ROWTYPE;
    v_orders bigint[];
    v_reopened bigint[];
BEGIN
    SELECT * INTO po FROM purchase_orders WHERE id = p_po_id FOR UPDATE;
    PERFORM erp.require_found(FOUND, 'purchase_order', p_po_id);
    PERFORM erp.require_state('purchase_order', po.number, po.state, erp.states('purchase_order', 'cancellable'),
                              ' and can no longer be cancelled.');
    SELECT array_agg(l.order_id) INTO v_orders
      FROM purchase_requests q JOIN purchase_order_lines pol ON pol.id = q.purchase_order_line_id
      JOIN sales_order_lines l ON l.id = q.sales_order_line_id
     WHERE pol.order_id = p_po_id;
    -- the requests go back to purchasing's queue, except those whose demand has gone meanwhile (a sales
    -- order or production order cancelled while the goods were on order): nothing needs buying for them
    WITH reopened AS (
        UPDATE purchase_requests SET state = 'open', purchase_order_line_id = NULL
         WHERE purchase_order_line_id IN (SELECT id FROM purchase_order_lines WHERE order_id = p_po_id)
        RETURNING id
    )
    SELECT array_agg(id) INTO v_reopened FROM reopened;
    UPDATE purchase_requests q SET state = 'cancelled'
     WHERE q.id = ANY(v_reopened)
       AND (EXISTS (SELECT 1 FROM sales_order_lines l JOIN sales_orders o ON o.id = l.order_id
                     WHERE l.id = q.sales_order_line_id AND o.state IN ('cancelled', 'closed'))
            OR EXISTS (SELECT 1 FROM production_components c JOIN production_orders m ON m.id = c.production_order_id
                        WHERE c.id = q.production_component_id AND m.state IN ('cancelled', 'done')));
    UPDATE purchase_orders SET state = 'cancelled' WHERE id = p_po_id;
    PERFORM erp._refresh_sales_orders(v_orders);
END $$;

-- What purchasing may change on an order it placed: the date the goods are expected (the estimates of the
-- sales orders waiting for them follow) and its notes. Nothing else of a purchase order is written by hand.
CREATE OR REPLACE FUNCTION erp.update_purchase_order(p_po_id bigint, p_expected_date date, p_notes text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    po purchase_orders%ROWTYPE;
    v_orders bigint[];
BEGIN
    SELECT * INTO po FROM purchase_orders WHERE id = p_po_id FOR UPDATE;
    PERFORM erp.require_found(FOUND, 'purchase_order', p_po_id);
    PERFORM erp.require_state('purchase_order', po.number, po.state, erp.states('purchase_order', 'incoming'),
                              '; only orders still waiting for goods can be changed.');
    IF p_expected_date IS NULL THEN
        PERFORM erp.fail_at('expected_date', 'ER001', 'Purchase order %s needs the date the goods are expected.',
                            po.number);
    END IF;
    IF length(coalesce(p_notes, '')) > 4000 THEN
        PERFORM erp.fail_at('notes', 'ER001', 'The notes are too long: at most 4000 characters.');
    END IF;
    UPDATE purchase_orders SET expected_date = p_expected_date, notes = coalesce(p_notes, notes) WHERE id = p_po_id;
    SELECT array_agg(l.order_id) INTO v_orders
      FROM purchase_requests q JOIN purchase_order_lines pol ON pol.id = q.purchase_order_line_id
      JOIN sales_order_lines l ON l.id = q.sales_order_line_id
     WHERE pol.order_id = p_po_id;
    PERFORM erp._refresh_sales_orders(v_orders);
END $$;
