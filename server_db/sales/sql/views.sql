-- Per order line: ordered, reserved, to purchase, to produce, shipped, invoiced.
CREATE OR REPLACE VIEW erp.sales_order_line_figures AS
SELECT l.id AS line_id,
       l.order_id,
       l.line_no,
       l.product_id,
       l.quantity AS ordered,
       coalesce(r.quantity, 0) AS reserved,
       coalesce((SELECT sum(q.quantity) FROM purchase_requests q
                 WHERE q.sales_order_line_id = l.id AND q.state = ANY (erp.states('purchase_request', 'pending'))), 0) AS to_purchase,
       coalesce((SELECT sum(m.quantity) FROM production_orders m
                 WHERE m.sales_order_line_id = l.id AND m.state = ANY (erp.states('production_order', 'open'))), 0)
           AS to_produce,
       l.qty_shipped AS shipped,
       l.qty_invoiced AS invoiced,
       l.quantity - l.qty_shipped AS backorder
  FROM sales_order_lines l
  LEFT JOIN reservations r ON r.sales_order_line_id = l.id;

-- Per order: money and progress, for lists and the board.
CREATE OR REPLACE VIEW erp.sales_order_summary AS
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
         FROM invoices WHERE sales_order_id = o.id AND state = ANY (erp.states('invoice', 'posted'))) i ON true;
