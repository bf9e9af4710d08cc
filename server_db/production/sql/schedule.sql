-- The one scheduler: finite-capacity forward scheduling of the work centres.
--
-- erp.plan_schedule is the rule: orders already in progress keep the floor, the rest go by earliest due
-- date; nothing starts before today or before its components can be there; each day of a work centre gives
-- at most its capacity, and an order fills the free hours day by day. erp.schedule_production plans every
-- order on the floor with it and writes the plan. erp._planned_end is the same rule for one new order placed
-- after everything already open on its work centre (the estimate a confirmation promises from), in closed
-- form: the test suite checks that it equals what erp.plan_schedule gives.

-- p_orders: [{"id", "work_centre_id", "remaining_hours", "due_date", "ready_date", "in_progress"}, ...];
-- p_capacity: {"<work centre id>": hours per day, ...}. One row per order and day with hours booked.
CREATE OR REPLACE FUNCTION erp.plan_schedule(p_orders jsonb, p_capacity jsonb, p_today date)
RETURNS TABLE (production_order_id bigint, day date, hours numeric)
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    o record;
    v_centre bigint;
    v_capacity numeric;
    v_used numeric[];  -- hours booked on the current work centre, by day (1 = p_today)
    v_day date;
    v_left numeric;
    v_free numeric;
    v_take numeric;
    i integer;
BEGIN
    -- work centres are independent: plan one after the other
    FOR o IN SELECT * FROM jsonb_to_recordset(p_orders) AS x(id bigint, work_centre_id bigint,
                  remaining_hours numeric, due_date date, ready_date date, in_progress boolean)
              ORDER BY x.work_centre_id, NOT coalesce(x.in_progress, false), x.due_date, x.id
    LOOP
        IF o.work_centre_id IS DISTINCT FROM v_centre THEN
            v_centre := o.work_centre_id;
            v_capacity := (p_capacity ->> v_centre::text)::numeric;
            v_used := '{}';
        END IF;
        v_day := greatest(p_today, o.ready_date);
        v_left := o.remaining_hours;
        WHILE v_left > 0 LOOP
            i := v_day - p_today + 1;
            v_free := v_capacity - coalesce(v_used[i], 0);
            IF v_free > 0 THEN
                v_take := least(v_free, v_left);
                v_used[i] := coalesce(v_used[i], 0) + v_take;
                v_left := v_left - v_take;
                production_order_id := o.id;
                day := v_day;
                hours := v_take;
                RETURN NEXT;
            END IF;
            IF v_left > 0 THEN
                v_day := v_day + 1;
            END IF;
        END LOOP;
    END LOOP;
END $$;

-- The last day of work that starts on p_start, after p_backlog hours already booked from today on the work
-- centre: what erp.plan_schedule gives an order of p_hours placed after them.
CREATE OR REPLACE FUNCTION erp._planned_end(p_start date, p_hours numeric, p_backlog numeric, p_capacity numeric)
RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT greatest(p_start + greatest(ceil(p_hours / p_capacity)::integer, 1) - 1,
                    current_date + greatest(ceil((p_backlog + p_hours) / p_capacity)::integer, 1) - 1)
$$;

-- The date an order on the floor can start: today when its components are reserved, else when the missing
-- ones arrive (an open purchase order, a component production order, or the purchase lead time).
CREATE OR REPLACE FUNCTION erp._components_ready(p_mo_id bigint, p_today date) RETURNS date
LANGUAGE sql STABLE SET search_path = erp, pg_temp AS $$
    SELECT coalesce(max(CASE
               WHEN c.quantity - c.qty_consumed <= coalesce(r.quantity, 0) THEN p_today
               ELSE coalesce(
                   (SELECT min(po.expected_date) FROM purchase_order_lines pol
                      JOIN purchase_orders po ON po.id = pol.order_id
                     WHERE pol.product_id = c.product_id
                       AND po.state = ANY (erp.states('purchase_order', 'receivable'))
                       AND pol.qty_received < pol.quantity),
                   (SELECT max(cm.planned_end) + 1 FROM production_orders cm
                     WHERE cm.parent_component_id = c.id AND cm.state = ANY (erp.states('production_order', 'open'))),
                   p_today + erp.buy_lead_time(c.product_id))
               END), p_today)
      FROM production_components c
      LEFT JOIN reservations r ON r.production_component_id = c.id
     WHERE c.production_order_id = p_mo_id
$$;

-- Plans every released and started order on its work centre and writes the plan: the day-by-day load,
-- each order's planned start and end, and its late flag (the sales orders it serves follow). Returns how
-- many orders were planned.
CREATE OR REPLACE FUNCTION erp.schedule_production(p_today date DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    v_today date := coalesce(p_today, current_date);
    v_orders jsonb;
    v_capacity jsonb;
    m record;
    v_start date;
    v_end date;
    v_planned integer := 0;
    v_touched bigint[] := '{}';
BEGIN
    -- the orders in id order, as every step that writes production orders locks them
    PERFORM 1 FROM production_orders WHERE state = ANY (erp.states('production_order', 'on_the_floor'))
     ORDER BY id FOR UPDATE;
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'id', id, 'work_centre_id', work_centre_id, 'remaining_hours', remaining_hours, 'due_date', due_date,
               'ready_date', erp._components_ready(id, v_today), 'in_progress', state = 'in_progress')), '[]')
      INTO v_orders
      FROM production_orders WHERE state = ANY (erp.states('production_order', 'on_the_floor'));
    SELECT coalesce(jsonb_object_agg(id::text, daily_capacity_hours), '{}') INTO v_capacity FROM work_centres;
    DELETE FROM production_schedule
     WHERE production_order_id IN (SELECT (o ->> 'id')::bigint FROM jsonb_array_elements(v_orders) o);
    INSERT INTO production_schedule (production_order_id, day, work_centre_id, hours)
    SELECT d.production_order_id, d.day, p.work_centre_id, d.hours
      FROM erp.plan_schedule(v_orders, v_capacity, v_today) d JOIN production_orders p ON p.id = d.production_order_id;
    FOR m IN SELECT o.id, o.ready_date, min(s.day) AS first_day, max(s.day) AS last_day
               FROM jsonb_to_recordset(v_orders) AS o(id bigint, ready_date date)
               LEFT JOIN production_schedule s ON s.production_order_id = o.id
              GROUP BY o.id, o.ready_date ORDER BY o.id
    LOOP
        -- an order without hours left takes no capacity: it is planned for the day it can start
        v_start := coalesce(m.first_day, greatest(v_today, m.ready_date));
        v_end := coalesce(m.last_day, greatest(v_today, m.ready_date));
        UPDATE production_orders SET planned_start = v_start, planned_end = v_end, late = v_end > due_date
         WHERE id = m.id AND (planned_start, planned_end, late) IS DISTINCT FROM (v_start, v_end, v_end > due_date);
        IF FOUND THEN
            v_touched := v_touched || erp._sales_order_of(m.id);
        END IF;
        v_planned := v_planned + 1;
    END LOOP;
    PERFORM erp._refresh_sales_orders(v_touched);
    RETURN v_planned;
END $$;

-- The open hours on each work centre, kept as production orders change (see the table work_centre_backlog).
CREATE OR REPLACE FUNCTION erp.count_backlog() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    v_old numeric := CASE WHEN TG_OP <> 'INSERT' AND OLD.state = ANY (erp.states('production_order', 'open'))
                          THEN OLD.remaining_hours ELSE 0 END;
    v_new numeric := CASE WHEN TG_OP <> 'DELETE' AND NEW.state = ANY (erp.states('production_order', 'open'))
                          THEN NEW.remaining_hours ELSE 0 END;
    v_centre bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.work_centre_id ELSE NEW.work_centre_id END;
BEGIN
    IF v_new <> v_old THEN
        INSERT INTO work_centre_backlog AS b (work_centre_id, shard, hours)
        VALUES (v_centre, pg_backend_pid() % 8, v_new - v_old)
        ON CONFLICT (work_centre_id, shard) DO UPDATE SET hours = b.hours + EXCLUDED.hours;
    END IF;
    RETURN NULL;
END $$;
