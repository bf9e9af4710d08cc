-- Sales: enters, edits and deletes drafts, confirms and cancels orders, all through functions: no department
-- writes the order tables directly (so no clerk can move a state, a promised date or a shipped quantity by
-- hand, nor lock the orders against everyone else). Not prices of products, not stock, not invoices.
SET LOCAL search_path = erp, pg_catalog;

GRANT SELECT ON sales_orders, sales_order_lines, sales_order_line_figures, sales_order_summary
    TO erp_sales, erp_warehouse, erp_purchasing, erp_production, erp_finance, erp_supervisor;
GRANT EXECUTE ON FUNCTION line_net(numeric, numeric, numeric), line_tax(numeric, numeric), order_gross(bigint),
    customer_exposure(bigint, bigint), _estimate_ship_date(bigint), derive_sales_order_state(bigint),
    order_entry_availability(bigint[], numeric[], numeric[], numeric[], boolean[], bigint)
    TO erp_sales, erp_warehouse, erp_purchasing, erp_production, erp_finance, erp_supervisor;

GRANT EXECUTE ON FUNCTION enter_sales_order(jsonb, jsonb), update_sales_order_draft(bigint, integer, jsonb, jsonb),
    delete_sales_order_draft(bigint, integer), confirm_sales_order(bigint, integer), cancel_sales_order(bigint, text)
    TO erp_sales;
