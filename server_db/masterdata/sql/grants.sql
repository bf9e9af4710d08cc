-- Master data: every department reads it. It is written only through the functions of edit.sql, which
-- hold who keeps which column (sales customers' contact details, finance their credit terms, purchasing the
-- suppliers, the admin everything): no department writes these tables directly, so none can lock their rows
-- against the foreign-key checks of every new document. Bills of materials change only through
-- erp.set_bill_of_materials, which refuses cycles.
SET LOCAL search_path = erp, pg_catalog;

GRANT SELECT ON company, customers, suppliers, warehouses, work_centres, products, bom_lines
    TO erp_sales, erp_warehouse, erp_purchasing, erp_production, erp_finance, erp_supervisor;
GRANT EXECUTE ON FUNCTION is_valid_uscc(text), master_data_duties()
    TO erp_sales, erp_warehouse, erp_purchasing, erp_production, erp_finance, erp_supervisor;

GRANT EXECUTE ON FUNCTION save_customer(bigint, integer, jsonb) TO erp_sales, erp_finance;
GRANT EXECUTE ON FUNCTION save_supplier(bigint, integer, jsonb) TO erp_purchasing;
GRANT EXECUTE ON FUNCTION save_product(bigint, integer, jsonb), save_warehouse(bigint, jsonb),
    save_work_centre(bigint, jsonb), save_company(jsonb), set_bill_of_materials(bigint, jsonb) TO erp_admin;
