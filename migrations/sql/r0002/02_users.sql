-- Managing people (admin only) and telling a session who it is.
SET search_path = erp, pg_catalog;

-- The department of the logged-in person: the department group it belongs to directly.
CREATE FUNCTION erp.my_department() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = erp, pg_temp AS $$
    SELECT substr(g.rolname, 5)
      FROM pg_auth_members m
      JOIN pg_roles g ON g.oid = m.roleid
      JOIN pg_roles u ON u.oid = m.member
     WHERE u.rolname = session_user
       AND g.rolname IN ('erp_sales', 'erp_warehouse', 'erp_purchasing', 'erp_production', 'erp_finance',
                         'erp_supervisor', 'erp_admin')
     ORDER BY g.rolname = 'erp_admin' DESC, g.rolname
     LIMIT 1
$$;

CREATE FUNCTION erp._check_department(p_department text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF p_department IS NULL OR p_department NOT IN
            ('sales', 'warehouse', 'purchasing', 'production', 'finance', 'supervisor', 'admin') THEN
        PERFORM erp.fail('ER001', 'There is no department %s; choose sales, warehouse, purchasing, production, '
                                  'finance, supervisor or admin.', coalesce(p_department, '(none)'));
    END IF;
END $$;

CREATE FUNCTION erp._check_manageable(p_login text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM erp.users WHERE login = p_login) THEN
        PERFORM erp.fail('ER002', 'There is no ERP user %s.', coalesce(p_login, '(none)'));
    END IF;
END $$;

-- p_password is a SCRAM-SHA-256 verifier computed by libpq on the client (so the password itself never
-- travels or lands in a log), or a plain password that the server hashes.
CREATE FUNCTION erp.create_user(p_login text, p_full_name text, p_department text, p_password text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
BEGIN
    IF p_login IS NULL OR p_login !~ '^[a-z][a-z0-9_]{1,62}$' OR p_login ~ '^(erp_|pg_)' THEN
        PERFORM erp.fail('ER001', 'A user name is 2-63 lower-case letters, digits or _, starting with a letter '
                                  '(not erp_ or pg_).');
    END IF;
    PERFORM erp._check_department(p_department);
    IF coalesce(length(p_password), 0) < 6 THEN
        PERFORM erp.fail('ER001', 'A password needs at least 6 characters.');
    END IF;
    IF EXISTS (SELECT FROM erp.users WHERE login = p_login) THEN
        PERFORM erp.fail('ER001', 'There is already a user %s.', p_login);
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = p_login) THEN
        -- a role of the same name from another ERP database on this server: take it over only if it is one of ours
        IF NOT EXISTS (SELECT FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                        JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = p_login AND g.rolname LIKE 'erp\_%') THEN
            PERFORM erp.fail('ER001', 'The name %s is taken by another database user on this server.', p_login);
        END IF;
        EXECUTE format('ALTER ROLE %I LOGIN PASSWORD %L', p_login, p_password);
    ELSE
        EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', p_login, p_password);
    END IF;
    EXECUTE format('GRANT %I TO %I', 'erp_' || p_department, p_login);
    INSERT INTO users (login, full_name, department) VALUES (p_login, coalesce(p_full_name, ''), p_department);
END $$;

CREATE FUNCTION erp.set_user_department(p_login text, p_department text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    old text;
BEGIN
    PERFORM erp._check_manageable(p_login);
    PERFORM erp._check_department(p_department);
    SELECT department INTO old FROM users WHERE login = p_login;
    EXECUTE format('REVOKE %I FROM %I', 'erp_' || old, p_login);
    EXECUTE format('GRANT %I TO %I', 'erp_' || p_department, p_login);
    UPDATE users SET department = p_department WHERE login = p_login;
END $$;

CREATE FUNCTION erp.set_user_password(p_login text, p_password text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
BEGIN
    PERFORM erp._check_manageable(p_login);
    IF coalesce(length(p_password), 0) < 6 THEN
        PERFORM erp.fail('ER001', 'A password needs at least 6 characters.');
    END IF;
    EXECUTE format('ALTER ROLE %I PASSWORD %L', p_login, p_password);
END $$;

-- Disabling takes effect at once: no new logins, and the user's open sessions are ended.
CREATE FUNCTION erp.disable_user(p_login text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    ended integer := 0;
    backend integer;
BEGIN
    PERFORM erp._check_manageable(p_login);
    IF p_login = session_user THEN
        PERFORM erp.fail('ER001', 'You cannot disable yourself.');
    END IF;
    EXECUTE format('ALTER ROLE %I NOLOGIN', p_login);
    -- a loop, not a WHERE: the planner may call pg_terminate_backend on rows before filtering them
    FOR backend IN SELECT pid FROM pg_stat_activity WHERE usename = p_login LOOP
        IF pg_terminate_backend(backend) THEN
            ended := ended + 1;
        END IF;
    END LOOP;
    RETURN ended;
END $$;

CREATE FUNCTION erp.enable_user(p_login text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
BEGIN
    PERFORM erp._check_manageable(p_login);
    EXECUTE format('ALTER ROLE %I LOGIN', p_login);
END $$;

CREATE VIEW user_accounts AS
SELECT u.login, u.full_name, u.department, coalesce(r.rolcanlogin, false) AS active, u.created_at, u.created_by,
       (SELECT count(*) FROM pg_stat_activity a WHERE a.usename = u.login) AS sessions
  FROM users u LEFT JOIN pg_roles r ON r.rolname = u.login;
ALTER VIEW user_accounts OWNER TO erp_owner;

DO $$
DECLARE
    f text;
BEGIN
    FOREACH f IN ARRAY ARRAY['my_department()', '_check_department(text)', '_check_manageable(text)',
                             'create_user(text,text,text,text)', 'set_user_department(text,text)',
                             'set_user_password(text,text)', 'disable_user(text)', 'enable_user(text)']
    LOOP
        EXECUTE format('ALTER FUNCTION erp.%s OWNER TO erp_owner', f);
    END LOOP;
END $$;

-- Printing: the warehouse prints delivery notes, finance prints invoices.
CREATE OR REPLACE FUNCTION erp.record_print(p_document_type text, p_document_id bigint) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    v_count integer;
    v_needed text := CASE p_document_type WHEN 'delivery_note' THEN 'erp_warehouse' WHEN 'invoice' THEN 'erp_finance' END;
BEGIN
    IF v_needed IS NULL THEN
        PERFORM erp.fail('ER001', 'Only delivery notes and invoices are printed.');
    END IF;
    IF NOT (pg_has_role(session_user, v_needed, 'USAGE') OR pg_has_role(session_user, 'erp_admin', 'USAGE')
            OR (SELECT rolsuper FROM pg_roles WHERE rolname = session_user)) THEN
        PERFORM erp.fail('ER007', '%s prints %ss; you are logged in as %s.',
                         initcap(substr(v_needed, 5)), replace(p_document_type, '_', ' '),
                         coalesce(erp.my_department(), 'a user without a department'));
    END IF;
    IF p_document_type = 'delivery_note' THEN
        UPDATE delivery_notes SET print_count = print_count + 1, printed_at = coalesce(printed_at, now()),
                                  printed_by = coalesce(printed_by, session_user)
         WHERE id = p_document_id AND state IN ('picked', 'shipped') RETURNING print_count INTO v_count;
    ELSE
        UPDATE invoices SET print_count = print_count + 1, printed_at = coalesce(printed_at, now()),
                            printed_by = coalesce(printed_by, session_user)
         WHERE id = p_document_id AND state <> 'draft' AND state <> 'cancelled' RETURNING print_count INTO v_count;
    END IF;
    IF v_count IS NULL THEN
        PERFORM erp.fail('ER002', '%s #%s does not exist or cannot be printed yet.',
                         erp.document_label(p_document_type), p_document_id::text);
    END IF;
    RETURN v_count;
END $$;
ALTER FUNCTION erp.record_print(text, bigint) OWNER TO erp_owner;
