-- The order's workflow, run inside the database so that every department's step is one call it may
-- execute (SECURITY DEFINER, fixed search_path) and the cross-department consequences happen with it.
--
-- Locking discipline, to keep concurrent operations free of deadlocks:
--   1. stock levels of every product an operation may touch, in product id order (erp._lock_stock);
--   2. the sales order a document belongs to, when it is known beforehand (an invoice's, a delivery note's,
--      a production order's): read the document unlocked, lock its order, then lock the document;
--   3. then the document the operation is about;
--   4. then the sales orders it refreshes, in id order.
SET search_path = erp, pg_catalog;

CREATE FUNCTION erp.fmt_qty(q numeric) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN q = trunc(q) THEN trunc(q)::text ELSE rtrim(q::text, '0') END
$$;

CREATE FUNCTION erp.fmt_money(m numeric) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT btrim(to_char(m, 'FM999,999,999,990.00'))
$$;

CREATE FUNCTION erp.line_net(quantity numeric, unit_price numeric, discount_pct numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT round(quantity * unit_price * (100 - discount_pct) / 100, 2)
$$;

CREATE FUNCTION erp.line_tax(net numeric, tax_rate numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT round(net * tax_rate, 2)
$$;

CREATE FUNCTION erp._lock_stock(p_warehouse_id bigint, p_products bigint[]) RETURNS void
LANGUAGE sql AS $$
    SELECT NULL FROM erp.stock_levels
    WHERE warehouse_id = p_warehouse_id AND product_id = ANY (p_products)
    ORDER BY product_id
    FOR UPDATE
$$;

-- The products plus every component below them in the bills of materials.
CREATE FUNCTION erp._bom_closure(p_products bigint[]) RETURNS bigint[]
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE closure(product_id) AS (
        SELECT unnest(p_products)
        UNION
        SELECT b.component_id FROM erp.bom_lines b JOIN closure c ON b.product_id = c.product_id
    )
    SELECT coalesce(array_agg(product_id ORDER BY product_id), '{}') FROM closure
$$;

CREATE FUNCTION erp._available(p_product_id bigint, p_warehouse_id bigint) RETURNS numeric
LANGUAGE sql STABLE AS $$
    SELECT greatest(on_hand - reserved, 0) FROM erp.stock_levels
    WHERE product_id = p_product_id AND warehouse_id = p_warehouse_id
$$;

CREATE FUNCTION erp.buy_lead_time(p_product_id bigint) RETURNS integer
LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(p.lead_time_days, 0), s.lead_time_days, 0)
    FROM erp.products p LEFT JOIN erp.suppliers s ON s.id = p.default_supplier_id
    WHERE p.id = p_product_id
$$;

CREATE FUNCTION erp.order_gross(p_order_id bigint) RETURNS numeric
LANGUAGE sql STABLE AS $$
    SELECT coalesce(sum(n.net + erp.line_tax(n.net, n.tax_rate)), 0)
    FROM (SELECT erp.line_net(quantity, unit_price, discount_pct) AS net, tax_rate
          FROM erp.sales_order_lines WHERE order_id = p_order_id) n
$$;

-- What a customer owes plus what it has ordered and not yet been invoiced for.
CREATE FUNCTION erp.customer_exposure(p_customer_id bigint, p_excluding_order_id bigint DEFAULT NULL) RETURNS numeric
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = erp, pg_temp AS $$
    SELECT coalesce((SELECT sum(gross_total - amount_paid - amount_credited) FROM invoices
                     WHERE customer_id = p_customer_id AND kind = 'invoice'
                       AND state IN ('posted', 'partially_paid')), 0)
         + coalesce((SELECT sum(round(erp.line_net(l.quantity - l.qty_invoiced, l.unit_price, l.discount_pct)
                                      * (1 + l.tax_rate), 2))
                     FROM sales_orders o JOIN sales_order_lines l ON l.order_id = o.id
                     WHERE o.customer_id = p_customer_id
                       AND o.state IN ('confirmed', 'in_fulfilment', 'ready', 'partially_shipped', 'shipped')
                       AND o.id IS DISTINCT FROM p_excluding_order_id), 0)
$$;

-- The date the last line of an order can leave, from its reservations, purchases and production.
CREATE FUNCTION erp._estimate_ship_date(p_order_id bigint) RETURNS date
LANGUAGE sql STABLE AS $$
    SELECT max(CASE WHEN x.remaining <= 0 THEN current_date
                    ELSE greatest(current_date, coalesce(x.production_end, x.purchase_date,
                                                         current_date + x.lead_time)) END)
    FROM (SELECT l.quantity - l.qty_shipped - coalesce(r.quantity, 0) AS remaining,
                 CASE WHEN p.procurement = 'buy' THEN erp.buy_lead_time(p.id) ELSE p.lead_time_days END AS lead_time,
                 (SELECT max(m.planned_end) FROM erp.production_orders m
                  WHERE m.sales_order_line_id = l.id AND m.state IN ('planned', 'released', 'in_progress'))
                     AS production_end,
                 (SELECT max(CASE WHEN q.state = 'open' THEN current_date + erp.buy_lead_time(q.product_id)
                                  ELSE po.expected_date END)
                  FROM erp.purchase_requests q
                  LEFT JOIN erp.purchase_order_lines pol ON pol.id = q.purchase_order_line_id
                  LEFT JOIN erp.purchase_orders po ON po.id = pol.order_id
                  WHERE q.sales_order_line_id = l.id AND q.state IN ('open', 'ordered')) AS purchase_date
          FROM erp.sales_order_lines l
          JOIN erp.products p ON p.id = l.product_id
          LEFT JOIN erp.reservations r ON r.sales_order_line_id = l.id
          WHERE l.order_id = p_order_id) x
$$;

-- The state an active order is in, read off its documents. Pure: refresh_sales_order writes it.
CREATE FUNCTION erp.derive_sales_order_state(p_order_id bigint) RETURNS text
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
     WHERE sales_order_id = p_order_id AND kind = 'invoice' AND state IN ('posted', 'partially_paid', 'paid');
    RETURN CASE WHEN v_paid >= v_due THEN 'closed' ELSE 'invoiced' END;
END $$;

-- Brings an order's state, estimated ship date and late flag up to date. Always writes the row, so every
-- operation on an order leaves exactly one 'updated' or 'state_changed' event for other screens.
CREATE FUNCTION erp.refresh_sales_order(p_order_id bigint) RETURNS text
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
    IF v_state IN ('confirmed', 'in_fulfilment', 'ready', 'partially_shipped') THEN
        v_estimate := erp._estimate_ship_date(p_order_id);
        v_late := v_estimate > o.promised_date
            OR EXISTS (SELECT 1 FROM production_orders m JOIN sales_order_lines l ON l.id = m.sales_order_line_id
                       WHERE l.order_id = p_order_id AND m.late AND m.state IN ('planned', 'released', 'in_progress'));
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

CREATE FUNCTION erp._refresh_sales_orders(p_order_ids bigint[]) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
    SELECT count(erp.refresh_sales_order(id)) FROM (SELECT DISTINCT unnest(p_order_ids) AS id ORDER BY 1) ids
    WHERE id IS NOT NULL
$$;

-- Hands free stock of one product to waiting demand, earliest need first: open sales order lines by
-- promised date, then components of production orders by planned start. Returns the sales orders touched.
-- (In the demand list a production order's id is carried negated, to tell it from a sales order's.)
CREATE FUNCTION erp.allocate_stock(p_product_id bigint, p_warehouse_id bigint) RETURNS bigint[]
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    v_free numeric;
    v_take numeric;
    d record;
    v_orders bigint[] := '{}';
BEGIN
    SELECT on_hand - reserved INTO v_free FROM stock_levels
     WHERE product_id = p_product_id AND warehouse_id = p_warehouse_id FOR UPDATE;
    IF v_free IS NULL OR v_free <= 0 THEN
        RETURN v_orders;
    END IF;
    FOR d IN
        SELECT * FROM (
            SELECT r.id AS reservation_id, l.quantity - l.qty_shipped - r.quantity AS need,
                   coalesce(o.promised_date, o.requested_date, o.order_date) AS need_date, o.id AS order_id
              FROM reservations r
              JOIN sales_order_lines l ON l.id = r.sales_order_line_id
              JOIN sales_orders o ON o.id = l.order_id
             WHERE r.product_id = p_product_id AND r.warehouse_id = p_warehouse_id
               AND o.state IN ('confirmed', 'in_fulfilment', 'ready', 'partially_shipped')
            UNION ALL
            SELECT r.id, c.quantity - c.qty_consumed - r.quantity, coalesce(m.planned_start, m.due_date), -m.id
              FROM reservations r
              JOIN production_components c ON c.id = r.production_component_id
              JOIN production_orders m ON m.id = c.production_order_id
             WHERE r.product_id = p_product_id AND r.warehouse_id = p_warehouse_id
               AND m.state IN ('planned', 'released', 'in_progress')
        ) demand
        WHERE need > 0
        ORDER BY need_date, reservation_id
    LOOP
        v_take := least(v_free, d.need);
        UPDATE reservations SET quantity = quantity + v_take WHERE id = d.reservation_id;
        v_free := v_free - v_take;
        IF d.order_id > 0 THEN
            v_orders := v_orders || d.order_id;
        ELSE
            -- components arrived for a production order: production's screens hear of it
            PERFORM erp.emit_event('components_reserved', erp._sales_order_of(-d.order_id), 'production_order',
                                   -d.order_id, (SELECT number FROM production_orders WHERE id = -d.order_id),
                                   NULL, NULL);
        END IF;
        EXIT WHEN v_free <= 0;
    END LOOP;
    RETURN v_orders;
END $$;

CREATE FUNCTION erp._raise_production_order(p_product_id bigint, p_warehouse_id bigint, p_quantity numeric,
                                            p_due date, p_sales_order_line_id bigint, p_parent_component_id bigint,
                                            p_reason text)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    p products%ROWTYPE;
    b record;
    v_mo bigint;
    v_number text;
    v_component bigint;
    v_child bigint;
    v_take numeric;
    v_short numeric;
    v_ready date := current_date;
    v_child_ready date;
    v_hours numeric;
    v_backlog numeric;
    v_capacity numeric;
    v_made_short boolean := false;
BEGIN
    SELECT * INTO p FROM products WHERE id = p_product_id;
    v_hours := round(p_quantity * p.hours_per_unit, 2);
    -- When can work start? Free components now; bought ones that are short after their lead time. (Made
    -- components that are short get their own production order below, which may push the start later.)
    FOR b IN SELECT bl.component_id, bl.quantity * p_quantity AS required, c.procurement
               FROM bom_lines bl JOIN products c ON c.id = bl.component_id
              WHERE bl.product_id = p_product_id
    LOOP
        CONTINUE WHEN erp._available(b.component_id, p_warehouse_id) >= b.required;
        IF b.procurement = 'buy' THEN
            v_ready := greatest(v_ready, current_date + erp.buy_lead_time(b.component_id));
        ELSE
            v_made_short := true;
        END IF;
    END LOOP;
    -- A first estimate with finite capacity: everything already open on the work centre goes first.
    -- The production scheduler replaces it with a day-by-day plan.
    SELECT daily_capacity_hours INTO v_capacity FROM work_centres WHERE id = p.work_centre_id;
    SELECT coalesce(sum(hours), 0) INTO v_backlog FROM work_centre_backlog WHERE work_centre_id = p.work_centre_id;
    INSERT INTO production_orders (product_id, warehouse_id, work_centre_id, quantity, sales_order_line_id,
                                   parent_component_id, due_date, remaining_hours, planned_start, planned_end)
    VALUES (p_product_id, p_warehouse_id, p.work_centre_id, p_quantity, p_sales_order_line_id,
            p_parent_component_id, p_due, v_hours, v_ready,
            erp._planned_end(v_ready, v_hours, v_backlog, v_capacity))
    RETURNING id, number INTO v_mo, v_number;

    FOR b IN SELECT bl.component_id, bl.quantity * p_quantity AS required, c.procurement, c.default_supplier_id
               FROM bom_lines bl JOIN products c ON c.id = bl.component_id
              WHERE bl.product_id = p_product_id
              ORDER BY bl.component_id
    LOOP
        INSERT INTO production_components (production_order_id, product_id, quantity)
        VALUES (v_mo, b.component_id, b.required) RETURNING id INTO v_component;
        v_take := least(erp._available(b.component_id, p_warehouse_id), b.required);
        INSERT INTO reservations (product_id, warehouse_id, production_component_id, quantity)
        VALUES (b.component_id, p_warehouse_id, v_component, v_take);
        v_short := b.required - v_take;
        CONTINUE WHEN v_short <= 0;
        IF b.procurement = 'buy' THEN
            INSERT INTO purchase_requests (product_id, warehouse_id, supplier_id, quantity, needed_by,
                                           production_component_id, reason)
            VALUES (b.component_id, p_warehouse_id, b.default_supplier_id, v_short, current_date,
                    v_component, 'component for ' || v_number || coalesce(' (' || p_reason || ')', ''));
        ELSE
            v_child := erp._raise_production_order(b.component_id, p_warehouse_id, v_short, p_due, NULL,
                                                   v_component, p_reason);
            v_child_ready := (SELECT planned_end + 1 FROM production_orders WHERE id = v_child);
            v_ready := greatest(v_ready, v_child_ready);
        END IF;
    END LOOP;
    IF v_made_short THEN
        -- made components are needed first: start when the last of them is done
        UPDATE production_orders
           SET planned_start = v_ready, planned_end = erp._planned_end(v_ready, v_hours, v_backlog, v_capacity)
         WHERE id = v_mo AND planned_start <> v_ready;
    END IF;
    RETURN v_mo;
END $$;

-- The last day of work that starts on p_start, given the hours already booked on the work centre.
CREATE FUNCTION erp._planned_end(p_start date, p_hours numeric, p_backlog numeric, p_capacity numeric) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT greatest(p_start + greatest(ceil(p_hours / p_capacity)::integer, 1) - 1,
                    current_date + greatest(ceil((p_backlog + p_hours) / p_capacity)::integer, 1) - 1)
$$;

-- Entering a draft order with its lines in one call: the client has validated and priced the lines; this
-- only inserts them, as the person (SECURITY INVOKER: the sales role's own grants and the tables' rules apply).
CREATE FUNCTION erp.enter_sales_order(p_order jsonb, p_lines jsonb) RETURNS bigint
LANGUAGE plpgsql SET search_path = erp, pg_temp AS $$
DECLARE
    v_id bigint;
BEGIN
    INSERT INTO sales_orders (customer_id, warehouse_id, requested_date, delivery_address, customer_reference, notes)
    SELECT o.customer_id, o.warehouse_id, o.requested_date, coalesce(o.delivery_address, ''),
           coalesce(o.customer_reference, ''), coalesce(o.notes, '')
      FROM jsonb_to_record(p_order) AS o(customer_id bigint, warehouse_id bigint, requested_date date,
                                         delivery_address text, customer_reference text, notes text)
    RETURNING id INTO v_id;
    INSERT INTO sales_order_lines (order_id, line_no, product_id, description, quantity, unit_price, discount_pct,
                                   tax_rate, below_cost_reason)
    SELECT v_id, l.line_no, l.product_id, coalesce(l.description, ''), l.quantity, l.unit_price,
           coalesce(l.discount_pct, 0), l.tax_rate, l.below_cost_reason
      FROM jsonb_to_recordset(coalesce(p_lines, '[]')) AS l(line_no integer, product_id bigint, description text,
           quantity numeric, unit_price numeric, discount_pct numeric, tax_rate numeric, below_cost_reason text)
     ORDER BY l.line_no;
    RETURN v_id;
END
$$;

CREATE FUNCTION erp.confirm_sales_order(p_order_id bigint, p_expected_version integer DEFAULT NULL) RETURNS text
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
    IF NOT FOUND THEN
        PERFORM erp.fail('ER002', 'Sales order #%s does not exist.', p_order_id::text);
    END IF;
    PERFORM erp._lock_stock(o.warehouse_id, erp._order_products(p_order_id));
    SELECT * INTO o FROM sales_orders WHERE id = p_order_id FOR UPDATE;
    IF o.state <> 'draft' THEN
        PERFORM erp.fail('ER003', 'Sales order %s is already %s.', o.number, erp.state_label(o.state));
    END IF;
    IF p_expected_version IS NOT NULL AND o.version <> p_expected_version THEN
        PERFORM erp.fail('ER006', 'Sales order %s was changed by someone else at %s; reload it and check it before confirming.',
                         o.number, to_char(o.updated_at, 'HH24:MI:SS'));
    END IF;
    IF NOT EXISTS (SELECT 1 FROM sales_order_lines WHERE order_id = p_order_id) THEN
        PERFORM erp.fail('ER001', 'Sales order %s has no lines; add at least one product before confirming.', o.number);
    END IF;
    IF o.requested_date < current_date THEN
        PERFORM erp.fail('ER001', 'The requested date %s of sales order %s is in the past; change it before confirming.',
                         o.requested_date::text, o.number);
    END IF;
    SELECT * INTO c FROM customers WHERE id = o.customer_id;
    IF NOT c.active THEN
        PERFORM erp.fail('ER001', 'Customer %s (%s) is inactive; orders for it cannot be confirmed.', c.code, c.name);
    END IF;
    SELECT string_agg(p.sku, ', ') INTO l FROM sales_order_lines sl JOIN products p ON p.id = sl.product_id
     WHERE sl.order_id = p_order_id AND NOT p.active;
    IF l.string_agg IS NOT NULL THEN
        PERFORM erp.fail('ER001', 'Sales order %s contains inactive products (%s); remove them before confirming.',
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

CREATE FUNCTION erp._cancel_production_order(p_mo_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
-- Cancels a production order that has not started, with its component reservations, open component
-- requests and component production orders. (The callers hand the freed stock on: they locked it.)
DECLARE
    v_child record;
BEGIN
    UPDATE production_orders SET state = 'cancelled', remaining_hours = 0 WHERE id = p_mo_id;
    DELETE FROM production_schedule WHERE production_order_id = p_mo_id;
    UPDATE reservations SET quantity = 0
     WHERE quantity <> 0 AND production_component_id IN
           (SELECT id FROM production_components WHERE production_order_id = p_mo_id);
    UPDATE purchase_requests SET state = 'cancelled'
     WHERE state = 'open' AND production_component_id IN
           (SELECT id FROM production_components WHERE production_order_id = p_mo_id);
    FOR v_child IN SELECT m.id FROM production_orders m JOIN production_components c ON c.id = m.parent_component_id
                    WHERE c.production_order_id = p_mo_id AND m.state IN ('planned', 'released') ORDER BY m.id
    LOOP
        PERFORM erp._cancel_production_order(v_child.id);
    END LOOP;
END $$;

-- Every product an order holds or waits for, down through its production orders' components.
CREATE FUNCTION erp._order_products(p_order_id bigint) RETURNS bigint[]
LANGUAGE sql STABLE AS $$
    SELECT erp._bom_closure(ARRAY(SELECT product_id FROM erp.sales_order_lines WHERE order_id = p_order_id))
$$;

CREATE FUNCTION erp.cancel_sales_order(p_order_id bigint, p_reason text DEFAULT '') RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    o sales_orders%ROWTYPE;
    v_products bigint[];
    v_product bigint;
    v_touched bigint[] := '{}';
    m record;
BEGIN
    SELECT * INTO o FROM sales_orders WHERE id = p_order_id;
    IF NOT FOUND THEN
        PERFORM erp.fail('ER002', 'Sales order #%s does not exist.', p_order_id::text);
    END IF;
    v_products := erp._order_products(p_order_id);
    PERFORM erp._lock_stock(o.warehouse_id, v_products);
    SELECT * INTO o FROM sales_orders WHERE id = p_order_id FOR UPDATE;
    IF o.state NOT IN ('draft', 'confirmed', 'in_fulfilment', 'ready') THEN
        PERFORM erp.fail('ER003', 'Sales order %s is %s; only orders with nothing shipped yet can be cancelled.',
                         o.number, erp.state_label(o.state));
    END IF;
    IF o.state <> 'draft' AND btrim(coalesce(p_reason, '')) = '' THEN
        PERFORM erp.fail('ER001', 'Say why sales order %s is cancelled; the other departments will see the reason.',
                         o.number);
    END IF;
    UPDATE delivery_notes SET state = 'cancelled' WHERE sales_order_id = p_order_id AND state IN ('draft', 'picked');
    UPDATE reservations SET quantity = 0
     WHERE quantity <> 0 AND sales_order_line_id IN (SELECT id FROM sales_order_lines WHERE order_id = p_order_id);
    UPDATE purchase_requests SET state = 'cancelled'
     WHERE state = 'open' AND sales_order_line_id IN (SELECT id FROM sales_order_lines WHERE order_id = p_order_id);
    -- production that has not started is cancelled; started work finishes into free stock
    FOR m IN SELECT po.id FROM production_orders po JOIN sales_order_lines l ON l.id = po.sales_order_line_id
              WHERE l.order_id = p_order_id AND po.state IN ('planned', 'released') ORDER BY po.id
    LOOP
        PERFORM erp._cancel_production_order(m.id);
    END LOOP;
    UPDATE sales_orders SET state = 'cancelled', cancel_reason = coalesce(p_reason, ''), late = false
     WHERE id = p_order_id;
    FOREACH v_product IN ARRAY v_products LOOP
        v_touched := v_touched || erp.allocate_stock(v_product, o.warehouse_id);
    END LOOP;
    PERFORM erp._refresh_sales_orders(v_touched);
    RETURN 'cancelled';
END $$;

-- Purchasing ---------------------------------------------------------------------------------------

CREATE FUNCTION erp.create_purchase_orders(p_request_ids bigint[] DEFAULT NULL) RETURNS bigint[]
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

CREATE FUNCTION erp.send_purchase_order(p_po_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    po purchase_orders%ROWTYPE;
BEGIN
    SELECT * INTO po FROM purchase_orders WHERE id = p_po_id FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM erp.fail('ER002', 'Purchase order #%s does not exist.', p_po_id::text);
    END IF;
    IF po.state <> 'draft' THEN
        PERFORM erp.fail('ER003', 'Purchase order %s is already %s.', po.number, erp.state_label(po.state));
    END IF;
    UPDATE purchase_orders SET state = 'sent' WHERE id = p_po_id;
END $$;

CREATE FUNCTION erp.cancel_purchase_order(p_po_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    po purchase_orders%ROWTYPE;
    v_orders bigint[];
    v_reopened bigint[];
BEGIN
    SELECT * INTO po FROM purchase_orders WHERE id = p_po_id FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM erp.fail('ER002', 'Purchase order #%s does not exist.', p_po_id::text);
    END IF;
    IF po.state NOT IN ('draft', 'sent') THEN
        PERFORM erp.fail('ER003', 'Purchase order %s is %s and can no longer be cancelled.', po.number,
                         erp.state_label(po.state));
    END IF;
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

CREATE FUNCTION erp.receive_purchase_order(p_po_id bigint, p_quantities jsonb DEFAULT NULL) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
-- p_quantities maps purchase order line id (as text) to the quantity received; NULL receives all that is
-- outstanding. Received goods are reserved for waiting demand, earliest promised date first.
DECLARE
    po purchase_orders%ROWTYPE;
    pl record;
    v_qty numeric;
    v_any boolean := false;
    v_touched bigint[] := '{}';
    v_products bigint[];
    v_product bigint;
BEGIN
    SELECT * INTO po FROM purchase_orders WHERE id = p_po_id;
    IF NOT FOUND THEN
        PERFORM erp.fail('ER002', 'Purchase order #%s does not exist.', p_po_id::text);
    END IF;
    IF p_quantities IS NOT NULL AND (jsonb_typeof(p_quantities) <> 'object' OR EXISTS (
            SELECT 1 FROM jsonb_object_keys(p_quantities) k
            WHERE NOT EXISTS (SELECT 1 FROM purchase_order_lines x WHERE x.order_id = p_po_id AND x.id::text = k))) THEN
        PERFORM erp.fail('ER001', 'Some of the received lines do not belong to purchase order %s.', po.number);
    END IF;
    v_products := ARRAY(SELECT DISTINCT product_id FROM purchase_order_lines WHERE order_id = p_po_id);
    PERFORM erp._lock_stock(po.warehouse_id, v_products);
    SELECT * INTO po FROM purchase_orders WHERE id = p_po_id FOR UPDATE;
    IF po.state NOT IN ('sent', 'partially_received') THEN
        PERFORM erp.fail('ER003', 'Purchase order %s is %s; only sent orders can be received.', po.number,
                         erp.state_label(po.state));
    END IF;
    FOR pl IN SELECT x.*, p.sku, p.unit FROM purchase_order_lines x JOIN products p ON p.id = x.product_id
              WHERE x.order_id = p_po_id ORDER BY x.line_no
    LOOP
        v_qty := CASE WHEN p_quantities IS NULL THEN pl.quantity - pl.qty_received
                      ELSE coalesce((p_quantities ->> pl.id::text)::numeric, 0) END;
        CONTINUE WHEN v_qty = 0;
        IF v_qty < 0 OR v_qty > pl.quantity - pl.qty_received THEN
            PERFORM erp.fail('ER001', 'Line %s of %s (%s): %s %s can be received, not %s.', pl.line_no::text,
                             po.number, pl.sku, erp.fmt_qty(pl.quantity - pl.qty_received), pl.unit, erp.fmt_qty(v_qty));
        END IF;
        v_any := true;
        INSERT INTO stock_moves (product_id, warehouse_id, quantity, kind, purchase_order_line_id, reason)
        VALUES (pl.product_id, po.warehouse_id, v_qty, 'receipt', pl.id, po.number);
        UPDATE purchase_order_lines SET qty_received = qty_received + v_qty WHERE id = pl.id;
        IF pl.qty_received + v_qty = pl.quantity THEN
            UPDATE purchase_requests SET state = 'received' WHERE purchase_order_line_id = pl.id AND state = 'ordered';
        END IF;
    END LOOP;
    IF NOT v_any THEN
        PERFORM erp.fail('ER001', 'Nothing to receive on %s: enter a quantity for at least one line.', po.number);
    END IF;
    UPDATE purchase_orders
       SET state = CASE WHEN EXISTS (SELECT 1 FROM purchase_order_lines WHERE order_id = p_po_id
                                     AND qty_received < quantity) THEN 'partially_received' ELSE 'received' END
     WHERE id = p_po_id;
    FOREACH v_product IN ARRAY v_products LOOP
        v_touched := v_touched || erp.allocate_stock(v_product, po.warehouse_id);
    END LOOP;
    v_touched := v_touched || ARRAY(SELECT l.order_id FROM purchase_requests q
                                     JOIN sales_order_lines l ON l.id = q.sales_order_line_id
                                     JOIN purchase_order_lines pol ON pol.id = q.purchase_order_line_id
                                    WHERE pol.order_id = p_po_id);
    PERFORM erp._refresh_sales_orders(v_touched);
END $$;

-- Production ---------------------------------------------------------------------------------------

CREATE FUNCTION erp._components_missing(p_mo_id bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT string_agg(format('%s %s of %s', erp.fmt_qty(c.quantity - c.qty_consumed - coalesce(r.quantity, 0)),
                             p.unit, p.sku), ', ' ORDER BY p.sku)
    FROM erp.production_components c
    JOIN erp.products p ON p.id = c.product_id
    LEFT JOIN erp.reservations r ON r.production_component_id = c.id
    WHERE c.production_order_id = p_mo_id AND c.quantity - c.qty_consumed > coalesce(r.quantity, 0)
$$;

CREATE FUNCTION erp._sales_order_of(p_mo_id bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT l.order_id FROM erp.production_orders m JOIN erp.sales_order_lines l ON l.id = m.sales_order_line_id
    WHERE m.id = p_mo_id
$$;

CREATE FUNCTION erp.release_production_order(p_mo_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    m production_orders%ROWTYPE;
BEGIN
    SELECT * INTO m FROM production_orders WHERE id = p_mo_id;
    IF NOT FOUND THEN
        PERFORM erp.fail('ER002', 'Production order #%s does not exist.', p_mo_id::text);
    END IF;
    PERFORM 1 FROM sales_orders WHERE id = erp._sales_order_of(p_mo_id) FOR UPDATE;
    SELECT * INTO m FROM production_orders WHERE id = p_mo_id FOR UPDATE;
    IF m.state <> 'planned' THEN
        PERFORM erp.fail('ER003', 'Production order %s is already %s.', m.number, erp.state_label(m.state));
    END IF;
    UPDATE production_orders SET state = 'released' WHERE id = p_mo_id;
    PERFORM erp._refresh_sales_orders(ARRAY[erp._sales_order_of(p_mo_id)]);
END $$;

CREATE FUNCTION erp.report_production_progress(p_mo_id bigint, p_progress_pct numeric) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    m production_orders%ROWTYPE;
    v_hours numeric;
    v_capacity numeric;
    v_missing text;
    v_end date;
BEGIN
    IF p_progress_pct IS NULL OR p_progress_pct < 0 OR p_progress_pct > 100 THEN
        PERFORM erp.fail('ER001', 'Progress is a percentage from 0 to 100.');
    END IF;
    SELECT * INTO m FROM production_orders WHERE id = p_mo_id;
    IF NOT FOUND THEN
        PERFORM erp.fail('ER002', 'Production order #%s does not exist.', p_mo_id::text);
    END IF;
    PERFORM 1 FROM sales_orders WHERE id = erp._sales_order_of(p_mo_id) FOR UPDATE;
    SELECT * INTO m FROM production_orders WHERE id = p_mo_id FOR UPDATE;
    IF m.state NOT IN ('released', 'in_progress') THEN
        PERFORM erp.fail('ER003', 'Production order %s is %s; progress can be reported on released orders only.',
                         m.number, erp.state_label(m.state));
    END IF;
    IF m.state = 'released' AND p_progress_pct > 0 THEN
        v_missing := erp._components_missing(p_mo_id);
        IF v_missing IS NOT NULL THEN
            PERFORM erp.fail('ER005', 'Production order %s cannot start: %s still missing.', m.number, v_missing);
        END IF;
    END IF;
    SELECT round(m.quantity * p.hours_per_unit, 2), w.daily_capacity_hours INTO v_hours, v_capacity
      FROM products p JOIN work_centres w ON w.id = m.work_centre_id WHERE p.id = m.product_id;
    -- projected end: the remaining work at full capacity from today
    v_end := current_date + greatest(ceil(v_hours * (100 - p_progress_pct) / 100 / v_capacity)::integer, 1) - 1;
    UPDATE production_orders
       SET state = CASE WHEN p_progress_pct > 0 THEN 'in_progress' ELSE state END,
           progress_pct = p_progress_pct,
           remaining_hours = round(v_hours * (100 - p_progress_pct) / 100, 2),
           planned_start = least(coalesce(planned_start, current_date), current_date),
           planned_end = v_end,
           late = v_end > due_date
     WHERE id = p_mo_id;
    PERFORM erp._refresh_sales_orders(ARRAY[erp._sales_order_of(p_mo_id)]);
END $$;

CREATE FUNCTION erp.complete_production_order(p_mo_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
-- Consumes the components, puts the product in stock and reserves it for the order it was made for.
DECLARE
    m production_orders%ROWTYPE;
    c record;
    v_missing text;
    v_need numeric;
    v_take numeric;
    v_touched bigint[] := '{}';
BEGIN
    SELECT * INTO m FROM production_orders WHERE id = p_mo_id;
    IF NOT FOUND THEN
        PERFORM erp.fail('ER002', 'Production order #%s does not exist.', p_mo_id::text);
    END IF;
    PERFORM erp._lock_stock(m.warehouse_id, ARRAY(SELECT product_id FROM production_components
                                                   WHERE production_order_id = p_mo_id) || m.product_id);
    SELECT * INTO m FROM production_orders WHERE id = p_mo_id FOR UPDATE;
    IF m.state NOT IN ('released', 'in_progress') THEN
        PERFORM erp.fail('ER003', 'Production order %s is %s; only released orders can be completed.', m.number,
                         erp.state_label(m.state));
    END IF;
    v_missing := erp._components_missing(p_mo_id);
    IF v_missing IS NOT NULL THEN
        PERFORM erp.fail('ER005', 'Production order %s cannot be completed: %s still missing.', m.number, v_missing);
    END IF;
    FOR c IN SELECT pc.id, pc.product_id, pc.quantity - pc.qty_consumed AS need
               FROM production_components pc WHERE pc.production_order_id = p_mo_id AND pc.quantity > pc.qty_consumed
              ORDER BY pc.product_id
    LOOP
        UPDATE reservations SET quantity = quantity - c.need WHERE production_component_id = c.id;
        INSERT INTO stock_moves (product_id, warehouse_id, quantity, kind, production_order_id, reason)
        VALUES (c.product_id, m.warehouse_id, -c.need, 'production_out', p_mo_id, m.number);
        UPDATE production_components SET qty_consumed = quantity WHERE id = c.id;
    END LOOP;
    INSERT INTO stock_moves (product_id, warehouse_id, quantity, kind, production_order_id, reason)
    VALUES (m.product_id, m.warehouse_id, m.quantity, 'production_in', p_mo_id, m.number);
    UPDATE production_orders SET state = 'done', progress_pct = 100, remaining_hours = 0, late = false
     WHERE id = p_mo_id;
    DELETE FROM production_schedule WHERE production_order_id = p_mo_id;

    -- what was made for an order is reserved for it first
    IF m.sales_order_line_id IS NOT NULL THEN
        SELECT l.quantity - l.qty_shipped - r.quantity INTO v_need
          FROM sales_order_lines l JOIN reservations r ON r.sales_order_line_id = l.id
          JOIN sales_orders o ON o.id = l.order_id
         WHERE l.id = m.sales_order_line_id AND o.state IN ('confirmed', 'in_fulfilment', 'ready', 'partially_shipped');
        v_take := least(coalesce(v_need, 0), m.quantity);
        IF v_take > 0 THEN
            UPDATE reservations SET quantity = quantity + v_take WHERE sales_order_line_id = m.sales_order_line_id;
        END IF;
        v_touched := v_touched || erp._sales_order_of(p_mo_id);
    ELSIF m.parent_component_id IS NOT NULL THEN
        SELECT pc.quantity - pc.qty_consumed - r.quantity INTO v_need
          FROM production_components pc JOIN reservations r ON r.production_component_id = pc.id
          JOIN production_orders pm ON pm.id = pc.production_order_id
         WHERE pc.id = m.parent_component_id AND pm.state IN ('planned', 'released', 'in_progress');
        v_take := least(coalesce(v_need, 0), m.quantity);
        IF v_take > 0 THEN
            UPDATE reservations SET quantity = quantity + v_take WHERE production_component_id = m.parent_component_id;
            PERFORM erp.emit_event('components_reserved', erp._sales_order_of(pm.id), 'production_order', pm.id,
                                   pm.number, NULL, NULL)
               FROM production_components pc JOIN production_orders pm ON pm.id = pc.production_order_id
              WHERE pc.id = m.parent_component_id;
        END IF;
    END IF;
    v_touched := v_touched || erp.allocate_stock(m.product_id, m.warehouse_id);
    PERFORM erp._refresh_sales_orders(v_touched);
END $$;

CREATE FUNCTION erp.cancel_production_order(p_mo_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    m production_orders%ROWTYPE;
    v_order record;
    v_products bigint[];
    v_product bigint;
    v_touched bigint[] := '{}';
BEGIN
    SELECT * INTO m FROM production_orders WHERE id = p_mo_id;
    IF NOT FOUND THEN
        PERFORM erp.fail('ER002', 'Production order #%s does not exist.', p_mo_id::text);
    END IF;
    SELECT o.number, o.state INTO v_order FROM sales_orders o WHERE o.id = erp._sales_order_of(p_mo_id);
    IF v_order.state IN ('confirmed', 'in_fulfilment', 'ready', 'partially_shipped') THEN
        PERFORM erp.fail('ER001', 'Production order %s is for open sales order %s; cancel the sales order instead.',
                         m.number, v_order.number);
    END IF;
    IF m.parent_component_id IS NOT NULL AND EXISTS (
            SELECT 1 FROM production_components pc JOIN production_orders pm ON pm.id = pc.production_order_id
             WHERE pc.id = m.parent_component_id AND pm.state IN ('planned', 'released', 'in_progress')) THEN
        PERFORM erp.fail('ER001', 'Production order %s makes a component for another open production order; cancel that one instead.',
                         m.number);
    END IF;
    v_products := erp._bom_closure(ARRAY[m.product_id]);
    PERFORM erp._lock_stock(m.warehouse_id, v_products);
    SELECT * INTO m FROM production_orders WHERE id = p_mo_id FOR UPDATE;
    IF m.state NOT IN ('planned', 'released') THEN
        PERFORM erp.fail('ER003', 'Production order %s is %s and can no longer be cancelled.', m.number,
                         erp.state_label(m.state));
    END IF;
    PERFORM erp._cancel_production_order(p_mo_id);
    FOREACH v_product IN ARRAY v_products LOOP
        v_touched := v_touched || erp.allocate_stock(v_product, m.warehouse_id);
    END LOOP;
    PERFORM erp._refresh_sales_orders(v_touched);
END $$;

-- p_plan: [{"id": 1, "start": "2026-11-25", "end": "2026-11-27", "days": [["2026-11-25", 8], ...]}, ...]
CREATE FUNCTION erp.apply_production_schedule(p_plan jsonb) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    e jsonb;
    m production_orders%ROWTYPE;
    v_applied integer := 0;
    v_orders bigint[] := '{}';
BEGIN
    FOR e IN SELECT value FROM jsonb_array_elements(p_plan) ORDER BY (value ->> 'id')::bigint LOOP
        SELECT * INTO m FROM production_orders WHERE id = (e ->> 'id')::bigint FOR UPDATE;
        CONTINUE WHEN NOT FOUND OR m.state NOT IN ('released', 'in_progress');
        DELETE FROM production_schedule WHERE production_order_id = m.id;
        INSERT INTO production_schedule (production_order_id, day, work_centre_id, hours)
        SELECT m.id, (d ->> 0)::date, m.work_centre_id, (d ->> 1)::numeric
          FROM jsonb_array_elements(e -> 'days') d;
        UPDATE production_orders
           SET planned_start = (e ->> 'start')::date, planned_end = (e ->> 'end')::date,
               late = (e ->> 'end')::date > due_date
         WHERE id = m.id
           AND (planned_start, planned_end, late) IS DISTINCT FROM
               ((e ->> 'start')::date, (e ->> 'end')::date, (e ->> 'end')::date > due_date);
        IF FOUND THEN
            v_orders := v_orders || erp._sales_order_of(m.id);
        END IF;
        v_applied := v_applied + 1;
    END LOOP;
    PERFORM erp._refresh_sales_orders(v_orders);
    RETURN v_applied;
END $$;

-- Warehouse ----------------------------------------------------------------------------------------

-- p_quantities maps sales order line id (as text) to the quantity picked; NULL picks all that is reserved.
CREATE FUNCTION erp.pick_sales_order(p_order_id bigint, p_quantities jsonb DEFAULT NULL) RETURNS bigint
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
    IF NOT FOUND THEN
        PERFORM erp.fail('ER002', 'Sales order #%s does not exist.', p_order_id::text);
    END IF;
    -- stock before the order, as everywhere: a pick is usually shipped in the same transaction
    PERFORM erp._lock_stock(o.warehouse_id, ARRAY(SELECT product_id FROM sales_order_lines WHERE order_id = p_order_id));
    SELECT * INTO o FROM sales_orders WHERE id = p_order_id FOR UPDATE;
    IF o.state NOT IN ('in_fulfilment', 'ready', 'partially_shipped') THEN
        PERFORM erp.fail('ER003', 'Sales order %s is %s; there is nothing to pick.', o.number, erp.state_label(o.state));
    END IF;
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
                                                          AND d.state IN ('draft', 'picked')), 0) AS pickable
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

CREATE FUNCTION erp.ship_delivery_note(p_dn_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    d delivery_notes%ROWTYPE;
    l record;
BEGIN
    SELECT * INTO d FROM delivery_notes WHERE id = p_dn_id;
    IF NOT FOUND THEN
        PERFORM erp.fail('ER002', 'Delivery note #%s does not exist.', p_dn_id::text);
    END IF;
    PERFORM erp._lock_stock(d.warehouse_id, ARRAY(SELECT product_id FROM delivery_note_lines
                                                   WHERE delivery_note_id = p_dn_id));
    PERFORM 1 FROM sales_orders WHERE id = d.sales_order_id FOR UPDATE;
    SELECT * INTO d FROM delivery_notes WHERE id = p_dn_id FOR UPDATE;
    IF d.state <> 'picked' THEN
        PERFORM erp.fail('ER003', 'Delivery note %s is %s; only picked goods can be shipped.', d.number,
                         erp.state_label(d.state));
    END IF;
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

CREATE FUNCTION erp.cancel_delivery_note(p_dn_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    d delivery_notes%ROWTYPE;
BEGIN
    SELECT * INTO d FROM delivery_notes WHERE id = p_dn_id FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM erp.fail('ER002', 'Delivery note #%s does not exist.', p_dn_id::text);
    END IF;
    IF d.state NOT IN ('draft', 'picked') THEN
        PERFORM erp.fail('ER003', 'Delivery note %s is %s and can no longer be cancelled.', d.number,
                         erp.state_label(d.state));
    END IF;
    UPDATE delivery_notes SET state = 'cancelled' WHERE id = p_dn_id;
END $$;

CREATE FUNCTION erp.adjust_stock(p_product_id bigint, p_warehouse_id bigint, p_quantity numeric, p_reason text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    s record;
BEGIN
    IF p_quantity IS NULL OR p_quantity = 0 THEN
        PERFORM erp.fail('ER001', 'An adjustment needs a quantity other than zero.');
    END IF;
    IF btrim(coalesce(p_reason, '')) = '' THEN
        PERFORM erp.fail('ER001', 'Say why the stock is adjusted (count difference, damage, ...).');
    END IF;
    SELECT sl.on_hand, sl.reserved, p.sku, p.unit INTO s
      FROM stock_levels sl JOIN products p ON p.id = sl.product_id
     WHERE sl.product_id = p_product_id AND sl.warehouse_id = p_warehouse_id FOR UPDATE OF sl;
    IF NOT FOUND THEN
        PERFORM erp.fail('ER002', 'There is no such product in that warehouse.');
    END IF;
    IF s.on_hand + p_quantity < s.reserved THEN
        PERFORM erp.fail('ER005', 'Cannot remove %s %s of %s: only %s are on hand and not reserved for orders.',
                         erp.fmt_qty(-p_quantity), s.unit, s.sku, erp.fmt_qty(greatest(s.on_hand - s.reserved, 0)));
    END IF;
    INSERT INTO stock_moves (product_id, warehouse_id, quantity, kind, reason)
    VALUES (p_product_id, p_warehouse_id, p_quantity, 'adjustment', p_reason);
    IF p_quantity > 0 THEN
        PERFORM erp._refresh_sales_orders(erp.allocate_stock(p_product_id, p_warehouse_id));
    END IF;
END $$;

-- Finance ------------------------------------------------------------------------------------------

CREATE FUNCTION erp._recompute_invoice_totals(p_invoice_id bigint) RETURNS void
LANGUAGE sql AS $$
    UPDATE erp.invoices i
       SET net_total = t.net, tax_total = t.tax, gross_total = t.net + t.tax
      FROM (SELECT coalesce(sum(net_amount), 0) AS net, coalesce(sum(tax_amount), 0) AS tax
              FROM erp.invoice_lines WHERE invoice_id = p_invoice_id) t
     WHERE i.id = p_invoice_id
$$;

-- A draft invoice for everything shipped and not yet invoiced (or already on another draft).
CREATE FUNCTION erp.create_invoice(p_order_id bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    o sales_orders%ROWTYPE;
    v_invoice bigint;
BEGIN
    SELECT * INTO o FROM sales_orders WHERE id = p_order_id FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM erp.fail('ER002', 'Sales order #%s does not exist.', p_order_id::text);
    END IF;
    IF o.state NOT IN ('partially_shipped', 'shipped', 'invoiced') THEN
        PERFORM erp.fail('ER003', 'Sales order %s is %s; only shipped goods can be invoiced.', o.number,
                         erp.state_label(o.state));
    END IF;
    INSERT INTO invoices (sales_order_id, customer_id) VALUES (p_order_id, o.customer_id) RETURNING id INTO v_invoice;
    INSERT INTO invoice_lines (invoice_id, line_no, sales_order_line_id, product_id, description, quantity, unit,
                               unit_price, discount_pct, tax_rate, net_amount, tax_amount)
    SELECT v_invoice, row_number() OVER (ORDER BY x.line_no), x.id, x.product_id, x.description, x.qty, x.unit,
           x.unit_price, x.discount_pct, x.tax_rate, x.net, erp.line_tax(x.net, x.tax_rate)
      FROM (SELECT l.id, l.line_no, l.product_id, coalesce(nullif(l.description, ''), p.name) AS description, p.unit,
                   l.unit_price, l.discount_pct, l.tax_rate,
                   l.qty_shipped - l.qty_invoiced - coalesce(d.qty, 0) AS qty,
                   erp.line_net(l.qty_shipped - l.qty_invoiced - coalesce(d.qty, 0), l.unit_price, l.discount_pct) AS net
              FROM sales_order_lines l
              JOIN products p ON p.id = l.product_id
              LEFT JOIN (SELECT il.sales_order_line_id, sum(il.quantity) AS qty FROM invoice_lines il
                           JOIN invoices i ON i.id = il.invoice_id
                          WHERE i.state = 'draft' AND i.kind = 'invoice' AND i.sales_order_id = p_order_id
                          GROUP BY il.sales_order_line_id) d ON d.sales_order_line_id = l.id
             WHERE l.order_id = p_order_id) x
     WHERE x.qty > 0;
    IF NOT FOUND THEN
        PERFORM erp.fail('ER001', 'Nothing to invoice on sales order %s: every shipped quantity is already invoiced.',
                         o.number);
    END IF;
    PERFORM erp._recompute_invoice_totals(v_invoice);
    RETURN v_invoice;
END $$;

CREATE FUNCTION erp.post_invoice(p_invoice_id bigint) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    i invoices%ROWTYPE;
    l record;
    v_terms integer;
    v_number text;
BEGIN
    SELECT * INTO i FROM invoices WHERE id = p_invoice_id;
    IF NOT FOUND THEN
        PERFORM erp.fail('ER002', 'Invoice #%s does not exist.', p_invoice_id::text);
    END IF;
    PERFORM 1 FROM sales_orders WHERE id = i.sales_order_id FOR UPDATE;
    SELECT * INTO i FROM invoices WHERE id = p_invoice_id FOR UPDATE;
    IF i.state <> 'draft' THEN
        PERFORM erp.fail('ER003', 'Invoice %s is already %s.', coalesce(i.number, '#' || i.id::text),
                         erp.state_label(i.state));
    END IF;
    FOR l IN SELECT il.sales_order_line_id, il.quantity, sl.qty_shipped - sl.qty_invoiced AS open_qty, sl.line_no
               FROM invoice_lines il JOIN sales_order_lines sl ON sl.id = il.sales_order_line_id
              WHERE il.invoice_id = p_invoice_id ORDER BY sl.line_no
    LOOP
        IF l.quantity > l.open_qty THEN
            PERFORM erp.fail('ER001', 'Line %s is invoiced already; delete this draft and create a new invoice.',
                             l.line_no::text);
        END IF;
        UPDATE sales_order_lines SET qty_invoiced = qty_invoiced + l.quantity WHERE id = l.sales_order_line_id;
    END LOOP;
    SELECT payment_terms_days INTO v_terms FROM customers WHERE id = i.customer_id;
    v_number := erp._next_gapless_number('INV');
    PERFORM erp._recompute_invoice_totals(p_invoice_id);
    UPDATE invoices SET state = 'posted', number = v_number, invoice_date = current_date,
                        due_date = current_date + v_terms, posted_at = now(), posted_by = session_user
     WHERE id = p_invoice_id;
    -- a free-of-charge invoice is settled as soon as it is posted
    UPDATE invoices SET state = 'paid' WHERE id = p_invoice_id AND gross_total = 0;
    PERFORM erp.refresh_sales_order(i.sales_order_id);
    RETURN v_number;
END $$;

CREATE FUNCTION erp.delete_draft_invoice(p_invoice_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    i invoices%ROWTYPE;
BEGIN
    SELECT * INTO i FROM invoices WHERE id = p_invoice_id FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM erp.fail('ER002', 'Invoice #%s does not exist.', p_invoice_id::text);
    END IF;
    IF i.state <> 'draft' THEN
        PERFORM erp.fail('ER001', 'Invoice %s is posted and cannot be deleted; issue a credit note instead.', i.number);
    END IF;
    UPDATE invoices SET state = 'cancelled' WHERE id = p_invoice_id;
END $$;

CREATE FUNCTION erp.record_payment(p_invoice_id bigint, p_amount numeric, p_paid_on date DEFAULT current_date,
                                   p_method text DEFAULT 'bank_transfer', p_reference text DEFAULT '')
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    i invoices%ROWTYPE;
    v_open numeric;
    v_payment bigint;
BEGIN
    SELECT * INTO i FROM invoices WHERE id = p_invoice_id;
    IF NOT FOUND THEN
        PERFORM erp.fail('ER002', 'Invoice #%s does not exist.', p_invoice_id::text);
    END IF;
    PERFORM 1 FROM sales_orders WHERE id = i.sales_order_id FOR UPDATE;
    SELECT * INTO i FROM invoices WHERE id = p_invoice_id FOR UPDATE;
    IF i.kind <> 'invoice' OR i.state NOT IN ('posted', 'partially_paid') THEN
        PERFORM erp.fail('ER003', 'Invoice %s is %s; payments are recorded against posted, unpaid invoices.',
                         coalesce(i.number, 'draft #' || i.id::text), erp.state_label(i.state));
    END IF;
    IF p_amount IS NULL OR p_amount <= 0 OR p_amount <> round(p_amount, 2) THEN
        PERFORM erp.fail('ER001', 'A payment is a positive amount with at most two decimals.');
    END IF;
    IF p_paid_on IS NULL OR p_paid_on > current_date THEN
        PERFORM erp.fail('ER001', 'A payment cannot be dated in the future.');
    END IF;
    v_open := i.gross_total - i.amount_paid - i.amount_credited;
    IF p_amount > v_open THEN
        PERFORM erp.fail('ER001', 'A payment of %s is more than the %s still open on invoice %s.',
                         erp.fmt_money(p_amount), erp.fmt_money(v_open), i.number);
    END IF;
    INSERT INTO payments (invoice_id, amount, paid_on, method, reference)
    VALUES (p_invoice_id, p_amount, p_paid_on, p_method, coalesce(p_reference, '')) RETURNING id INTO v_payment;
    UPDATE invoices
       SET amount_paid = amount_paid + p_amount,
           state = CASE WHEN p_amount = v_open THEN 'paid' ELSE 'partially_paid' END
     WHERE id = p_invoice_id;
    PERFORM erp.refresh_sales_order(i.sales_order_id);
    RETURN v_payment;
END $$;

-- p_quantities maps invoice line id (as text) to the quantity credited; NULL credits the whole invoice.
CREATE FUNCTION erp.create_credit_note(p_invoice_id bigint, p_reason text, p_quantities jsonb DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    i invoices%ROWTYPE;
    v_note bigint;
    v_open numeric;
    v_gross numeric;
    l record;
BEGIN
    SELECT * INTO i FROM invoices WHERE id = p_invoice_id;
    IF NOT FOUND THEN
        PERFORM erp.fail('ER002', 'Invoice #%s does not exist.', p_invoice_id::text);
    END IF;
    PERFORM 1 FROM sales_orders WHERE id = i.sales_order_id FOR UPDATE;
    SELECT * INTO i FROM invoices WHERE id = p_invoice_id FOR UPDATE;
    IF i.kind <> 'invoice' OR i.state NOT IN ('posted', 'partially_paid') THEN
        PERFORM erp.fail('ER003', 'Invoice %s is %s; only posted invoices with an open balance can be credited.',
                         coalesce(i.number, 'draft #' || i.id::text), erp.state_label(i.state));
    END IF;
    IF btrim(coalesce(p_reason, '')) = '' THEN
        PERFORM erp.fail('ER001', 'Say why invoice %s is credited; the reason is printed on the credit note.', i.number);
    END IF;
    IF p_quantities IS NOT NULL AND (jsonb_typeof(p_quantities) <> 'object' OR EXISTS (
            SELECT 1 FROM jsonb_each_text(p_quantities) k
            WHERE NOT EXISTS (SELECT 1 FROM invoice_lines il WHERE il.invoice_id = p_invoice_id AND il.id::text = k.key
                              AND k.value::numeric > 0 AND k.value::numeric <= il.quantity))) THEN
        PERFORM erp.fail('ER001', 'Credit only lines of invoice %s, each for at most its invoiced quantity.', i.number);
    END IF;
    INSERT INTO invoices (kind, sales_order_id, customer_id, credited_invoice_id, reason)
    VALUES ('credit_note', i.sales_order_id, i.customer_id, p_invoice_id, p_reason) RETURNING id INTO v_note;
    INSERT INTO invoice_lines (invoice_id, line_no, sales_order_line_id, product_id, description, quantity, unit,
                               unit_price, discount_pct, tax_rate, net_amount, tax_amount)
    SELECT v_note, row_number() OVER (ORDER BY il.line_no), il.sales_order_line_id, il.product_id, il.description,
           q.qty, il.unit, il.unit_price, il.discount_pct, il.tax_rate,
           CASE WHEN q.qty = il.quantity THEN il.net_amount ELSE erp.line_net(q.qty, il.unit_price, il.discount_pct) END,
           CASE WHEN q.qty = il.quantity THEN il.tax_amount
                ELSE erp.line_tax(erp.line_net(q.qty, il.unit_price, il.discount_pct), il.tax_rate) END
      FROM invoice_lines il
      CROSS JOIN LATERAL (SELECT CASE WHEN p_quantities IS NULL THEN il.quantity
                                      ELSE coalesce((p_quantities ->> il.id::text)::numeric, 0) END AS qty) q
     WHERE il.invoice_id = p_invoice_id AND q.qty > 0;
    IF NOT FOUND THEN
        PERFORM erp.fail('ER001', 'Choose at least one line of invoice %s to credit.', i.number);
    END IF;
    PERFORM erp._recompute_invoice_totals(v_note);
    SELECT gross_total INTO v_gross FROM invoices WHERE id = v_note;
    v_open := i.gross_total - i.amount_paid - i.amount_credited;
    IF v_gross > v_open THEN
        PERFORM erp.fail('ER001', 'Invoice %s has only %s unpaid; a credit note of %s cannot be applied to it.',
                         i.number, erp.fmt_money(v_open), erp.fmt_money(v_gross));
    END IF;
    FOR l IN SELECT sales_order_line_id, quantity FROM invoice_lines WHERE invoice_id = v_note LOOP
        UPDATE sales_order_lines SET qty_invoiced = qty_invoiced - l.quantity WHERE id = l.sales_order_line_id;
    END LOOP;
    UPDATE invoices SET state = 'posted', number = erp._next_gapless_number('CN'), invoice_date = current_date,
                        due_date = current_date, posted_at = now(), posted_by = session_user
     WHERE id = v_note;
    -- the credit note is settled against the invoice it corrects
    UPDATE invoices SET state = 'paid' WHERE id = v_note;
    UPDATE invoices
       SET amount_credited = amount_credited + v_gross,
           state = CASE WHEN amount_paid + amount_credited + v_gross >= gross_total THEN 'paid' ELSE state END
     WHERE id = p_invoice_id;
    PERFORM erp.refresh_sales_order(i.sales_order_id);
    RETURN v_note;
END $$;

-- Records a print of a delivery note or invoice; returns how many times it has been printed, so a
-- reprint is marked COPY. The first print (who, when) is kept.
CREATE FUNCTION erp.record_print(p_document_type text, p_document_id bigint) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    v_count integer;
BEGIN
    IF p_document_type = 'delivery_note' THEN
        UPDATE delivery_notes SET print_count = print_count + 1, printed_at = coalesce(printed_at, now()),
                                  printed_by = coalesce(printed_by, session_user)
         WHERE id = p_document_id RETURNING print_count INTO v_count;
    ELSIF p_document_type = 'invoice' THEN
        UPDATE invoices SET print_count = print_count + 1, printed_at = coalesce(printed_at, now()),
                            printed_by = coalesce(printed_by, session_user)
         WHERE id = p_document_id AND state <> 'draft' RETURNING print_count INTO v_count;
    ELSE
        PERFORM erp.fail('ER001', 'Only delivery notes and invoices are printed.');
    END IF;
    IF v_count IS NULL THEN
        PERFORM erp.fail('ER002', '%s #%s does not exist or cannot be printed yet.',
                         erp.document_label(p_document_type), p_document_id::text);
    END IF;
    RETURN v_count;
END $$;

-- Price below cost needs a reason, for any writer.
CREATE FUNCTION erp.check_sales_order_line_price() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    p record;
BEGIN
    SELECT sku, cost INTO p FROM erp.products WHERE id = NEW.product_id;
    IF erp.line_net(1, NEW.unit_price, NEW.discount_pct) < p.cost AND btrim(coalesce(NEW.below_cost_reason, '')) = '' THEN
        PERFORM erp.fail('ER001', 'The net price %s of %s is below its cost %s; give a reason to sell below cost.',
                         erp.fmt_money(erp.line_net(1, NEW.unit_price, NEW.discount_pct)), p.sku, erp.fmt_money(p.cost));
    END IF;
    RETURN NEW;
END $$;

-- named so that it fires after guard_sales_order_line (triggers fire in name order)
CREATE TRIGGER validate_price BEFORE INSERT OR UPDATE OF product_id, unit_price, discount_pct, below_cost_reason
    ON sales_order_lines FOR EACH ROW EXECUTE FUNCTION erp.check_sales_order_line_price();
