-- People: every department reads who is who, and each person may change their own password; the list with
-- sign-in status is for the supervisor and the admin; only the admin manages people.
SET LOCAL search_path = erp, pg_catalog;

GRANT SELECT ON users
    TO erp_sales, erp_warehouse, erp_purchasing, erp_production, erp_finance, erp_supervisor;
GRANT SELECT ON user_accounts TO erp_supervisor, erp_admin;
GRANT EXECUTE ON FUNCTION blocking_sessions(), open_sessions() TO erp_supervisor, erp_admin;
GRANT EXECUTE ON FUNCTION my_department(), change_my_password(text)
    TO erp_sales, erp_warehouse, erp_purchasing, erp_production, erp_finance, erp_supervisor;

GRANT EXECUTE ON FUNCTION create_user(text, text, text, text), set_user_department(text, text),
    set_user_password(text, text), disable_user(text), end_sessions(text), enable_user(text), end_session(integer)
    TO erp_admin;
