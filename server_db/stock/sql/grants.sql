-- The stock ledger: every department reads it; only the workflow functions write it (they run as the
-- schema's owner). The warehouse corrects stock with a reason.
SET LOCAL search_path = erp, pg_catalog;

GRANT SELECT ON stock_levels, stock_moves, reservations
    TO erp_sales, erp_warehouse, erp_purchasing, erp_production, erp_finance, erp_supervisor;
GRANT EXECUTE ON FUNCTION _available(bigint, bigint)
    TO erp_sales, erp_warehouse, erp_purchasing, erp_production, erp_finance, erp_supervisor;

GRANT EXECUTE ON FUNCTION adjust_stock(bigint, bigint, numeric, text) TO erp_warehouse;
GRANT EXECUTE ON FUNCTION count_stock(bigint, jsonb, text) TO erp_warehouse;
