-- Every product has a stock level in every warehouse, so the ledger always has a row to post to.
CREATE OR REPLACE FUNCTION erp.create_stock_levels() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
BEGIN
    -- once per statement, over all the rows it inserted (an import inserts 100,000 products at once)
    IF TG_TABLE_NAME = 'products' THEN
        -- a new product has no level anywhere yet
        INSERT INTO stock_levels (product_id, warehouse_id) SELECT n.id, w.id FROM new_rows n CROSS JOIN warehouses w;
    ELSE
        INSERT INTO stock_levels (product_id, warehouse_id) SELECT p.id, n.id FROM products p CROSS JOIN new_rows n
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;

-- On hand is the sum of the moves: each move adds to its level, and moves are never changed.
CREATE OR REPLACE FUNCTION erp.post_stock_move() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
BEGIN
    UPDATE stock_levels SET on_hand = on_hand + NEW.quantity
    WHERE product_id = NEW.product_id AND warehouse_id = NEW.warehouse_id;
    RETURN NULL;
END $$;

-- Reserved is the sum of the reservations.
CREATE OR REPLACE FUNCTION erp.post_reservation() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.quantity <> 0 THEN
        UPDATE stock_levels SET reserved = reserved - OLD.quantity
        WHERE product_id = OLD.product_id AND warehouse_id = OLD.warehouse_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.quantity <> 0 THEN
        UPDATE stock_levels SET reserved = reserved + NEW.quantity
        WHERE product_id = NEW.product_id AND warehouse_id = NEW.warehouse_id;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION erp.stock_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
BEGIN
    IF (NEW.on_hand, NEW.reserved) IS DISTINCT FROM (OLD.on_hand, OLD.reserved) THEN
        PERFORM erp.emit_event('stock_changed', NULL, 'product', NEW.product_id, NULL, NULL, NULL,
                               jsonb_build_object('warehouse_id', NEW.warehouse_id, 'on_hand', NEW.on_hand,
                                                  'reserved', NEW.reserved));
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION erp._lock_stock(p_warehouse_id bigint, p_products bigint[]) RETURNS void
LANGUAGE sql AS $$
    SELECT NULL FROM erp.stock_levels
    WHERE warehouse_id = p_warehouse_id AND product_id = ANY (p_products)
    ORDER BY product_id
    FOR UPDATE
$$;

-- The products plus every component below them in the bills of materials.
CREATE OR REPLACE FUNCTION erp._bom_closure(p_products bigint[]) RETURNS bigint[]
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE closure(product_id) AS (
        SELECT unnest(p_products)
        UNION
        SELECT b.component_id FROM erp.bom_lines b JOIN closure c ON b.product_id = c.product_id
    )
    SELECT coalesce(array_agg(product_id ORDER BY product_id), '{}') FROM closure
$$;

CREATE OR REPLACE FUNCTION erp._available(p_product_id bigint, p_warehouse_id bigint) RETURNS numeric
LANGUAGE sql STABLE AS $$
    SELECT greatest(on_hand - reserved, 0) FROM erp.stock_levels
    WHERE product_id = p_product_id AND warehouse_id = p_warehouse_id
$$;

-- Hands free stock of one product to waiting demand, earliest need first: open sales order lines by
-- promised date, then components of production orders by planned start. Returns the sales orders touched.
-- (In the demand list a production order's id is carried negated, to tell it from a sales order's.)
CREATE OR REPLACE FUNCTION erp.allocate_stock(p_product_id bigint, p_warehouse_id bigint) RETURNS bigint[]
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
               AND o.state = ANY (erp.states('sales_order', 'active'))
            UNION ALL
            SELECT r.id, c.quantity - c.qty_consumed - r.quantity, coalesce(m.planned_start, m.due_date), -m.id
              FROM reservations r
              JOIN production_components c ON c.id = r.production_component_id
              JOIN production_orders m ON m.id = c.production_order_id
             WHERE r.product_id = p_product_id AND r.warehouse_id = p_warehouse_id
               AND m.state = ANY (erp.states('production_order', 'open'))
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
