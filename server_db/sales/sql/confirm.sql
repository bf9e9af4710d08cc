-- Confirming an order: the credit check, then stock reserved where it is free, purchase requests for what is
-- bought and production orders for what is made (bills of materials exploded), and a promised date.
CREATE OR REPLACE FUNCTION erp.confirm_sales_order(p_order_id bigint, p_expected_version integer DEFAULT NULL) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    o sales_orders%ROWTYPE;
    c customers%ROWTYPE;
    l record;
    v_total numeric;
    v_exposure numeric;
    v_take numeric;
    v_short numeric;
    v_need date;
    v_estimate date;
    v_promised date;
    v_reserved_any boolean := false;
    v_reserved_all boolean := true;
    v_state text;
    v_mo bigint;
BEGIN
    SELECT * INTO o FROM sales_orders WHERE id = p_order_id;
    PERFORM erp.require_found(FOUND, 'sales_order', p_order_id);
    PERFORM erp._lock_stock(o.warehouse_id, erp._order_products(p_order_id));
    SELECT * INTO o FROM sales_orders WHERE id = p_order_id FOR UPDATE;
    PERFORM erp.require_state('sales_order', o.number, o.state, ARRAY['draft']);
    IF p_expected_version IS NOT NULL AND o.version <> p_expected_version THEN
        PERFORM erp.fail('ER006', 'Sales order %s was changed by someone else at %s; reload it and check it before confirming.',
                         o.number, to_char(o.updated_at, 'HH24:MI:SS'));
    END IF;
    IF NOT EXISTS (SELECT 1 FROM sales_order_lines WHERE order_id = p_order_id) THEN
        PERFORM erp.fail('ER001', 'Sales order %s has no lines; add at least one product before confirming.', o.number);
    END IF;
    -- what was true when the draft was entered may have stopped being true since
    IF o.requested_date < current_date THEN
        PERFORM erp.fail_at('requested_date', 'ER001',
                            'The requested date %s of sales order %s is in the past; change it before confirming.',
                            o.requested_date::text, o.number);
    END IF;
    SELECT * INTO c FROM customers WHERE id = o.customer_id;
    IF NOT c.active THEN
        PERFORM erp.fail_at('customer', 'ER001', 'Customer %s (%s) is inactive; orders for it cannot be confirmed.',
                            c.code, c.name);
    END IF;
    SELECT string_agg(p.sku, ', ') INTO l FROM sales_order_lines sl JOIN products p ON p.id = sl.product_id
     WHERE sl.order_id = p_order_id AND NOT p.active;
    IF l.string_agg IS NOT NULL THEN
        PERFORM erp.fail_at('lines', 'ER001',
                            'Sales order %s contains inactive products (%s); remove them before confirming.',
                            o.number, l.string_agg);
    END IF;
    IF c.credit_limit IS NOT NULL THEN
        v_total := erp.order_gross(p_order_id);
        v_exposure := erp.customer_exposure(c.id, p_order_id);
        IF v_exposure + v_total > c.credit_limit THEN
            PERFORM erp.fail('ER004',
                'Confirming %s would put %s over its credit limit of %s: %s is already open and this order adds %s.',
                o.number, c.name, erp.fmt_money(c.credit_limit), erp.fmt_money(v_exposure), erp.fmt_money(v_total));
        END IF;
    END IF;

    v_need := coalesce(o.requested_date, current_date);
    v_estimate := current_date;
    -- (the state the order reaches is read off what is reserved here; derive_sales_order_state agrees,
    -- and the invariant check compares them)
    FOR l IN SELECT sl.id, sl.product_id, sl.quantity, p.procurement, p.default_supplier_id
               FROM sales_order_lines sl JOIN products p ON p.id = sl.product_id
              WHERE sl.order_id = p_order_id ORDER BY sl.line_no
    LOOP
        v_take := least(erp._available(l.product_id, o.warehouse_id), l.quantity);
        INSERT INTO reservations (product_id, warehouse_id, sales_order_line_id, quantity)
        VALUES (l.product_id, o.warehouse_id, l.id, v_take);
        v_reserved_any := v_reserved_any OR v_take > 0;
        v_reserved_all := v_reserved_all AND v_take = l.quantity;
        v_short := l.quantity - v_take;
        CONTINUE WHEN v_short <= 0;
        -- the date this line can leave, as _estimate_ship_date would read it off the new documents
        IF l.procurement = 'buy' THEN
            INSERT INTO purchase_requests (product_id, warehouse_id, supplier_id, quantity, needed_by,
                                           sales_order_line_id, reason)
            VALUES (l.product_id, o.warehouse_id, l.default_supplier_id, v_short, v_need, l.id, 'short for ' || o.number);
            v_estimate := greatest(v_estimate, current_date + erp.buy_lead_time(l.product_id));
        ELSE
            v_mo := erp._raise_production_order(l.product_id, o.warehouse_id, v_short, v_need, l.id, NULL, o.number);
            v_estimate := greatest(v_estimate, (SELECT planned_end FROM production_orders WHERE id = v_mo));
        END IF;
    END LOOP;

    -- the customer was promised the date it asked for; if the estimate is later the order is late from
    -- the start, and sales and the board see it at once
    v_promised := coalesce(o.requested_date, v_estimate);
    UPDATE production_orders m SET due_date = v_promised, late = m.planned_end > v_promised
      FROM sales_order_lines sl
     WHERE m.sales_order_line_id = sl.id AND sl.order_id = p_order_id
       AND (m.due_date, m.late) IS DISTINCT FROM (v_promised, m.planned_end > v_promised);
    -- late when the estimate passes the promise (a production order can only be late if it ends after
    -- the promise, and the estimate is at least its end)
    UPDATE sales_orders SET state = 'confirmed', confirmed_at = now(), promised_date = v_promised,
                            estimated_ship_date = v_estimate, late = v_estimate > v_promised
     WHERE id = p_order_id;
    v_state := CASE WHEN v_reserved_all THEN 'ready' WHEN v_reserved_any THEN 'in_fulfilment' ELSE 'confirmed' END;
    IF v_state <> 'confirmed' THEN
        UPDATE sales_orders SET state = v_state WHERE id = p_order_id;
    END IF;
    RETURN v_state;
END $$;

-- Every product an order holds or waits for, down through its production orders' components.
CREATE OR REPLACE FUNCTION erp._order_products(p_order_id bigint) RETURNS bigint[]
LANGUAGE sql STABLE AS $$
    SELECT erp._bom_closure(ARRAY(SELECT product_id FROM erp.sales_order_lines WHERE order_id = p_order_id))
$$;
