-- p_quantities maps invoice line id (as text) to the quantity credited; NULL credits the whole invoice.
CREATE OR REPLACE FUNCTION erp.create_credit_note(p_invoice_id bigint, p_reason text, p_quantities jsonb DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    i invoices%ROWTYPE;
    v_note bigint;
    v_open numeric;
    v_gross numeric;
    l record;
BEGIN
    i := erp._unpaid_invoice(p_invoice_id, '; only posted invoices with an open balance can be credited.');
    IF btrim(coalesce(p_reason, '')) = '' THEN
        PERFORM erp.fail('ER001', 'Say why invoice %s is credited; the reason is printed on the credit note.', i.number);
    END IF;
    IF p_quantities IS NOT NULL AND (jsonb_typeof(p_quantities) <> 'object' OR EXISTS (
            SELECT 1 FROM jsonb_each_text(p_quantities) k
            WHERE NOT EXISTS (SELECT 1 FROM invoice_lines il WHERE il.invoice_id = p_invoice_id AND il.id::text = k.key
                              AND k.value::numeric > 0 AND k.value::numeric <= il.quantity))) THEN
        PERFORM erp.fail('ER001', 'Credit only lines of invoice %s, each for at most its invoiced quantity.', i.number);
    END IF;
    INSERT INTO invoices (kind, sales_order_id, customer_id, credited_invoice_id, reason)
    VALUES ('credit_note', i.sales_order_id, i.customer_id, p_invoice_id, p_reason) RETURNING id INTO v_note;
    INSERT INTO invoice_lines (invoice_id, line_no, sales_order_line_id, product_id, description, quantity, unit,
                               unit_price, discount_pct, tax_rate, net_amount, tax_amount)
    SELECT v_note, row_number() OVER (ORDER BY il.line_no), il.sales_order_line_id, il.product_id, il.description,
           q.qty, il.unit, il.unit_price, il.discount_pct, il.tax_rate,
           CASE WHEN q.qty = il.quantity THEN il.net_amount ELSE erp.line_net(q.qty, il.unit_price, il.discount_pct) END,
           CASE WHEN q.qty = il.quantity THEN il.tax_amount
                ELSE erp.line_tax(erp.line_net(q.qty, il.unit_price, il.discount_pct), il.tax_rate) END
      FROM invoice_lines il
      CROSS JOIN LATERAL (SELECT CASE WHEN p_quantities IS NULL THEN il.quantity
                                      ELSE coalesce((p_quantities ->> il.id::text)::numeric, 0) END AS qty) q
     WHERE il.invoice_id = p_invoice_id AND q.qty > 0;
    IF NOT FOUND THEN
        PERFORM erp.fail('ER001', 'Choose at least one line of invoice %s to credit.', i.number);
    END IF;
    PERFORM erp._recompute_invoice_totals(v_note);
    SELECT gross_total INTO v_gross FROM invoices WHERE id = v_note;
    v_open := i.gross_total - i.amount_paid - i.amount_credited;
    IF v_gross > v_open THEN
        PERFORM erp.fail('ER001', 'Invoice %s has only %s unpaid; a credit note of %s cannot be applied to it.',
                         i.number, erp.fmt_money(v_open), erp.fmt_money(v_gross));
    END IF;
    FOR l IN SELECT sales_order_line_id, quantity FROM invoice_lines WHERE invoice_id = v_note LOOP
        UPDATE sales_order_lines SET qty_invoiced = qty_invoiced - l.quantity WHERE id = l.sales_order_line_id;
    END LOOP;
    UPDATE invoices SET state = 'posted', number = erp._next_gapless_number('CN'), invoice_date = current_date,
                        due_date = current_date, posted_at = now(), posted_by = session_user
     WHERE id = v_note;
    -- the credit note is settled against the invoice it corrects
    UPDATE invoices SET state = 'paid' WHERE id = v_note;
    UPDATE invoices
       SET amount_credited = amount_credited + v_gross,
           state = CASE WHEN amount_paid + amount_credited + v_gross >= gross_total THEN 'paid' ELSE state END
     WHERE id = p_invoice_id;
    PERFORM erp.refresh_sales_order(i.sales_order_id);
    RETURN v_note;
END $$;
