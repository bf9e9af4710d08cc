-- Managing people (admin only) and telling a session who it is. The departments come from
-- erp.departments() (generated from server_db/core/departments.py); each is the group role erp_<name>.

-- The department of the logged-in person: the department group it belongs to directly.
CREATE OR REPLACE FUNCTION erp.my_department() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = erp, pg_temp AS $$
    SELECT substr(g.rolname, 5)
      FROM pg_auth_members m
      JOIN pg_roles g ON g.oid = m.roleid
      JOIN pg_roles u ON u.oid = m.member
     WHERE u.rolname = session_user
       AND g.rolname IN (SELECT 'erp_' || d FROM unnest(erp.departments()) d)
     ORDER BY g.rolname = 'erp_admin' DESC, g.rolname
     LIMIT 1
$$;

CREATE OR REPLACE FUNCTION erp._check_department(p_department text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    known text[] := erp.departments();
BEGIN
    IF p_department IS NULL OR NOT p_department = ANY (known) THEN
        PERFORM erp.fail_at('department', 'ER001', 'There is no department %s; choose %s or %s.',
                            coalesce(p_department, '(none)'), array_to_string(known[1:cardinality(known) - 1], ', '),
                            known[cardinality(known)]);
    END IF;
END $$;

CREATE OR REPLACE FUNCTION erp._check_manageable(p_login text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM erp.users WHERE login = p_login) THEN
        PERFORM erp.fail('ER002', 'There is no ERP user %s.', coalesce(p_login, '(none)'));
    END IF;
END $$;

-- p_password is a SCRAM-SHA-256 verifier computed by libpq on the client (so the password itself never
-- travels or lands in a log), or a plain password that the server hashes.
CREATE OR REPLACE FUNCTION erp.create_user(p_login text, p_full_name text, p_department text, p_password text)
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

CREATE OR REPLACE FUNCTION erp.set_user_department(p_login text, p_department text) RETURNS void
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

CREATE OR REPLACE FUNCTION erp.set_user_password(p_login text, p_password text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
BEGIN
    PERFORM erp._check_manageable(p_login);
    IF coalesce(length(p_password), 0) < 6 THEN
        PERFORM erp.fail('ER001', 'A password needs at least 6 characters.');
    END IF;
    EXECUTE format('ALTER ROLE %I PASSWORD %L', p_login, p_password);
END $$;

-- Disabling takes effect at once: no new logins, and the user's open sessions are ended.
CREATE OR REPLACE FUNCTION erp.disable_user(p_login text) RETURNS integer
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

CREATE OR REPLACE FUNCTION erp.enable_user(p_login text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
BEGIN
    PERFORM erp._check_manageable(p_login);
    EXECUTE format('ALTER ROLE %I LOGIN', p_login);
END $$;
