-- What must always be true of the stock ledger (gathered by erp.check_invariants()).
CREATE OR REPLACE FUNCTION erp.invariants_stock() RETURNS TABLE (rule text, detail text)
LANGUAGE sql STABLE SET search_path = erp, pg_temp AS $$
    SELECT 'on hand equals the sum of stock moves',
           format('product %s warehouse %s: on hand %s, moves %s', s.product_id, s.warehouse_id, s.on_hand,
                  coalesce(m.total, 0))
      FROM stock_levels s
      LEFT JOIN (SELECT product_id, warehouse_id, sum(quantity) AS total FROM stock_moves
                  GROUP BY product_id, warehouse_id) m USING (product_id, warehouse_id)
     WHERE s.on_hand <> coalesce(m.total, 0)
    UNION ALL
    SELECT 'reserved equals the open reservations',
           format('product %s warehouse %s: reserved %s, reservations %s', s.product_id, s.warehouse_id, s.reserved,
                  coalesce(r.total, 0))
      FROM stock_levels s
      LEFT JOIN (SELECT product_id, warehouse_id, sum(quantity) AS total FROM reservations
                  GROUP BY product_id, warehouse_id) r USING (product_id, warehouse_id)
     WHERE s.reserved <> coalesce(r.total, 0)
    UNION ALL
    SELECT 'reserved stays within on hand', format('product %s warehouse %s', product_id, warehouse_id)
      FROM stock_levels WHERE reserved < 0 OR reserved > on_hand
$$;
