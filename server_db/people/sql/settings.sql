-- The session settings of every person (erp._apply_person_settings), for those created before they changed.
DO $$
DECLARE
    v_login text;
BEGIN
    FOR v_login IN SELECT u.login FROM erp.users u JOIN pg_roles r ON r.rolname = u.login ORDER BY 1 LOOP
        PERFORM erp._apply_person_settings(v_login);
    END LOOP;
END $$;
