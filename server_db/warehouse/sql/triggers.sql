-- Delivery notes: legal states, versions, events, the audit trail.
CREATE OR REPLACE TRIGGER enforce_state_transition BEFORE INSERT OR UPDATE OF state ON erp.delivery_notes
    FOR EACH ROW EXECUTE FUNCTION erp.enforce_state_transition('delivery_note');
CREATE OR REPLACE TRIGGER bump_version BEFORE UPDATE ON erp.delivery_notes
    FOR EACH ROW EXECUTE FUNCTION erp.bump_version();

CREATE OR REPLACE TRIGGER document_event AFTER INSERT OR UPDATE ON erp.delivery_notes
    FOR EACH ROW EXECUTE FUNCTION erp.document_event('delivery_note', 'print_count');

CREATE OR REPLACE TRIGGER audit_row AFTER INSERT OR UPDATE OR DELETE ON erp.delivery_notes
    FOR EACH ROW EXECUTE FUNCTION erp.audit_row();
CREATE OR REPLACE TRIGGER audit_row AFTER INSERT OR UPDATE OR DELETE ON erp.delivery_note_lines
    FOR EACH ROW EXECUTE FUNCTION erp.audit_row();
