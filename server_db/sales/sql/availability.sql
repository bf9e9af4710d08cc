-- Order entry's preview: for the lines being typed (product, quantity, price as entered or NULL for the
-- list price, discount %, whether price and discount could be read), the stock picture, the money and the
-- date each line could ship. Lines of the same product draw on the same free stock, in order. A bought
-- line ships today from free stock, else when goods already on order cover it, else after the purchase
-- lead time; a made line after what its work centre has open (the scheduler's estimate, erp._planned_end).
-- PL/pgSQL so that a clerk's connection plans the query once, not at every keystroke.
CREATE OR REPLACE FUNCTION erp.order_entry_availability(
    p_products bigint[], p_quantities numeric[], p_prices numeric[], p_discounts numeric[], p_priced boolean[],
    p_warehouse_id bigint DEFAULT NULL)
RETURNS TABLE (n bigint, product_id bigint, quantity numeric, on_hand numeric, reserved numeric,
               incoming numeric, next_receipt date, unit_price numeric, net numeric, tax numeric, ship_date date)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH wanted AS (
        SELECT w.n, w.product_id, w.quantity, w.unit_price, w.discount_pct, w.priced
          FROM unnest(p_products, p_quantities, p_prices, p_discounts, p_priced)
               WITH ORDINALITY AS w(product_id, quantity, unit_price, discount_pct, priced, n)
    ), product AS MATERIALIZED (  -- once per product, however many lines name it
        SELECT p.id AS product_id, p.procurement, p.hours_per_unit, p.price AS list_price, p.tax_rate,
               CASE WHEN p.procurement = 'buy' THEN erp.buy_lead_time(p.id) ELSE p.lead_time_days END AS lead_time,
               coalesce(s.on_hand, 0) AS on_hand, coalesce(s.reserved, 0) AS reserved,
               coalesce(i.incoming, 0) AS incoming, i.next_receipt, wc.daily_capacity_hours,
               coalesce(b.backlog, 0) AS backlog
          FROM erp.products p
          JOIN erp.warehouses wh ON wh.id = coalesce(p_warehouse_id, (SELECT min(id) FROM erp.warehouses))
          LEFT JOIN erp.stock_levels s ON s.product_id = p.id AND s.warehouse_id = wh.id
          LEFT JOIN erp.work_centres wc ON wc.id = p.work_centre_id
          LEFT JOIN LATERAL (
               SELECT sum(pol.quantity - pol.qty_received) AS incoming, min(po.expected_date) AS next_receipt
                 FROM erp.purchase_order_lines pol JOIN erp.purchase_orders po ON po.id = pol.order_id
                WHERE pol.product_id = p.id AND po.warehouse_id = wh.id
                  AND po.state = ANY (erp.states('purchase_order', 'incoming'))) i ON true
          LEFT JOIN LATERAL (  -- the open hours of the work centre, kept by the database as they change
               SELECT sum(wb.hours) AS backlog FROM erp.work_centre_backlog wb
                WHERE wb.work_centre_id = p.work_centre_id
               ) b ON p.procurement = 'make'
         WHERE p.id IN (SELECT product_id FROM wanted)
    ), line AS (
        SELECT w.n, w.quantity, r.*, coalesce(w.unit_price, r.list_price) AS entered_price,
               CASE WHEN w.priced
                    THEN erp.line_net(w.quantity, coalesce(w.unit_price, r.list_price), w.discount_pct)
               END AS net,
               greatest(r.on_hand - r.reserved - coalesce(sum(w.quantity) OVER (
                   PARTITION BY w.product_id ORDER BY w.n ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0),
                   0) AS free
          FROM wanted w JOIN product r ON r.product_id = w.product_id
    )
    SELECT x.n, x.product_id, x.quantity, x.on_hand, x.reserved, x.incoming, x.next_receipt, x.entered_price,
           x.net, erp.line_tax(x.net, x.tax_rate),
           CASE WHEN x.free >= x.quantity THEN current_date
                WHEN x.procurement = 'buy' THEN
                     CASE WHEN x.next_receipt IS NOT NULL AND x.incoming >= x.quantity - x.free
                          THEN greatest(current_date, x.next_receipt) ELSE current_date + x.lead_time END
                ELSE greatest(erp._planned_end(current_date, (x.quantity - x.free) * x.hours_per_unit, x.backlog,
                                               coalesce(x.daily_capacity_hours, 8)),
                              current_date + x.lead_time)
           END
      FROM line x
     ORDER BY x.n;
END $$;
