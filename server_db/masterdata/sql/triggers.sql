-- Master data: versions for the conflicting-edit check, events for the screens that list it, the audit trail.
CREATE OR REPLACE TRIGGER bump_version BEFORE UPDATE ON erp.customers
    FOR EACH ROW EXECUTE FUNCTION erp.bump_version();
CREATE OR REPLACE TRIGGER bump_version BEFORE UPDATE ON erp.suppliers
    FOR EACH ROW EXECUTE FUNCTION erp.bump_version();
CREATE OR REPLACE TRIGGER bump_version BEFORE UPDATE ON erp.products
    FOR EACH ROW EXECUTE FUNCTION erp.bump_version();

CREATE OR REPLACE TRIGGER document_events_on_insert AFTER INSERT ON erp.customers
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION erp.document_events('customer', 'code');
CREATE OR REPLACE TRIGGER document_events_on_update AFTER UPDATE ON erp.customers
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION erp.document_events('customer', 'code');
CREATE OR REPLACE TRIGGER document_events_on_delete AFTER DELETE ON erp.customers
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION erp.document_events('customer', 'code');
CREATE OR REPLACE TRIGGER document_events_on_insert AFTER INSERT ON erp.products
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION erp.document_events('product', 'sku');
CREATE OR REPLACE TRIGGER document_events_on_update AFTER UPDATE ON erp.products
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION erp.document_events('product', 'sku');
CREATE OR REPLACE TRIGGER document_events_on_delete AFTER DELETE ON erp.products
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION erp.document_events('product', 'sku');

CREATE OR REPLACE TRIGGER audit_row AFTER INSERT OR UPDATE OR DELETE ON erp.company
    FOR EACH ROW EXECUTE FUNCTION erp.audit_row();
CREATE OR REPLACE TRIGGER audit_rows_on_insert AFTER INSERT ON erp.customers
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION erp.audit_rows();
CREATE OR REPLACE TRIGGER audit_rows_on_update AFTER UPDATE ON erp.customers
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION erp.audit_rows();
CREATE OR REPLACE TRIGGER audit_rows_on_delete AFTER DELETE ON erp.customers
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION erp.audit_rows();
CREATE OR REPLACE TRIGGER audit_rows_on_insert AFTER INSERT ON erp.suppliers
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION erp.audit_rows();
CREATE OR REPLACE TRIGGER audit_rows_on_update AFTER UPDATE ON erp.suppliers
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION erp.audit_rows();
CREATE OR REPLACE TRIGGER audit_rows_on_delete AFTER DELETE ON erp.suppliers
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION erp.audit_rows();
CREATE OR REPLACE TRIGGER audit_rows_on_insert AFTER INSERT ON erp.warehouses
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION erp.audit_rows();
CREATE OR REPLACE TRIGGER audit_rows_on_update AFTER UPDATE ON erp.warehouses
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION erp.audit_rows();
CREATE OR REPLACE TRIGGER audit_rows_on_delete AFTER DELETE ON erp.warehouses
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION erp.audit_rows();
CREATE OR REPLACE TRIGGER audit_rows_on_insert AFTER INSERT ON erp.work_centres
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION erp.audit_rows();
CREATE OR REPLACE TRIGGER audit_rows_on_update AFTER UPDATE ON erp.work_centres
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION erp.audit_rows();
CREATE OR REPLACE TRIGGER audit_rows_on_delete AFTER DELETE ON erp.work_centres
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION erp.audit_rows();
CREATE OR REPLACE TRIGGER audit_rows_on_insert AFTER INSERT ON erp.products
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION erp.audit_rows();
CREATE OR REPLACE TRIGGER audit_rows_on_update AFTER UPDATE ON erp.products
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION erp.audit_rows();
CREATE OR REPLACE TRIGGER audit_rows_on_delete AFTER DELETE ON erp.products
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION erp.audit_rows();
CREATE OR REPLACE TRIGGER audit_rows_on_insert AFTER INSERT ON erp.bom_lines
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION erp.audit_rows();
CREATE OR REPLACE TRIGGER audit_rows_on_update AFTER UPDATE ON erp.bom_lines
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION erp.audit_rows();
CREATE OR REPLACE TRIGGER audit_rows_on_delete AFTER DELETE ON erp.bom_lines
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION erp.audit_rows();

-- Data standards (server_db/masterdata/rules.py): codes normalised, then the rules checked, row by row.
CREATE OR REPLACE TRIGGER data_standards BEFORE INSERT OR UPDATE ON erp.customers
    FOR EACH ROW EXECUTE FUNCTION erp.customers_standards();
CREATE OR REPLACE TRIGGER data_standards BEFORE INSERT OR UPDATE ON erp.suppliers
    FOR EACH ROW EXECUTE FUNCTION erp.suppliers_standards();
CREATE OR REPLACE TRIGGER data_standards BEFORE INSERT OR UPDATE ON erp.warehouses
    FOR EACH ROW EXECUTE FUNCTION erp.warehouses_standards();
CREATE OR REPLACE TRIGGER data_standards BEFORE INSERT OR UPDATE ON erp.work_centres
    FOR EACH ROW EXECUTE FUNCTION erp.work_centres_standards();
CREATE OR REPLACE TRIGGER data_standards BEFORE INSERT OR UPDATE ON erp.products
    FOR EACH ROW EXECUTE FUNCTION erp.products_standards();

-- Suppliers, warehouses and work centres are listed in windows too; units are audited like the rest.
CREATE OR REPLACE TRIGGER bump_version BEFORE UPDATE ON erp.warehouses
    FOR EACH ROW EXECUTE FUNCTION erp.bump_version();
CREATE OR REPLACE TRIGGER bump_version BEFORE UPDATE ON erp.work_centres
    FOR EACH ROW EXECUTE FUNCTION erp.bump_version();
CREATE OR REPLACE TRIGGER document_events_on_insert AFTER INSERT ON erp.suppliers
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION erp.document_events('supplier', 'code');
CREATE OR REPLACE TRIGGER document_events_on_update AFTER UPDATE ON erp.suppliers
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION erp.document_events('supplier', 'code');
CREATE OR REPLACE TRIGGER document_events_on_delete AFTER DELETE ON erp.suppliers
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION erp.document_events('supplier', 'code');
CREATE OR REPLACE TRIGGER document_events_on_insert AFTER INSERT ON erp.warehouses
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION erp.document_events('warehouse', 'code');
CREATE OR REPLACE TRIGGER document_events_on_update AFTER UPDATE ON erp.warehouses
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION erp.document_events('warehouse', 'code');
CREATE OR REPLACE TRIGGER document_events_on_delete AFTER DELETE ON erp.warehouses
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION erp.document_events('warehouse', 'code');
CREATE OR REPLACE TRIGGER document_events_on_insert AFTER INSERT ON erp.work_centres
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION erp.document_events('work_centre', 'code');
CREATE OR REPLACE TRIGGER document_events_on_update AFTER UPDATE ON erp.work_centres
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION erp.document_events('work_centre', 'code');
CREATE OR REPLACE TRIGGER document_events_on_delete AFTER DELETE ON erp.work_centres
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION erp.document_events('work_centre', 'code');
CREATE OR REPLACE TRIGGER audit_row AFTER INSERT OR UPDATE OR DELETE ON erp.units
    FOR EACH ROW EXECUTE FUNCTION erp.audit_row('code');
