-- Warehouse ----------------------------------------------------------------------------------------

-- p_quantities maps sales order line id (as text) to the quantity picked; NULL picks all that is reserved.
CREATE OR REPLACE FUNCTION erp.pick_sales_order(p_order_id bigint, p_quantities jsonb DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    o sales_orders%ROWTYPE;
    l record;
    v_qty numeric;
    v_dn bigint;
    v_line_no integer := 0;
    v_address text;
BEGIN
    SELECT * INTO o FROM sales_orders WHERE id = p_order_id;
    PERFORM erp.require_found(FOUND, 'sales_order', p_order_id);
    -- stock before the order, as everywhere: a pick is usually shipped in the same transaction
    PERFORM erp._lock_stock(o.warehouse_id, ARRAY(SELECT product_id FROM sales_order_lines WHERE order_id = p_order_id));
    SELECT * INTO o FROM sales_orders WHERE id = p_order_id FOR UPDATE;
    PERFORM erp.require_state('sales_order', o.number, o.state, erp.states('sales_order', 'pickable'),
                              '; there is nothing to pick.');
    IF p_quantities IS NOT NULL AND (jsonb_typeof(p_quantities) <> 'object' OR EXISTS (
            SELECT 1 FROM jsonb_object_keys(p_quantities) k
            WHERE NOT EXISTS (SELECT 1 FROM sales_order_lines sl WHERE sl.order_id = p_order_id AND sl.id::text = k))) THEN
        PERFORM erp.fail('ER001', 'Some of the picked lines do not belong to sales order %s.', o.number);
    END IF;
    SELECT coalesce(nullif(o.delivery_address, ''), nullif(c.delivery_address, ''), c.address) INTO v_address
      FROM customers c WHERE c.id = o.customer_id;
    INSERT INTO delivery_notes (sales_order_id, warehouse_id, state, delivery_address)
    VALUES (p_order_id, o.warehouse_id, 'picked', v_address) RETURNING id INTO v_dn;
    FOR l IN SELECT sl.id, sl.line_no, sl.product_id, p.sku, p.unit,
                    coalesce(r.quantity, 0) - coalesce((SELECT sum(dl.quantity) FROM delivery_note_lines dl
                                                         JOIN delivery_notes d ON d.id = dl.delivery_note_id
                                                        WHERE dl.sales_order_line_id = sl.id
                                                          AND d.state = ANY (erp.states('delivery_note', 'unshipped'))), 0) AS pickable
               FROM sales_order_lines sl JOIN products p ON p.id = sl.product_id
               LEFT JOIN reservations r ON r.sales_order_line_id = sl.id
              WHERE sl.order_id = p_order_id ORDER BY sl.line_no
    LOOP
        v_qty := CASE WHEN p_quantities IS NULL THEN l.pickable
                      ELSE coalesce((p_quantities ->> l.id::text)::numeric, 0) END;
        CONTINUE WHEN v_qty = 0;
        IF v_qty < 0 OR v_qty > l.pickable THEN
            PERFORM erp.fail('ER005', 'Line %s of %s (%s): %s %s are reserved and not yet picked; %s cannot be picked.',
                             l.line_no::text, o.number, l.sku, erp.fmt_qty(greatest(l.pickable, 0)), l.unit,
                             erp.fmt_qty(v_qty));
        END IF;
        v_line_no := v_line_no + 1;
        INSERT INTO delivery_note_lines (delivery_note_id, line_no, sales_order_line_id, product_id, quantity)
        VALUES (v_dn, v_line_no, l.id, l.product_id, v_qty);
    END LOOP;
    IF v_line_no = 0 THEN
        PERFORM erp.fail('ER005', 'Nothing on sales order %s can be picked: no reserved stock is waiting to ship.',
                         o.number);
    END IF;
    RETURN v_dn;
END $$;

CREATE OR REPLACE FUNCTION erp.ship_delivery_note(p_dn_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    d delivery_notes%ROWTYPE;
    l record;
BEGIN
    SELECT * INTO d FROM delivery_notes WHERE id = p_dn_id;
    PERFORM erp.require_found(FOUND, 'delivery_note', p_dn_id);
    PERFORM erp._lock_stock(d.warehouse_id, ARRAY(SELECT product_id FROM delivery_note_lines
                                                   WHERE delivery_note_id = p_dn_id));
    PERFORM 1 FROM sales_orders WHERE id = d.sales_order_id FOR UPDATE;
    SELECT * INTO d FROM delivery_notes WHERE id = p_dn_id FOR UPDATE;
    PERFORM erp.require_state('delivery_note', d.number, d.state, ARRAY['picked'], '; only picked goods can be shipped.');
    FOR l IN SELECT dl.id, dl.sales_order_line_id, dl.product_id, dl.quantity, r.quantity AS reserved, p.sku
               FROM delivery_note_lines dl JOIN products p ON p.id = dl.product_id
               LEFT JOIN reservations r ON r.sales_order_line_id = dl.sales_order_line_id
              WHERE dl.delivery_note_id = p_dn_id ORDER BY dl.line_no
    LOOP
        IF coalesce(l.reserved, 0) < l.quantity THEN
            PERFORM erp.fail('ER005', 'Delivery note %s: only %s of %s are still reserved; pick again.', d.number,
                             erp.fmt_qty(coalesce(l.reserved, 0)), l.sku);
        END IF;
        UPDATE reservations SET quantity = quantity - l.quantity WHERE sales_order_line_id = l.sales_order_line_id;
        INSERT INTO stock_moves (product_id, warehouse_id, quantity, kind, delivery_note_line_id, reason)
        VALUES (l.product_id, d.warehouse_id, -l.quantity, 'delivery', l.id, d.number);
        UPDATE sales_order_lines SET qty_shipped = qty_shipped + l.quantity WHERE id = l.sales_order_line_id;
    END LOOP;
    UPDATE delivery_notes SET state = 'shipped', shipped_at = now() WHERE id = p_dn_id;
    PERFORM erp.refresh_sales_order(d.sales_order_id);
END $$;

CREATE OR REPLACE FUNCTION erp.cancel_delivery_note(p_dn_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    d delivery_notes%ROWTYPE;
BEGIN
    SELECT * INTO d FROM delivery_notes WHERE id = p_dn_id FOR UPDATE;
    PERFORM erp.require_found(FOUND, 'delivery_note', p_dn_id);
    PERFORM erp.require_state('delivery_note', d.number, d.state, erp.states('delivery_note', 'unshipped'),
                              ' and can no longer be cancelled.');
    UPDATE delivery_notes SET state = 'cancelled' WHERE id = p_dn_id;
END $$;
