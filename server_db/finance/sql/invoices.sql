-- Finance ------------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION erp._recompute_invoice_totals(p_invoice_id bigint) RETURNS void
LANGUAGE sql AS $$
    UPDATE erp.invoices i
       SET net_total = t.net, tax_total = t.tax, gross_total = t.net + t.tax
      FROM (SELECT coalesce(sum(net_amount), 0) AS net, coalesce(sum(tax_amount), 0) AS tax
              FROM erp.invoice_lines WHERE invoice_id = p_invoice_id) t
     WHERE i.id = p_invoice_id
$$;

-- A draft invoice for everything shipped and not yet invoiced (or already on another draft).
CREATE OR REPLACE FUNCTION erp.create_invoice(p_order_id bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    o sales_orders%ROWTYPE;
    v_invoice bigint;
BEGIN
    SELECT * INTO o FROM sales_orders WHERE id = p_order_id FOR UPDATE;
    PERFORM erp.require_found(FOUND, 'sales_order', p_order_id);
    PERFORM erp.require_state('sales_order', o.number, o.state, erp.states('sales_order', 'invoiceable'),
                              '; only shipped goods can be invoiced.');
    INSERT INTO invoices (sales_order_id, customer_id) VALUES (p_order_id, o.customer_id) RETURNING id INTO v_invoice;
    INSERT INTO invoice_lines (invoice_id, line_no, sales_order_line_id, product_id, description, quantity, unit,
                               unit_price, discount_pct, tax_rate, net_amount, tax_amount)
    SELECT v_invoice, row_number() OVER (ORDER BY x.line_no), x.id, x.product_id, x.description, x.qty, x.unit,
           x.unit_price, x.discount_pct, x.tax_rate, x.net, erp.line_tax(x.net, x.tax_rate)
      FROM (SELECT l.id, l.line_no, l.product_id, coalesce(nullif(l.description, ''), p.name) AS description, p.unit,
                   l.unit_price, l.discount_pct, l.tax_rate,
                   l.qty_shipped - l.qty_invoiced - coalesce(d.qty, 0) AS qty,
                   erp.line_net(l.qty_shipped - l.qty_invoiced - coalesce(d.qty, 0), l.unit_price, l.discount_pct) AS net
              FROM sales_order_lines l
              JOIN products p ON p.id = l.product_id
              LEFT JOIN (SELECT il.sales_order_line_id, sum(il.quantity) AS qty FROM invoice_lines il
                           JOIN invoices i ON i.id = il.invoice_id
                          WHERE i.state = 'draft' AND i.kind = 'invoice' AND i.sales_order_id = p_order_id
                          GROUP BY il.sales_order_line_id) d ON d.sales_order_line_id = l.id
             WHERE l.order_id = p_order_id) x
     WHERE x.qty > 0;
    IF NOT FOUND THEN
        PERFORM erp.fail('ER001', 'Nothing to invoice on sales order %s: every shipped quantity is already invoiced.',
                         o.number);
    END IF;
    PERFORM erp._recompute_invoice_totals(v_invoice);
    RETURN v_invoice;
END $$;

CREATE OR REPLACE FUNCTION erp.post_invoice(p_invoice_id bigint) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    i invoices%ROWTYPE;
    l record;
    v_terms integer;
    v_number text;
BEGIN
    SELECT * INTO i FROM invoices WHERE id = p_invoice_id;
    PERFORM erp.require_found(FOUND, 'invoice', p_invoice_id);
    PERFORM 1 FROM sales_orders WHERE id = i.sales_order_id FOR UPDATE;
    SELECT * INTO i FROM invoices WHERE id = p_invoice_id FOR UPDATE;
    PERFORM erp.require_state('invoice', coalesce(i.number, '#' || i.id::text), i.state, ARRAY['draft']);
    FOR l IN SELECT il.sales_order_line_id, il.quantity, sl.qty_shipped - sl.qty_invoiced AS open_qty, sl.line_no
               FROM invoice_lines il JOIN sales_order_lines sl ON sl.id = il.sales_order_line_id
              WHERE il.invoice_id = p_invoice_id ORDER BY sl.line_no
    LOOP
        IF l.quantity > l.open_qty THEN
            PERFORM erp.fail('ER001', 'Line %s is invoiced already; delete this draft and create a new invoice.',
                             l.line_no::text);
        END IF;
        UPDATE sales_order_lines SET qty_invoiced = qty_invoiced + l.quantity WHERE id = l.sales_order_line_id;
    END LOOP;
    SELECT payment_terms_days INTO v_terms FROM customers WHERE id = i.customer_id;
    v_number := erp._next_gapless_number('INV');
    PERFORM erp._recompute_invoice_totals(p_invoice_id);
    UPDATE invoices SET state = 'posted', number = v_number, invoice_date = current_date,
                        due_date = current_date + v_terms, posted_at = now(), posted_by = session_user
     WHERE id = p_invoice_id;
    -- a free-of-charge invoice is settled as soon as it is posted
    UPDATE invoices SET state = 'paid' WHERE id = p_invoice_id AND gross_total = 0;
    PERFORM erp.refresh_sales_order(i.sales_order_id);
    RETURN v_number;
END $$;

CREATE OR REPLACE FUNCTION erp.delete_draft_invoice(p_invoice_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    i invoices%ROWTYPE;
BEGIN
    SELECT * INTO i FROM invoices WHERE id = p_invoice_id FOR UPDATE;
    PERFORM erp.require_found(FOUND, 'invoice', p_invoice_id);
    IF i.state <> 'draft' THEN
        PERFORM erp.fail('ER001', 'Invoice %s is posted and cannot be deleted; issue a credit note instead.', i.number);
    END IF;
    UPDATE invoices SET state = 'cancelled' WHERE id = p_invoice_id;
END $$;

-- Posted invoices are immutable: corrections are credit notes. Only settlement and printing move on.
CREATE OR REPLACE FUNCTION erp.guard_invoice() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    settlement constant text[] := '{state,amount_paid,amount_credited,printed_at,printed_by,print_count,version,state_changed_at,state_changed_by}';
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.state <> 'draft' THEN
            PERFORM erp.fail('ER001', 'Invoice %s is posted and cannot be deleted; issue a credit note instead.',
                             OLD.number);
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.state NOT IN ('draft') AND (to_jsonb(NEW) - settlement) <> (to_jsonb(OLD) - settlement) THEN
        PERFORM erp.fail('ER001', 'Invoice %s is posted and cannot be changed; issue a credit note instead.',
                         OLD.number);
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION erp.guard_invoice_line() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    inv record;
BEGIN
    SELECT number, state INTO inv FROM erp.invoices
    WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.invoice_id ELSE NEW.invoice_id END;
    IF inv.state IS NOT NULL AND inv.state <> 'draft' THEN
        PERFORM erp.fail('ER001', 'Invoice %s is posted and cannot be changed; issue a credit note instead.',
                         inv.number);
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
