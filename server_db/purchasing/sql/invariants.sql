-- What must always be true of purchase requests (gathered by erp.check_invariants()).
CREATE OR REPLACE FUNCTION erp.invariants_purchasing() RETURNS TABLE (rule text, detail text)
LANGUAGE sql STABLE SET search_path = erp, pg_temp AS $$
    SELECT 'purchase requests on an order point at it', format('purchase request %s is %s', q.id, q.state)
      FROM purchase_requests q
     WHERE (q.state IN ('ordered', 'received')) <> (q.purchase_order_line_id IS NOT NULL)
$$;
