-- Master data: versions for the conflicting-edit check, events for the screens that list it, the audit trail.
CREATE OR REPLACE TRIGGER bump_version BEFORE UPDATE ON erp.customers
    FOR EACH ROW EXECUTE FUNCTION erp.bump_version();
CREATE OR REPLACE TRIGGER bump_version BEFORE UPDATE ON erp.suppliers
    FOR EACH ROW EXECUTE FUNCTION erp.bump_version();
CREATE OR REPLACE TRIGGER bump_version BEFORE UPDATE ON erp.products
    FOR EACH ROW EXECUTE FUNCTION erp.bump_version();

CREATE OR REPLACE TRIGGER document_event AFTER INSERT OR UPDATE ON erp.customers
    FOR EACH ROW EXECUTE FUNCTION erp.document_event('customer', 'code');
CREATE OR REPLACE TRIGGER document_event AFTER INSERT OR UPDATE ON erp.products
    FOR EACH ROW EXECUTE FUNCTION erp.document_event('product', 'sku');

CREATE OR REPLACE TRIGGER audit_row AFTER INSERT OR UPDATE OR DELETE ON erp.company
    FOR EACH ROW EXECUTE FUNCTION erp.audit_row();
CREATE OR REPLACE TRIGGER audit_row AFTER INSERT OR UPDATE OR DELETE ON erp.customers
    FOR EACH ROW EXECUTE FUNCTION erp.audit_row();
CREATE OR REPLACE TRIGGER audit_row AFTER INSERT OR UPDATE OR DELETE ON erp.suppliers
    FOR EACH ROW EXECUTE FUNCTION erp.audit_row();
CREATE OR REPLACE TRIGGER audit_row AFTER INSERT OR UPDATE OR DELETE ON erp.warehouses
    FOR EACH ROW EXECUTE FUNCTION erp.audit_row();
CREATE OR REPLACE TRIGGER audit_row AFTER INSERT OR UPDATE OR DELETE ON erp.work_centres
    FOR EACH ROW EXECUTE FUNCTION erp.audit_row();
CREATE OR REPLACE TRIGGER audit_row AFTER INSERT OR UPDATE OR DELETE ON erp.products
    FOR EACH ROW EXECUTE FUNCTION erp.audit_row();
CREATE OR REPLACE TRIGGER audit_row AFTER INSERT OR UPDATE OR DELETE ON erp.bom_lines
    FOR EACH ROW EXECUTE FUNCTION erp.audit_row();
