-- Master data: every department reads it. It is written only through the functions of edit.sql, which
-- hold who keeps which column (sales customers' contact details, finance their credit terms, purchasing the
-- suppliers, the admin everything): no department writes these tables directly, so none can lock their rows
-- against the foreign-key checks of every new document. Bills of materials change only through
-- erp.set_bill_of_materials, which refuses cycles. The data standards (standards.sql, duplicates.sql) are
-- open to every department: the import and the forms check with the same functions as the triggers.
SET LOCAL search_path = erp, pg_catalog;

GRANT SELECT ON company, customers, suppliers, warehouses, work_centres, products, bom_lines, units
    TO erp_sales, erp_warehouse, erp_purchasing, erp_production, erp_finance, erp_supervisor;
GRANT EXECUTE ON FUNCTION is_valid_uscc(text), master_data_duties(), normalise_code(text), normalise_unit(text),
    is_valid_phone(text), is_valid_email(text), data_rules(), name_key(text), phone_key(text),
    likely_duplicates(text, bigint, text, text, text)
    TO erp_sales, erp_warehouse, erp_purchasing, erp_production, erp_finance, erp_supervisor;

GRANT EXECUTE ON FUNCTION save_customer(bigint, integer, jsonb, boolean) TO erp_sales, erp_finance;
GRANT EXECUTE ON FUNCTION save_supplier(bigint, integer, jsonb, boolean) TO erp_purchasing;
GRANT EXECUTE ON FUNCTION delete_master_record(text, bigint) TO erp_sales, erp_purchasing;
GRANT EXECUTE ON FUNCTION save_product(bigint, integer, jsonb), save_warehouse(bigint, integer, jsonb),
    save_work_centre(bigint, integer, jsonb), save_company(jsonb), set_bill_of_materials(bigint, jsonb),
    save_unit(text, jsonb) TO erp_admin;
GRANT EXECUTE ON FUNCTION data_quality() TO erp_supervisor, erp_admin;
