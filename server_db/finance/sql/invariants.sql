-- What must always be true of invoices and payments (gathered by erp.check_invariants()).
CREATE OR REPLACE FUNCTION erp.invariants_finance() RETURNS TABLE (rule text, detail text)
LANGUAGE sql STABLE SET search_path = erp, pg_temp AS $$
    SELECT 'invoiced equals posted invoices less credit notes',
           format('sales order line %s: invoiced %s, documents %s', l.id, l.qty_invoiced, coalesce(i.total, 0))
      FROM sales_order_lines l
      LEFT JOIN (SELECT il.sales_order_line_id,
                        sum(CASE WHEN inv.kind = 'invoice' THEN il.quantity ELSE -il.quantity END) AS total
                   FROM invoice_lines il JOIN invoices inv ON inv.id = il.invoice_id
                  WHERE inv.state = ANY (erp.states('invoice', 'posted'))
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
     WHERE inv.kind = 'invoice' AND inv.state = ANY (erp.states('invoice', 'posted'))
       AND inv.state <> CASE WHEN inv.amount_paid + inv.amount_credited >= inv.gross_total THEN 'paid'
                             WHEN inv.amount_paid > 0 THEN 'partially_paid' ELSE 'posted' END
    UNION ALL
    SELECT 'invoice numbers have no gaps', format('%s %s: %s numbers for %s as the highest', kind, yr, n, mx)
      FROM (SELECT split_part(number, '-', 1) AS kind, split_part(number, '-', 2) AS yr, count(*) AS n,
                   max(split_part(number, '-', 3)::integer) AS mx
              FROM invoices WHERE number IS NOT NULL GROUP BY 1, 2) g
     WHERE n <> mx
$$;
