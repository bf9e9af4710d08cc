-- The state an active order is in, read off its documents. Pure: refresh_sales_order writes it.
CREATE OR REPLACE FUNCTION erp.derive_sales_order_state(p_order_id bigint) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    v_state text;
    f record;
    v_due numeric;
    v_paid numeric;
BEGIN
    SELECT state INTO v_state FROM sales_orders WHERE id = p_order_id;
    IF v_state IN ('draft', 'cancelled', 'closed') THEN
        RETURN v_state;
    END IF;
    SELECT coalesce(bool_and(l.qty_shipped >= l.quantity), false) AS all_shipped,
           coalesce(bool_or(l.qty_shipped > 0), false) AS any_shipped,
           coalesce(bool_and(l.qty_shipped + coalesce(r.quantity, 0) >= l.quantity), false) AS all_reserved,
           coalesce(bool_or(coalesce(r.quantity, 0) > 0), false) AS any_reserved,
           coalesce(bool_and(l.qty_invoiced >= l.quantity), false) AS all_invoiced
      INTO f
      FROM sales_order_lines l LEFT JOIN reservations r ON r.sales_order_line_id = l.id
     WHERE l.order_id = p_order_id;
    IF NOT f.all_shipped THEN
        IF f.any_shipped THEN
            RETURN 'partially_shipped';
        ELSIF f.all_reserved THEN
            RETURN 'ready';
        ELSIF f.any_reserved
           OR EXISTS (SELECT 1 FROM purchase_requests q JOIN sales_order_lines l ON l.id = q.sales_order_line_id
                      WHERE l.order_id = p_order_id AND q.state IN ('ordered', 'received'))
           OR EXISTS (SELECT 1 FROM production_orders m JOIN sales_order_lines l ON l.id = m.sales_order_line_id
                      WHERE l.order_id = p_order_id AND m.state IN ('released', 'in_progress', 'done')) THEN
            RETURN 'in_fulfilment';
        END IF;
        RETURN 'confirmed';
    ELSIF NOT f.all_invoiced THEN
        RETURN 'shipped';
    END IF;
    SELECT coalesce(sum(gross_total - amount_credited), 0), coalesce(sum(amount_paid), 0) INTO v_due, v_paid
      FROM invoices
     WHERE sales_order_id = p_order_id AND kind = 'invoice' AND state = ANY (erp.states('invoice', 'posted'));
    RETURN CASE WHEN v_paid >= v_due THEN 'closed' ELSE 'invoiced' END;
END $$;

-- Brings an order's state, estimated ship date and late flag up to date. Always writes the row, so every
-- operation on an order leaves exactly one 'updated' or 'state_changed' event for other screens.
CREATE OR REPLACE FUNCTION erp.refresh_sales_order(p_order_id bigint) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    o sales_orders%ROWTYPE;
    v_state text;
    v_estimate date;
    v_late boolean;
BEGIN
    SELECT * INTO o FROM sales_orders WHERE id = p_order_id FOR UPDATE;
    IF NOT FOUND OR o.state IN ('draft', 'cancelled', 'closed') THEN
        RETURN o.state;
    END IF;
    v_state := erp.derive_sales_order_state(p_order_id);
    IF v_state = ANY (erp.states('sales_order', 'active')) THEN
        v_estimate := erp._estimate_ship_date(p_order_id);
        v_late := v_estimate > o.promised_date
            OR EXISTS (SELECT 1 FROM production_orders m JOIN sales_order_lines l ON l.id = m.sales_order_line_id
                       WHERE l.order_id = p_order_id AND m.late AND m.state = ANY (erp.states('production_order', 'open')));
    ELSE
        v_estimate := o.estimated_ship_date;
        v_late := false;
    END IF;
    IF v_state = 'closed' THEN
        -- fully shipped, invoiced and paid: the order passes through 'paid' and closes
        UPDATE sales_orders SET state = 'paid', estimated_ship_date = v_estimate, late = v_late WHERE id = p_order_id;
    END IF;
    UPDATE sales_orders SET state = v_state, estimated_ship_date = v_estimate, late = v_late WHERE id = p_order_id;
    RETURN v_state;
END $$;

CREATE OR REPLACE FUNCTION erp._refresh_sales_orders(p_order_ids bigint[]) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
    SELECT count(erp.refresh_sales_order(id)) FROM (SELECT DISTINCT unnest(p_order_ids) AS id ORDER BY 1) ids
    WHERE id IS NOT NULL
$$;

-- The date the last line of an order can leave, from its reservations, purchases and production.
CREATE OR REPLACE FUNCTION erp._estimate_ship_date(p_order_id bigint) RETURNS date
LANGUAGE sql STABLE AS $$
    SELECT max(CASE WHEN x.remaining <= 0 THEN current_date
                    ELSE greatest(current_date, coalesce(x.production_end, x.purchase_date,
                                                         current_date + x.lead_time)) END)
    FROM (SELECT l.quantity - l.qty_shipped - coalesce(r.quantity, 0) AS remaining,
                 CASE WHEN p.procurement = 'buy' THEN erp.buy_lead_time(p.id) ELSE p.lead_time_days END AS lead_time,
                 (SELECT max(m.planned_end) FROM erp.production_orders m
                  WHERE m.sales_order_line_id = l.id AND m.state = ANY (erp.states('production_order', 'open')))
                     AS production_end,
                 (SELECT max(CASE WHEN q.state = 'open' THEN current_date + erp.buy_lead_time(q.product_id)
                                  ELSE po.expected_date END)
                  FROM erp.purchase_requests q
                  LEFT JOIN erp.purchase_order_lines pol ON pol.id = q.purchase_order_line_id
                  LEFT JOIN erp.purchase_orders po ON po.id = pol.order_id
                  WHERE q.sales_order_line_id = l.id AND q.state = ANY (erp.states('purchase_request', 'pending'))) AS purchase_date
          FROM erp.sales_order_lines l
          JOIN erp.products p ON p.id = l.product_id
          LEFT JOIN erp.reservations r ON r.sales_order_line_id = l.id
          WHERE l.order_id = p_order_id) x
$$;
