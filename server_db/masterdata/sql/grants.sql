-- Master data: every department reads it. Sales keeps customers' contact details and finance their credit
-- terms; purchasing keeps suppliers; the admin keeps everything, products and bills of materials included.
SET LOCAL search_path = erp, pg_catalog;

GRANT SELECT ON company, customers, suppliers, warehouses, work_centres, products, bom_lines
    TO erp_sales, erp_warehouse, erp_purchasing, erp_production, erp_finance, erp_supervisor;
GRANT EXECUTE ON FUNCTION is_valid_uscc(text)
    TO erp_sales, erp_warehouse, erp_purchasing, erp_production, erp_finance, erp_supervisor;

GRANT INSERT (code, name, address, delivery_address, contact, phone, email, tax_id, active),
      UPDATE (name, address, delivery_address, contact, phone, email, tax_id, active)
    ON customers TO erp_sales;
GRANT UPDATE (credit_limit, payment_terms_days) ON customers TO erp_finance;
GRANT INSERT (code, name, address, contact, phone, email, tax_id, lead_time_days, active),
      UPDATE (name, address, contact, phone, email, tax_id, lead_time_days, active)
    ON suppliers TO erp_purchasing;

GRANT INSERT, UPDATE ON company, customers, suppliers, warehouses, work_centres, products TO erp_admin;
GRANT INSERT, UPDATE, DELETE ON bom_lines TO erp_admin;
