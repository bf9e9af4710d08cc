-- Purchase requests and purchase orders: legal states, versions, events, the audit trail.
CREATE OR REPLACE TRIGGER enforce_state_transition BEFORE INSERT OR UPDATE OF state ON erp.purchase_requests
    FOR EACH ROW EXECUTE FUNCTION erp.enforce_state_transition('purchase_request');
CREATE OR REPLACE TRIGGER enforce_state_transition BEFORE INSERT OR UPDATE OF state ON erp.purchase_orders
    FOR EACH ROW EXECUTE FUNCTION erp.enforce_state_transition('purchase_order');
CREATE OR REPLACE TRIGGER bump_version BEFORE UPDATE ON erp.purchase_requests
    FOR EACH ROW EXECUTE FUNCTION erp.bump_version();
CREATE OR REPLACE TRIGGER bump_version BEFORE UPDATE ON erp.purchase_orders
    FOR EACH ROW EXECUTE FUNCTION erp.bump_version();

CREATE OR REPLACE TRIGGER document_event AFTER INSERT OR UPDATE ON erp.purchase_requests
    FOR EACH ROW EXECUTE FUNCTION erp.document_event('purchase_request', 'product_id,supplier_id,quantity');
CREATE OR REPLACE TRIGGER document_event AFTER INSERT OR UPDATE ON erp.purchase_orders
    FOR EACH ROW EXECUTE FUNCTION erp.document_event('purchase_order', 'supplier_id,expected_date');

CREATE OR REPLACE TRIGGER audit_row AFTER INSERT OR UPDATE OR DELETE ON erp.purchase_requests
    FOR EACH ROW EXECUTE FUNCTION erp.audit_row();
CREATE OR REPLACE TRIGGER audit_row AFTER INSERT OR UPDATE OR DELETE ON erp.purchase_orders
    FOR EACH ROW EXECUTE FUNCTION erp.audit_row();
CREATE OR REPLACE TRIGGER audit_row AFTER INSERT OR UPDATE OR DELETE ON erp.purchase_order_lines
    FOR EACH ROW EXECUTE FUNCTION erp.audit_row();
