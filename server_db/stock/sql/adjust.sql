CREATE OR REPLACE FUNCTION erp.adjust_stock(p_product_id bigint, p_warehouse_id bigint, p_quantity numeric, p_reason text)
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
