-- Production orders: legal states, versions, the work-centre backlog, events, the audit trail.
CREATE OR REPLACE TRIGGER enforce_state_transition BEFORE INSERT OR UPDATE OF state ON erp.production_orders
    FOR EACH ROW EXECUTE FUNCTION erp.enforce_state_transition('production_order');
CREATE OR REPLACE TRIGGER bump_version BEFORE UPDATE ON erp.production_orders
    FOR EACH ROW EXECUTE FUNCTION erp.bump_version();
CREATE OR REPLACE TRIGGER count_backlog AFTER INSERT OR UPDATE OF state, remaining_hours OR DELETE ON erp.production_orders
    FOR EACH ROW EXECUTE FUNCTION erp.count_backlog();

CREATE OR REPLACE TRIGGER document_event AFTER INSERT OR UPDATE ON erp.production_orders
    FOR EACH ROW EXECUTE FUNCTION erp.document_event('production_order', 'work_centre_id,progress_pct,late,planned_end');

-- production_schedule is derived (written by the scheduler) and not audited
CREATE OR REPLACE TRIGGER audit_row AFTER INSERT OR UPDATE OR DELETE ON erp.production_orders
    FOR EACH ROW EXECUTE FUNCTION erp.audit_row();
CREATE OR REPLACE TRIGGER audit_row AFTER INSERT OR UPDATE OR DELETE ON erp.production_components
    FOR EACH ROW EXECUTE FUNCTION erp.audit_row();
