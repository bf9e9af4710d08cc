-- Read models: what each department sees of an order, and the invariants tests check after every story.
SET search_path = erp, pg_catalog;

-- Per order line: ordered, reserved, to purchase, to produce, shipped, invoiced.
CREATE VIEW sales_order_line_figures AS
SELECT l.id AS line_id,
       l.order_id,
       l.line_no,
       l.product_id,
       l.quantity AS ordered,
       coalesce(r.quantity, 0) AS reserved,
       coalesce((SELECT sum(q.quantity) FROM purchase_requests q
                 WHERE q.sales_order_line_id = l.id AND q.state IN ('open', 'ordered')), 0) AS to_purchase,
       coalesce((SELECT sum(m.quantity) FROM production_orders m
                 WHERE m.sales_order_line_id = l.id AND m.state IN ('planned', 'released', 'in_progress')), 0)
           AS to_produce,
       l.qty_shipped AS shipped,
       l.qty_invoiced AS invoiced,
       l.quantity - l.qty_shipped AS backorder
  FROM sales_order_lines l
  LEFT JOIN reservations r ON r.sales_order_line_id = l.id;

-- Per order: money and progress, for lists and the board.
CREATE VIEW sales_order_summary AS
SELECT o.id,
       o.number,
       o.state,
       o.customer_id,
       c.code AS customer_code,
       c.name AS customer_name,
       o.order_date,
       o.requested_date,
       o.promised_date,
       o.estimated_ship_date,
       o.late,
       o.version,
       o.updated_at,
       t.net_total,
       t.gross_total,
       t.ordered_qty,
       t.shipped_qty,
       t.reserved_qty,
       coalesce(i.invoiced, 0) AS invoiced_total,
       coalesce(i.paid, 0) AS paid_total
  FROM sales_orders o
  JOIN customers c ON c.id = o.customer_id
  LEFT JOIN LATERAL (
       SELECT sum(erp.line_net(l.quantity, l.unit_price, l.discount_pct)) AS net_total,
              sum(erp.line_net(l.quantity, l.unit_price, l.discount_pct)
                  + erp.line_tax(erp.line_net(l.quantity, l.unit_price, l.discount_pct), l.tax_rate)) AS gross_total,
              sum(l.quantity) AS ordered_qty,
              sum(l.qty_shipped) AS shipped_qty,
              sum(coalesce(r.quantity, 0)) AS reserved_qty
         FROM sales_order_lines l LEFT JOIN reservations r ON r.sales_order_line_id = l.id
        WHERE l.order_id = o.id) t ON true
  LEFT JOIN LATERAL (
       SELECT sum(CASE WHEN kind = 'invoice' THEN gross_total ELSE -gross_total END) AS invoiced,
              sum(amount_paid) AS paid
         FROM invoices WHERE sales_order_id = o.id AND state IN ('posted', 'partially_paid', 'paid')) i ON true;

-- Everything that must always be true of the data. Empty result = healthy.
CREATE FUNCTION erp.check_invariants() RETURNS TABLE (rule text, detail text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = erp, pg_temp AS $$
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
    UNION ALL
    SELECT 'a line is reserved for at most what is left to ship',
           format('sales order line %s: reserved %s, left %s', l.id, r.quantity, l.quantity - l.qty_shipped)
      FROM reservations r JOIN sales_order_lines l ON l.id = r.sales_order_line_id
     WHERE r.quantity > l.quantity - l.qty_shipped
    UNION ALL
    SELECT 'only active orders hold stock', format('sales order %s is %s and holds %s', o.number, o.state, r.quantity)
      FROM reservations r JOIN sales_order_lines l ON l.id = r.sales_order_line_id JOIN sales_orders o ON o.id = l.order_id
     WHERE r.quantity <> 0 AND o.state NOT IN ('confirmed', 'in_fulfilment', 'ready', 'partially_shipped')
    UNION ALL
    SELECT 'only open production orders hold components',
           format('production order %s is %s and holds %s', m.number, m.state, r.quantity)
      FROM reservations r JOIN production_components c ON c.id = r.production_component_id
      JOIN production_orders m ON m.id = c.production_order_id
     WHERE r.quantity <> 0 AND (m.state NOT IN ('planned', 'released', 'in_progress')
                                OR r.quantity > c.quantity - c.qty_consumed)
    UNION ALL
    SELECT 'shipped equals the shipped delivery notes',
           format('sales order line %s: shipped %s, delivery notes %s', l.id, l.qty_shipped, coalesce(d.total, 0))
      FROM sales_order_lines l
      LEFT JOIN (SELECT dl.sales_order_line_id, sum(dl.quantity) AS total FROM delivery_note_lines dl
                   JOIN delivery_notes dn ON dn.id = dl.delivery_note_id WHERE dn.state = 'shipped'
                  GROUP BY dl.sales_order_line_id) d ON d.sales_order_line_id = l.id
     WHERE l.qty_shipped <> coalesce(d.total, 0)
    UNION ALL
    SELECT 'invoiced equals posted invoices less credit notes',
           format('sales order line %s: invoiced %s, documents %s', l.id, l.qty_invoiced, coalesce(i.total, 0))
      FROM sales_order_lines l
      LEFT JOIN (SELECT il.sales_order_line_id,
                        sum(CASE WHEN inv.kind = 'invoice' THEN il.quantity ELSE -il.quantity END) AS total
                   FROM invoice_lines il JOIN invoices inv ON inv.id = il.invoice_id
                  WHERE inv.state IN ('posted', 'partially_paid', 'paid')
                  GROUP BY il.sales_order_line_id) i ON i.sales_order_line_id = l.id
     WHERE l.qty_invoiced <> coalesce(i.total, 0)
    UNION ALL
    SELECT 'invoice totals equal their lines', format('invoice %s', coalesce(inv.number, inv.id::text))
      FROM invoices inv
      JOIN (SELECT invoice_id, sum(net_amount) AS net, sum(tax_amount) AS tax FROM invoice_lines
             GROUP BY invoice_id) t ON t.invoice_id = inv.id
     WHERE inv.state <> 'cancelled' AND (inv.net_total <> t.net OR inv.tax_total <> t.tax)
    UNION ALL
    SELECT 'amount paid equals the payments',
           format('invoice %s: paid %s, payments %s', inv.number, inv.amount_paid, coalesce(p.total, 0))
      FROM invoices inv
      LEFT JOIN (SELECT invoice_id, sum(amount) AS total FROM payments GROUP BY invoice_id) p ON p.invoice_id = inv.id
     WHERE inv.amount_paid <> coalesce(p.total, 0)
    UNION ALL
    SELECT 'invoice state follows its settlement', format('invoice %s is %s', inv.number, inv.state)
      FROM invoices inv
     WHERE inv.kind = 'invoice' AND inv.state IN ('posted', 'partially_paid', 'paid')
       AND inv.state <> CASE WHEN inv.amount_paid + inv.amount_credited >= inv.gross_total THEN 'paid'
                             WHEN inv.amount_paid > 0 THEN 'partially_paid' ELSE 'posted' END
    UNION ALL
    SELECT 'order state follows its documents',
           format('sales order %s is %s, documents say %s', o.number, o.state, erp.derive_sales_order_state(o.id))
      FROM sales_orders o
     WHERE o.state NOT IN ('draft', 'cancelled', 'closed') AND o.state <> erp.derive_sales_order_state(o.id)
    UNION ALL
    SELECT 'purchase requests on an order point at it', format('purchase request %s is %s', q.id, q.state)
      FROM purchase_requests q
     WHERE (q.state IN ('ordered', 'received')) <> (q.purchase_order_line_id IS NOT NULL)
    UNION ALL
    SELECT 'work-centre backlog equals its open production orders',
           format('work centre %s: backlog %s, open orders %s', w.id, coalesce(b.hours, 0), coalesce(m.hours, 0))
      FROM work_centres w
      LEFT JOIN (SELECT work_centre_id, sum(hours) AS hours FROM work_centre_backlog GROUP BY 1) b
             ON b.work_centre_id = w.id
      LEFT JOIN (SELECT work_centre_id, sum(remaining_hours) AS hours FROM production_orders
                  WHERE state IN ('planned', 'released', 'in_progress') GROUP BY 1) m ON m.work_centre_id = w.id
     WHERE coalesce(b.hours, 0) <> coalesce(m.hours, 0)
    UNION ALL
    SELECT 'invoice numbers have no gaps', format('%s %s: %s numbers for %s as the highest', kind, yr, n, mx)
      FROM (SELECT split_part(number, '-', 1) AS kind, split_part(number, '-', 2) AS yr, count(*) AS n,
                   max(split_part(number, '-', 3)::integer) AS mx
              FROM invoices WHERE number IS NOT NULL GROUP BY 1, 2) g
     WHERE n <> mx
$$;
