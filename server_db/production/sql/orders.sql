CREATE OR REPLACE FUNCTION erp._raise_production_order(p_product_id bigint, p_warehouse_id bigint, p_quantity numeric,
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

CREATE OR REPLACE FUNCTION erp._cancel_production_order(p_mo_id bigint) RETURNS void
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
                    WHERE c.production_order_id = p_mo_id AND m.state = ANY (erp.states('production_order', 'cancellable')) ORDER BY m.id
    LOOP
        PERFORM erp._cancel_production_order(v_child.id);
    END LOOP;
END $$;

-- Production ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION erp._components_missing(p_mo_id bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT string_agg(format('%s %s of %s', erp.fmt_qty(c.quantity - c.qty_consumed - coalesce(r.quantity, 0)),
                             p.unit, p.sku), ', ' ORDER BY p.sku)
    FROM erp.production_components c
    JOIN erp.products p ON p.id = c.product_id
    LEFT JOIN erp.reservations r ON r.production_component_id = c.id
    WHERE c.production_order_id = p_mo_id AND c.quantity - c.qty_consumed > coalesce(r.quantity, 0)
$$;

CREATE OR REPLACE FUNCTION erp._sales_order_of(p_mo_id bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT l.order_id FROM erp.production_orders m JOIN erp.sales_order_lines l ON l.id = m.sales_order_line_id
    WHERE m.id = p_mo_id
$$;

CREATE OR REPLACE FUNCTION erp.release_production_order(p_mo_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    m production_orders%ROWTYPE;
BEGIN
    SELECT * INTO m FROM production_orders WHERE id = p_mo_id;
    PERFORM erp.require_found(FOUND, 'production_order', p_mo_id);
    PERFORM 1 FROM sales_orders WHERE id = erp._sales_order_of(p_mo_id) FOR UPDATE;
    SELECT * INTO m FROM production_orders WHERE id = p_mo_id FOR UPDATE;
    PERFORM erp.require_state('production_order', m.number, m.state, ARRAY['planned']);
    UPDATE production_orders SET state = 'released' WHERE id = p_mo_id;
    PERFORM erp._refresh_sales_orders(ARRAY[erp._sales_order_of(p_mo_id)]);
END $$;

CREATE OR REPLACE FUNCTION erp.report_production_progress(p_mo_id bigint, p_progress_pct numeric) RETURNS void
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
    PERFORM erp.require_found(FOUND, 'production_order', p_mo_id);
    PERFORM 1 FROM sales_orders WHERE id = erp._sales_order_of(p_mo_id) FOR UPDATE;
    SELECT * INTO m FROM production_orders WHERE id = p_mo_id FOR UPDATE;
    PERFORM erp.require_state('production_order', m.number, m.state, erp.states('production_order', 'on_the_floor'),
                              '; progress can be reported on released orders only.');
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

CREATE OR REPLACE FUNCTION erp.complete_production_order(p_mo_id bigint) RETURNS void
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
    PERFORM erp.require_found(FOUND, 'production_order', p_mo_id);
    PERFORM erp._lock_stock(m.warehouse_id, ARRAY(SELECT product_id FROM production_components
                                                   WHERE production_order_id = p_mo_id) || m.product_id);
    SELECT * INTO m FROM production_orders WHERE id = p_mo_id FOR UPDATE;
    PERFORM erp.require_state('production_order', m.number, m.state, erp.states('production_order', 'on_the_floor'),
                              '; only released orders can be completed.');
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
         WHERE l.id = m.sales_order_line_id AND o.state = ANY (erp.states('sales_order', 'active'));
        v_take := least(coalesce(v_need, 0), m.quantity);
        IF v_take > 0 THEN
            UPDATE reservations SET quantity = quantity + v_take WHERE sales_order_line_id = m.sales_order_line_id;
        END IF;
        v_touched := v_touched || erp._sales_order_of(p_mo_id);
    ELSIF m.parent_component_id IS NOT NULL THEN
        SELECT pc.quantity - pc.qty_consumed - r.quantity INTO v_need
          FROM production_components pc JOIN reservations r ON r.production_component_id = pc.id
          JOIN production_orders pm ON pm.id = pc.production_order_id
         WHERE pc.id = m.parent_component_id AND pm.state = ANY (erp.states('production_order', 'open'));
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

CREATE OR REPLACE FUNCTION erp.cancel_production_order(p_mo_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    m production_orders%ROWTYPE;
    v_order record;
    v_products bigint[];
    v_product bigint;
    v_touched bigint[] := '{}';
BEGIN
    SELECT * INTO m FROM production_orders WHERE id = p_mo_id;
    PERFORM erp.require_found(FOUND, 'production_order', p_mo_id);
    SELECT o.number, o.state INTO v_order FROM sales_orders o WHERE o.id = erp._sales_order_of(p_mo_id);
    IF v_order.state = ANY (erp.states('sales_order', 'active')) THEN
        PERFORM erp.fail('ER001', 'Production order %s is for open sales order %s; cancel the sales order instead.',
                         m.number, v_order.number);
    END IF;
    IF m.parent_component_id IS NOT NULL AND EXISTS (
            SELECT 1 FROM production_components pc JOIN production_orders pm ON pm.id = pc.production_order_id
             WHERE pc.id = m.parent_component_id AND pm.state = ANY (erp.states('production_order', 'open'))) THEN
        PERFORM erp.fail('ER001', 'Production order %s makes a component for another open production order; cancel that one instead.',
                         m.number);
    END IF;
    v_products := erp._bom_closure(ARRAY[m.product_id]);
    PERFORM erp._lock_stock(m.warehouse_id, v_products);
    SELECT * INTO m FROM production_orders WHERE id = p_mo_id FOR UPDATE;
    PERFORM erp.require_state('production_order', m.number, m.state, erp.states('production_order', 'cancellable'),
                              ' and can no longer be cancelled.');
    PERFORM erp._cancel_production_order(p_mo_id);
    FOREACH v_product IN ARRAY v_products LOOP
        v_touched := v_touched || erp.allocate_stock(v_product, m.warehouse_id);
    END LOOP;
    PERFORM erp._refresh_sales_orders(v_touched);
END $$;
