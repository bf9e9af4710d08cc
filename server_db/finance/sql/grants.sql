-- Finance: invoices, posts, records payments, issues credit notes. (Credit limits and payment terms are
-- granted with the customers, in masterdata.)
SET LOCAL search_path = erp, pg_catalog;

GRANT SELECT ON invoices, invoice_lines, payments
    TO erp_sales, erp_warehouse, erp_purchasing, erp_production, erp_finance, erp_supervisor;

GRANT EXECUTE ON FUNCTION create_invoice(bigint), post_invoice(bigint), delete_draft_invoice(bigint),
    record_payment(bigint, numeric, date, text, text), create_credit_note(bigint, text, jsonb) TO erp_finance;
