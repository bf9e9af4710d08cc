-- The last day of work that starts on p_start, given the hours already booked on the work centre.
CREATE OR REPLACE FUNCTION erp._planned_end(p_start date, p_hours numeric, p_backlog numeric, p_capacity numeric) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT greatest(p_start + greatest(ceil(p_hours / p_capacity)::integer, 1) - 1,
                    current_date + greatest(ceil((p_backlog + p_hours) / p_capacity)::integer, 1) - 1)
$$;

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

-- p_plan: [{"id": 1, "start": "2026-11-25", "end": "2026-11-27", "days": [["2026-11-25", 8], ...]}, ...]
CREATE OR REPLACE FUNCTION erp.apply_production_schedule(p_plan jsonb) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    e jsonb;
    m production_orders%ROWTYPE;
    v_applied integer := 0;
    v_orders bigint[] := '{}';
BEGIN
    FOR e IN SELECT value FROM jsonb_array_elements(p_plan) ORDER BY (value ->> 'id')::bigint LOOP
        SELECT * INTO m FROM production_orders WHERE id = (e ->> 'id')::bigint FOR UPDATE;
        CONTINUE WHEN NOT FOUND OR NOT m.state = ANY (erp.states('production_order', 'on_the_floor'));
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
