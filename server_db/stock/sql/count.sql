-- A stock count: on hand becomes what was counted. The difference is booked as the first ('initial') move of
-- a product that never moved in that warehouse, else as an adjustment with the reason given; stock that
-- turns up goes to waiting orders as any other stock does (erp.allocate_stock). A count below what is
-- reserved for orders is refused: release or ship those first. The opening-stock import uses it too.
-- p_lines: [{"product_id", "counted"}, ...]; a refusal names `lines[n]`.
CREATE OR REPLACE FUNCTION erp.count_stock(p_warehouse_id bigint, p_lines jsonb, p_reason text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    l record;
    v_products bigint[];
BEGIN
    PERFORM erp.require_found(EXISTS (SELECT FROM warehouses WHERE id = p_warehouse_id), 'warehouse', p_warehouse_id);
    IF btrim(coalesce(p_reason, '')) = '' THEN
        PERFORM erp.fail_at('reason', 'ER001', 'Say why the stock is counted (opening stock, stocktaking, ...).');
    END IF;
    IF jsonb_typeof(p_lines) IS DISTINCT FROM 'array' OR jsonb_array_length(p_lines) = 0 THEN
        PERFORM erp.fail_at('lines', 'ER001', 'Enter at least one counted product.');
    END IF;
    v_products := ARRAY(SELECT DISTINCT p.id FROM erp._count_input(p_lines) x JOIN products p ON p.id = x.product_id);
    INSERT INTO stock_levels (product_id, warehouse_id)
    SELECT unnest(v_products), p_warehouse_id ON CONFLICT DO NOTHING;
    PERFORM erp._lock_stock(p_warehouse_id, v_products);
    FOR l IN SELECT x.n, x.product_id, x.counted, p.sku, p.unit, sl.on_hand, sl.reserved,
                    count(*) OVER (PARTITION BY x.product_id ORDER BY x.n) AS seen,
                    EXISTS (SELECT FROM stock_moves m WHERE m.product_id = x.product_id
                                                        AND m.warehouse_id = p_warehouse_id) AS moved
               FROM erp._count_input(p_lines) x
               LEFT JOIN products p ON p.id = x.product_id
               LEFT JOIN stock_levels sl ON sl.product_id = x.product_id AND sl.warehouse_id = p_warehouse_id
              ORDER BY x.n
    LOOP
        IF l.sku IS NULL THEN
            PERFORM erp.fail_at(format('lines[%s].product_id', l.n), 'ER002', 'Line %s: there is no product #%s.',
                                l.n::text, coalesce(l.product_id::text, '?'));
        ELSIF l.seen > 1 THEN
            PERFORM erp.fail_at(format('lines[%s].product_id', l.n), 'ER001', '%s is counted twice.', l.sku);
        ELSIF l.counted IS NULL OR l.counted < 0 THEN
            PERFORM erp.fail_at(format('lines[%s].counted', l.n), 'ER001',
                                'Line %s: the counted quantity of %s must be zero or more.', l.n::text, l.sku);
        ELSIF l.counted < l.reserved THEN
            PERFORM erp.fail_at(format('lines[%s].counted', l.n), 'ER005',
                                '%s %s of %s are reserved for orders; the count cannot be below that.',
                                erp.fmt_qty(l.reserved), l.unit, l.sku);
        END IF;
        CONTINUE WHEN l.counted = l.on_hand;
        INSERT INTO stock_moves (product_id, warehouse_id, quantity, kind, reason)
        VALUES (l.product_id, p_warehouse_id, l.counted - l.on_hand,
                CASE WHEN NOT l.moved AND l.counted > l.on_hand THEN 'initial' ELSE 'adjustment' END, p_reason);
        IF l.counted > l.on_hand AND EXISTS (SELECT FROM reservations r WHERE r.product_id = l.product_id
                                                                          AND r.warehouse_id = p_warehouse_id) THEN
            PERFORM erp._refresh_sales_orders(erp.allocate_stock(l.product_id, p_warehouse_id));
        END IF;
    END LOOP;
END $$;

-- The lines of a count as given, numbered from 1.
CREATE OR REPLACE FUNCTION erp._count_input(p_lines jsonb)
RETURNS TABLE (n bigint, product_id bigint, counted numeric)
LANGUAGE sql IMMUTABLE AS $$
    SELECT e.n, (e.value ->> 'product_id')::bigint, round((e.value ->> 'counted')::numeric, 3)
      FROM jsonb_array_elements(coalesce(p_lines, '[]')) WITH ORDINALITY AS e(value, n)
$$;
