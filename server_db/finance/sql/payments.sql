CREATE OR REPLACE FUNCTION erp.record_payment(p_invoice_id bigint, p_amount numeric, p_paid_on date DEFAULT current_date,
                                   p_method text DEFAULT 'bank_transfer', p_reference text DEFAULT '')
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    i invoices%ROWTYPE;
    v_open numeric;
    v_payment bigint;
BEGIN
    i := erp._unpaid_invoice(p_invoice_id, '; payments are recorded against posted, unpaid invoices.');
    IF p_amount IS NULL OR p_amount <= 0 OR p_amount <> round(p_amount, 2) THEN
        PERFORM erp.fail('ER001', 'A payment is a positive amount with at most two decimals.');
    END IF;
    IF p_paid_on IS NULL OR p_paid_on > current_date THEN
        PERFORM erp.fail('ER001', 'A payment cannot be dated in the future.');
    END IF;
    v_open := i.gross_total - i.amount_paid - i.amount_credited;
    IF p_amount > v_open THEN
        PERFORM erp.fail('ER001', 'A payment of %s is more than the %s still open on invoice %s.',
                         erp.fmt_money(p_amount), erp.fmt_money(v_open), i.number);
    END IF;
    INSERT INTO payments (invoice_id, amount, paid_on, method, reference)
    VALUES (p_invoice_id, p_amount, p_paid_on, p_method, coalesce(p_reference, '')) RETURNING id INTO v_payment;
    UPDATE invoices
       SET amount_paid = amount_paid + p_amount,
           state = CASE WHEN p_amount = v_open THEN 'paid' ELSE 'partially_paid' END
     WHERE id = p_invoice_id;
    PERFORM erp.refresh_sales_order(i.sales_order_id);
    RETURN v_payment;
END $$;

-- The opening of a payment or a credit note: the invoice, locked after its sales order (the lock order of
-- every step), refused unless it is a posted invoice with a balance still open. `p_why` ends the refusal.
CREATE OR REPLACE FUNCTION erp._unpaid_invoice(p_invoice_id bigint, p_why text) RETURNS erp.invoices
LANGUAGE plpgsql SET search_path = erp, pg_temp AS $$
DECLARE
    i invoices%ROWTYPE;
BEGIN
    SELECT * INTO i FROM invoices WHERE id = p_invoice_id;
    PERFORM erp.require_found(FOUND, 'invoice', p_invoice_id);
    PERFORM 1 FROM sales_orders WHERE id = i.sales_order_id FOR UPDATE;
    SELECT * INTO i FROM invoices WHERE id = p_invoice_id FOR UPDATE;
    -- (a credit note is settled against the invoice it corrects: nothing more is recorded against it)
    PERFORM erp.require_state('invoice', coalesce(i.number, 'draft #' || i.id::text), i.state,
                              CASE WHEN i.kind = 'invoice' THEN erp.states('invoice', 'unpaid') ELSE '{}' END, p_why);
    RETURN i;
END $$;
