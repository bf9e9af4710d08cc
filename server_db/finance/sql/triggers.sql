-- Invoices, credit notes and payments: legal states, versions, immutability once posted, events, the audit
-- trail.
CREATE OR REPLACE TRIGGER enforce_state_transition BEFORE INSERT OR UPDATE OF state ON erp.invoices
    FOR EACH ROW EXECUTE FUNCTION erp.enforce_state_transition('invoice');
CREATE OR REPLACE TRIGGER bump_version BEFORE UPDATE ON erp.invoices
    FOR EACH ROW EXECUTE FUNCTION erp.bump_version();
CREATE OR REPLACE TRIGGER guard_invoice BEFORE UPDATE OR DELETE ON erp.invoices
    FOR EACH ROW EXECUTE FUNCTION erp.guard_invoice();
CREATE OR REPLACE TRIGGER guard_invoice_line BEFORE INSERT OR UPDATE OR DELETE ON erp.invoice_lines
    FOR EACH ROW EXECUTE FUNCTION erp.guard_invoice_line();
CREATE OR REPLACE TRIGGER refuse_change BEFORE UPDATE OR DELETE ON erp.payments
    FOR EACH ROW EXECUTE FUNCTION erp.refuse_change('Payments cannot be changed or deleted; record a correcting entry instead.');

CREATE OR REPLACE TRIGGER document_event AFTER INSERT OR UPDATE OR DELETE ON erp.invoices
    FOR EACH ROW EXECUTE FUNCTION erp.document_event('invoice', 'kind,gross_total,amount_paid,amount_credited');

CREATE OR REPLACE TRIGGER audit_row AFTER INSERT OR UPDATE OR DELETE ON erp.invoices
    FOR EACH ROW EXECUTE FUNCTION erp.audit_row();
CREATE OR REPLACE TRIGGER audit_row AFTER INSERT OR UPDATE OR DELETE ON erp.invoice_lines
    FOR EACH ROW EXECUTE FUNCTION erp.audit_row();
CREATE OR REPLACE TRIGGER audit_row AFTER INSERT OR UPDATE OR DELETE ON erp.payments
    FOR EACH ROW EXECUTE FUNCTION erp.audit_row();
