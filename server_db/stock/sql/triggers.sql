-- The stock ledger keeps itself: every product has a level in every warehouse, on hand is the sum of the
-- moves (which never change), reserved is the sum of the reservations; screens hear of every level change.
CREATE OR REPLACE TRIGGER create_stock_levels AFTER INSERT ON erp.products
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION erp.create_stock_levels();
CREATE OR REPLACE TRIGGER create_stock_levels AFTER INSERT ON erp.warehouses
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION erp.create_stock_levels();
CREATE OR REPLACE TRIGGER post_stock_move AFTER INSERT ON erp.stock_moves
    FOR EACH ROW EXECUTE FUNCTION erp.post_stock_move();
CREATE OR REPLACE TRIGGER refuse_change BEFORE UPDATE OR DELETE ON erp.stock_moves
    FOR EACH ROW EXECUTE FUNCTION erp.refuse_change('Stock moves are a ledger and cannot be changed; record an adjustment instead.');
CREATE OR REPLACE TRIGGER post_reservation AFTER INSERT OR UPDATE OR DELETE ON erp.reservations
    FOR EACH ROW EXECUTE FUNCTION erp.post_reservation();
CREATE OR REPLACE TRIGGER stock_event AFTER UPDATE ON erp.stock_levels
    FOR EACH ROW EXECUTE FUNCTION erp.stock_event();

-- stock_levels is derived (from the moves and reservations) and not audited
CREATE OR REPLACE TRIGGER audit_row AFTER INSERT OR UPDATE OR DELETE ON erp.stock_moves
    FOR EACH ROW EXECUTE FUNCTION erp.audit_row();
CREATE OR REPLACE TRIGGER audit_row AFTER INSERT OR UPDATE OR DELETE ON erp.reservations
    FOR EACH ROW EXECUTE FUNCTION erp.audit_row();
