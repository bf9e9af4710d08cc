-- The warehouse: picks, ships, cancels delivery notes. (Receiving, stock adjustments and printing are
-- granted with purchase orders, the stock ledger and print records.)
SET LOCAL search_path = erp, pg_catalog;

GRANT SELECT ON delivery_notes, delivery_note_lines
    TO erp_sales, erp_warehouse, erp_purchasing, erp_production, erp_finance, erp_supervisor;

GRANT EXECUTE ON FUNCTION pick_sales_order(bigint, jsonb), ship_delivery_note(bigint), cancel_delivery_note(bigint)
    TO erp_warehouse;
