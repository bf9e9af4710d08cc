-- What each department may do is granted here and in the grants.sql of each package, and nowhere else.
-- These scripts run whole, in order (this one first), whenever any replaceable object changes: first every
-- privilege on the schema is taken back from everyone, then each package grants what its duties need.
--
-- Reading: every department reads the order's documents (each screen shows the whole order); the audit
-- trail is for the supervisor and the admin. Writing: a department writes its own tables, or calls the
-- workflow functions of its duties; everything else is refused with "permission denied". The admin is a
-- member of every department (server_db/core/departments.py), so it has every duty as well as its own.
SET LOCAL search_path = erp, pg_catalog;

REVOKE ALL ON SCHEMA erp FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA erp FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA erp FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA erp FROM PUBLIC;
DO $$
DECLARE
    department text;
BEGIN
    FOREACH department IN ARRAY erp.departments() LOOP
        EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA erp FROM %I', 'erp_' || department);
        EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA erp FROM %I', 'erp_' || department);
        EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA erp FROM %I', 'erp_' || department);
        EXECUTE format('GRANT USAGE ON SCHEMA erp TO %I', 'erp_' || department);
    END LOOP;
END $$;

GRANT SELECT ON state_transitions, order_events, replaceable_objects
    TO erp_sales, erp_warehouse, erp_purchasing, erp_production, erp_finance, erp_supervisor;
GRANT SELECT ON audit_log TO erp_supervisor, erp_admin;

GRANT EXECUTE ON FUNCTION fail(text, text, text[]), fail_at(text, text, text, text[]),
    require_found(boolean, text, bigint), require_state(text, text, text, text[], text),
    require_version(text, text, integer, integer),
    fmt_qty(numeric), fmt_money(numeric), state_label(text), document_label(text), states(text, text),
    departments(), check_invariants()
    TO erp_sales, erp_warehouse, erp_purchasing, erp_production, erp_finance, erp_supervisor;
