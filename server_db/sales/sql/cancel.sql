-- Cancelling an order with nothing shipped: its reservations, open requests and unstarted production go,
-- and the freed stock goes to the next waiting orders.
CREATE OR REPLACE FUNCTION erp.cancel_sales_order(p_order_id bigint, p_reason text DEFAULT '') RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    o sales_orders%ROWTYPE;
    v_products bigint[];
    v_product bigint;
    v_touched bigint[] := '{}';
    m record;
BEGIN
    SELECT * INTO o FROM sales_orders WHERE id = p_order_id;
    PERFORM erp.require_found(FOUND, 'sales_order', p_order_id);
    v_products := erp._order_products(p_order_id);
    PERFORM erp._lock_stock(o.warehouse_id, v_products);
    SELECT * INTO o FROM sales_orders WHERE id = p_order_id FOR UPDATE;
    PERFORM erp.require_state('sales_order', o.number, o.state, erp.states('sales_order', 'cancellable'),
                              '; only orders with nothing shipped yet can be cancelled.');
    IF o.state <> 'draft' AND btrim(coalesce(p_reason, '')) = '' THEN
        PERFORM erp.fail_at('reason', 'ER001',
                            'Say why sales order %s is cancelled; the other departments will see the reason.', o.number);
    END IF;
    UPDATE delivery_notes SET state = 'cancelled' WHERE sales_order_id = p_order_id AND state = ANY (erp.states('delivery_note', 'unshipped'));
    UPDATE reservations SET quantity = 0
     WHERE quantity <> 0 AND sales_order_line_id IN (SELECT id FROM sales_order_lines WHERE order_id = p_order_id);
    UPDATE purchase_requests SET state = 'cancelled'
     WHERE state = 'open' AND sales_order_line_id IN (SELECT id FROM sales_order_lines WHERE order_id = p_order_id);
    -- production that has not started is cancelled; started work finishes into free stock
    FOR m IN SELECT po.id FROM production_orders po JOIN sales_order_lines l ON l.id = po.sales_order_line_id
              WHERE l.order_id = p_order_id AND po.state = ANY (erp.states('production_order', 'cancellable')) ORDER BY po.id
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
