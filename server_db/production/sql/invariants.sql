-- What must always be true of production (gathered by erp.check_invariants()).
CREATE OR REPLACE FUNCTION erp.invariants_production() RETURNS TABLE (rule text, detail text)
LANGUAGE sql STABLE SET search_path = erp, pg_temp AS $$
    SELECT 'only open production orders hold components',
           format('production order %s is %s and holds %s', m.number, m.state, r.quantity)
      FROM reservations r JOIN production_components c ON c.id = r.production_component_id
      JOIN production_orders m ON m.id = c.production_order_id
     WHERE r.quantity <> 0 AND (NOT m.state = ANY (erp.states('production_order', 'open'))
                                OR r.quantity > c.quantity - c.qty_consumed)
    UNION ALL
    SELECT 'work-centre backlog equals its open production orders',
           format('work centre %s: backlog %s, open orders %s', w.id, coalesce(b.hours, 0), coalesce(m.hours, 0))
      FROM work_centres w
      LEFT JOIN (SELECT work_centre_id, sum(hours) AS hours FROM work_centre_backlog GROUP BY 1) b
             ON b.work_centre_id = w.id
      LEFT JOIN (SELECT work_centre_id, sum(remaining_hours) AS hours FROM production_orders
                  WHERE state = ANY (erp.states('production_order', 'open')) GROUP BY 1) m ON m.work_centre_id = w.id
     WHERE coalesce(b.hours, 0) <> coalesce(m.hours, 0)
$$;
