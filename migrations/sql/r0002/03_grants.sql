-- What each department may do, enforced here for every client, psql included.
-- Reading: every department reads the order's documents (each screen shows the whole order); the audit
-- trail is for the supervisor and admin. Writing: a department writes its own tables, or calls the
-- workflow functions of its duties; everything else is refused with "permission denied".
SET search_path = erp, pg_catalog;

REVOKE ALL ON SCHEMA erp FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA erp FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA erp FROM PUBLIC;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA erp FROM PUBLIC;

GRANT USAGE ON SCHEMA erp TO erp_sales, erp_warehouse, erp_purchasing, erp_production, erp_finance, erp_supervisor,
    erp_admin;

-- the admin does any department's work as well as its own
GRANT erp_sales, erp_warehouse, erp_purchasing, erp_production, erp_finance, erp_supervisor TO erp_admin;

-- Reading
GRANT SELECT ON company, customers, suppliers, warehouses, work_centres, products, bom_lines, stock_levels,
    stock_moves, sales_orders, sales_order_lines, purchase_requests, purchase_orders, purchase_order_lines,
    production_orders, production_components, production_schedule, reservations, delivery_notes,
    delivery_note_lines, invoices, invoice_lines, payments, order_events, state_transitions,
    sales_order_line_figures, sales_order_summary, users, work_centre_backlog
    TO erp_sales, erp_warehouse, erp_purchasing, erp_production, erp_finance, erp_supervisor;
GRANT SELECT ON audit_log, user_accounts TO erp_supervisor, erp_admin;

GRANT EXECUTE ON FUNCTION
    fail(text, text, text[]), fmt_qty(numeric), fmt_money(numeric), line_net(numeric, numeric, numeric), line_tax(numeric, numeric),
    state_label(text), document_label(text), is_valid_uscc(text), buy_lead_time(bigint), order_gross(bigint),
    _available(bigint, bigint), _estimate_ship_date(bigint), derive_sales_order_state(bigint),
    _components_missing(bigint), customer_exposure(bigint, bigint), check_invariants(), my_department()
    TO erp_sales, erp_warehouse, erp_purchasing, erp_production, erp_finance, erp_supervisor;

-- Sales: enters and confirms orders, keeps customers' contact details. Not prices of products, not stock,
-- not invoices. Credit limits and payment terms are finance's.
GRANT INSERT, UPDATE, DELETE ON sales_orders, sales_order_lines TO erp_sales;
GRANT INSERT (code, name, address, delivery_address, contact, phone, email, tax_id, active),
      UPDATE (name, address, delivery_address, contact, phone, email, tax_id, active)
    ON customers TO erp_sales;
GRANT EXECUTE ON FUNCTION next_number(text), enter_sales_order(jsonb, jsonb), confirm_sales_order(bigint, integer),
    cancel_sales_order(bigint, text) TO erp_sales;

-- Warehouse: picks, ships, receives, adjusts stock with a reason, prints delivery notes.
GRANT EXECUTE ON FUNCTION pick_sales_order(bigint, jsonb), ship_delivery_note(bigint), cancel_delivery_note(bigint),
    adjust_stock(bigint, bigint, numeric, text), receive_purchase_order(bigint, jsonb) TO erp_warehouse;

-- Purchasing: turns requests into purchase orders, sends and cancels them, keeps suppliers.
GRANT EXECUTE ON FUNCTION create_purchase_orders(bigint[]), send_purchase_order(bigint),
    cancel_purchase_order(bigint) TO erp_purchasing;
GRANT UPDATE (expected_date, notes) ON purchase_orders TO erp_purchasing;
GRANT INSERT (code, name, address, contact, phone, email, tax_id, lead_time_days, active),
      UPDATE (name, address, contact, phone, email, tax_id, lead_time_days, active)
    ON suppliers TO erp_purchasing;

-- Production: releases, schedules, reports progress, completes.
GRANT EXECUTE ON FUNCTION release_production_order(bigint), report_production_progress(bigint, numeric),
    complete_production_order(bigint), cancel_production_order(bigint), apply_production_schedule(jsonb)
    TO erp_production;

-- Finance: invoices, posts, records payments, issues credit notes, sets credit limits and terms.
GRANT EXECUTE ON FUNCTION create_invoice(bigint), post_invoice(bigint), delete_draft_invoice(bigint),
    record_payment(bigint, numeric, date, text, text), create_credit_note(bigint, text, jsonb) TO erp_finance;
GRANT UPDATE (credit_limit, payment_terms_days) ON customers TO erp_finance;

-- Printing checks the department inside.
GRANT EXECUTE ON FUNCTION record_print(text, bigint) TO erp_warehouse, erp_finance;

-- Admin: master data and people.
GRANT INSERT, UPDATE ON company, customers, suppliers, warehouses, work_centres, products TO erp_admin;
GRANT INSERT, UPDATE, DELETE ON bom_lines TO erp_admin;
GRANT EXECUTE ON FUNCTION create_user(text, text, text, text), set_user_department(text, text),
    set_user_password(text, text), disable_user(text), enable_user(text) TO erp_admin;
