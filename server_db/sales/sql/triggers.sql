-- Sales orders and their lines: legal states, versions, the rules of a draft, events, the audit trail.
CREATE OR REPLACE TRIGGER enforce_state_transition BEFORE INSERT OR UPDATE OF state ON erp.sales_orders
    FOR EACH ROW EXECUTE FUNCTION erp.enforce_state_transition('sales_order');
CREATE OR REPLACE TRIGGER bump_version BEFORE UPDATE ON erp.sales_orders
    FOR EACH ROW EXECUTE FUNCTION erp.bump_version();
CREATE OR REPLACE TRIGGER guard_sales_order BEFORE INSERT OR UPDATE OR DELETE ON erp.sales_orders
    FOR EACH ROW EXECUTE FUNCTION erp.guard_sales_order();
CREATE OR REPLACE TRIGGER guard_sales_order_line BEFORE INSERT OR UPDATE OR DELETE ON erp.sales_order_lines
    FOR EACH ROW EXECUTE FUNCTION erp.guard_sales_order_line();
-- named so that it fires after guard_sales_order_line (triggers fire in name order)
CREATE OR REPLACE TRIGGER validate_price BEFORE INSERT OR UPDATE OF product_id, unit_price, discount_pct, below_cost_reason
    ON erp.sales_order_lines FOR EACH ROW EXECUTE FUNCTION erp.check_sales_order_line_price();

CREATE OR REPLACE TRIGGER document_event AFTER INSERT OR UPDATE OR DELETE ON erp.sales_orders
    FOR EACH ROW EXECUTE FUNCTION erp.document_event('sales_order', 'customer_id,late,promised_date,estimated_ship_date');
CREATE OR REPLACE TRIGGER sales_order_lines_event AFTER INSERT OR UPDATE OR DELETE ON erp.sales_order_lines
    FOR EACH ROW EXECUTE FUNCTION erp.sales_order_lines_event();

CREATE OR REPLACE TRIGGER audit_row AFTER INSERT OR UPDATE OR DELETE ON erp.sales_orders
    FOR EACH ROW EXECUTE FUNCTION erp.audit_row();
CREATE OR REPLACE TRIGGER audit_row AFTER INSERT OR UPDATE OR DELETE ON erp.sales_order_lines
    FOR EACH ROW EXECUTE FUNCTION erp.audit_row();
