CREATE OR REPLACE FUNCTION erp.line_net(quantity numeric, unit_price numeric, discount_pct numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT round(quantity * unit_price * (100 - discount_pct) / 100, 2)
$$;

CREATE OR REPLACE FUNCTION erp.line_tax(net numeric, tax_rate numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT round(net * tax_rate, 2)
$$;

CREATE OR REPLACE FUNCTION erp.order_gross(p_order_id bigint) RETURNS numeric
LANGUAGE sql STABLE AS $$
    SELECT coalesce(sum(n.net + erp.line_tax(n.net, n.tax_rate)), 0)
    FROM (SELECT erp.line_net(quantity, unit_price, discount_pct) AS net, tax_rate
          FROM erp.sales_order_lines WHERE order_id = p_order_id) n
$$;

-- What a customer owes plus what it has ordered and not yet been invoiced for.
CREATE OR REPLACE FUNCTION erp.customer_exposure(p_customer_id bigint, p_excluding_order_id bigint DEFAULT NULL) RETURNS numeric
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = erp, pg_temp AS $$
    SELECT coalesce((SELECT sum(gross_total - amount_paid - amount_credited) FROM invoices
                     WHERE customer_id = p_customer_id AND kind = 'invoice'
                       AND state = ANY (erp.states('invoice', 'unpaid'))), 0)
         + coalesce((SELECT sum(round(erp.line_net(l.quantity - l.qty_invoiced, l.unit_price, l.discount_pct)
                                      * (1 + l.tax_rate), 2))
                     FROM sales_orders o JOIN sales_order_lines l ON l.order_id = o.id
                     WHERE o.customer_id = p_customer_id
                       AND o.state = ANY (erp.states('sales_order', 'exposed'))
                       AND o.id IS DISTINCT FROM p_excluding_order_id), 0)
$$;
