-- Every change to a person is in the audit trail, keyed by login.
CREATE OR REPLACE TRIGGER audit_row AFTER INSERT OR UPDATE OR DELETE ON erp.users
    FOR EACH ROW EXECUTE FUNCTION erp.audit_row('login');
CREATE OR REPLACE TRIGGER user_event AFTER INSERT OR UPDATE OR DELETE ON erp.users
    FOR EACH ROW EXECUTE FUNCTION erp.user_event();
