-- Purchasing: turns requests into purchase orders, sends and cancels them, changes their expected date and
-- notes, all through functions. The warehouse receives the goods. Nobody writes these tables directly.
SET LOCAL search_path = erp, pg_catalog;

GRANT SELECT ON purchase_requests, purchase_orders, purchase_order_lines
    TO erp_sales, erp_warehouse, erp_purchasing, erp_production, erp_finance, erp_supervisor;
GRANT EXECUTE ON FUNCTION buy_lead_time(bigint)
    TO erp_sales, erp_warehouse, erp_purchasing, erp_production, erp_finance, erp_supervisor;

GRANT EXECUTE ON FUNCTION create_purchase_orders(bigint[]), send_purchase_order(bigint),
    cancel_purchase_order(bigint), update_purchase_order(bigint, date, text) TO erp_purchasing;

GRANT EXECUTE ON FUNCTION receive_purchase_order(bigint, jsonb) TO erp_warehouse;
