-- What must always be true of deliveries (gathered by erp.check_invariants()).
CREATE OR REPLACE FUNCTION erp.invariants_warehouse() RETURNS TABLE (rule text, detail text)
LANGUAGE sql STABLE SET search_path = erp, pg_temp AS $$
    SELECT 'shipped equals the shipped delivery notes',
           format('sales order line %s: shipped %s, delivery notes %s', l.id, l.qty_shipped, coalesce(d.total, 0))
      FROM sales_order_lines l
      LEFT JOIN (SELECT dl.sales_order_line_id, sum(dl.quantity) AS total FROM delivery_note_lines dl
                   JOIN delivery_notes dn ON dn.id = dl.delivery_note_id WHERE dn.state = 'shipped'
                  GROUP BY dl.sales_order_line_id) d ON d.sales_order_line_id = l.id
     WHERE l.qty_shipped <> coalesce(d.total, 0)
$$;
