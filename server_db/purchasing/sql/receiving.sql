CREATE OR REPLACE FUNCTION erp.receive_purchase_order(p_po_id bigint, p_quantities jsonb DEFAULT NULL) RETURNS void
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
    PERFORM erp.require_found(FOUND, 'purchase_order', p_po_id);
    IF p_quantities IS NOT NULL AND (jsonb_typeof(p_quantities) <> 'object' OR EXISTS (
            SELECT 1 FROM jsonb_object_keys(p_quantities) k
            WHERE NOT EXISTS (SELECT 1 FROM purchase_order_lines x WHERE x.order_id = p_po_id AND x.id::text = k))) THEN
        PERFORM erp.fail('ER001', 'Some of the received lines do not belong to purchase order %s.', po.number);
    END IF;
    v_products := ARRAY(SELECT DISTINCT product_id FROM purchase_order_lines WHERE order_id = p_po_id);
    PERFORM erp._lock_stock(po.warehouse_id, v_products);
    SELECT * INTO po FROM purchase_orders WHERE id = p_po_id FOR UPDATE;
    PERFORM erp.require_state('purchase_order', po.number, po.state, erp.states('purchase_order', 'receivable'),
                              '; only sent orders can be received.');
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
