-- What must always be true of sales orders (gathered by erp.check_invariants()).
CREATE OR REPLACE FUNCTION erp.invariants_sales() RETURNS TABLE (rule text, detail text)
LANGUAGE sql STABLE SET search_path = erp, pg_temp AS $$
    SELECT 'a line is reserved for at most what is left to ship',
           format('sales order line %s: reserved %s, left %s', l.id, r.quantity, l.quantity - l.qty_shipped)
      FROM reservations r JOIN sales_order_lines l ON l.id = r.sales_order_line_id
     WHERE r.quantity > l.quantity - l.qty_shipped
    UNION ALL
    SELECT 'only active orders hold stock', format('sales order %s is %s and holds %s', o.number, o.state, r.quantity)
      FROM reservations r JOIN sales_order_lines l ON l.id = r.sales_order_line_id JOIN sales_orders o ON o.id = l.order_id
     WHERE r.quantity <> 0 AND NOT o.state = ANY (erp.states('sales_order', 'active'))
    UNION ALL
    SELECT 'a closed order was shipped, invoiced and paid in full', format('sales order %s is %s', o.number, o.state)
      FROM sales_orders o
     WHERE o.state IN ('paid', 'closed')
       AND (EXISTS (SELECT FROM sales_order_lines l
                     WHERE l.order_id = o.id AND (l.qty_shipped < l.quantity OR l.qty_invoiced < l.quantity))
            OR (SELECT coalesce(sum(amount_paid), 0) < coalesce(sum(gross_total - amount_credited), 0)
                  FROM invoices WHERE sales_order_id = o.id AND kind = 'invoice'
                   AND state = ANY (erp.states('invoice', 'posted'))))
    UNION ALL
    SELECT 'order state follows its documents',
           format('sales order %s is %s, documents say %s', o.number, o.state, erp.derive_sales_order_state(o.id))
      FROM sales_orders o
     WHERE o.state NOT IN ('draft', 'cancelled', 'closed') AND o.state <> erp.derive_sales_order_state(o.id)
$$;
