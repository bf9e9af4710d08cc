-- Imports: every department may call them; each checks the person's duty for what the file writes (the
-- master data matrix of masterdata/sql/edit.sql, the right to change bills of materials or to count stock)
-- and refuses with a sentence naming who keeps it.
SET LOCAL search_path = erp, pg_catalog;

GRANT EXECUTE ON FUNCTION import_master_data(text, text[]), import_prices(text[]), import_bom(),
    import_opening_stock(text)
    TO erp_sales, erp_warehouse, erp_purchasing, erp_production, erp_finance, erp_supervisor;
