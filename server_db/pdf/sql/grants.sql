-- Printing: the warehouse prints delivery notes, finance prints invoices (record_print checks which).
SET LOCAL search_path = erp, pg_catalog;

GRANT EXECUTE ON FUNCTION record_print(text, bigint) TO erp_warehouse, erp_finance;
