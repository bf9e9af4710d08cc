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
    PERFORM erp._apply_person_settings(p_login);
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

-- Changes to a person that are not rows of erp.users (a password, whether they may log in) are written to the
-- audit trail here, with who did it: the trail shows an administrator resetting a clerk's password.
CREATE OR REPLACE FUNCTION erp._audit_person(p_login text, p_before jsonb, p_after jsonb) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
BEGIN
    INSERT INTO audit_log (table_name, row_id, action, before, after)
    VALUES ('users', p_login, 'update', jsonb_build_object('login', p_login) || p_before,
            jsonb_build_object('login', p_login) || p_after);
    PERFORM erp._person_event(p_login, 'updated');
END $$;

-- The screens that list people hear of every change to one (the role's oid is the person's number).
CREATE OR REPLACE FUNCTION erp._person_event(p_login text, p_event_type text) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
    SELECT erp.emit_event(p_event_type, NULL, 'user',
                          coalesce((SELECT oid FROM pg_roles WHERE rolname = p_login)::bigint, 0),
                          p_login, NULL, NULL)
$$;

CREATE OR REPLACE FUNCTION erp.user_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
BEGIN
    PERFORM erp._person_event(CASE WHEN TG_OP = 'DELETE' THEN OLD.login ELSE NEW.login END,
                              CASE TG_OP WHEN 'INSERT' THEN 'created' WHEN 'DELETE' THEN 'deleted' ELSE 'updated' END);
    RETURN NULL;
END $$;

-- p_password: see erp.create_user. (The length rule is checked by the client before it hashes the password:
-- PostgreSQL never sees the password itself.)
CREATE OR REPLACE FUNCTION erp.set_user_password(p_login text, p_password text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
BEGIN
    PERFORM erp._check_manageable(p_login);
    IF coalesce(length(p_password), 0) < 6 THEN
        PERFORM erp.fail('ER001', 'A password needs at least 6 characters.');
    END IF;
    EXECUTE format('ALTER ROLE %I PASSWORD %L', p_login, p_password);
    PERFORM erp._audit_person(p_login, '{"password": "previous"}', '{"password": "set by an administrator"}');
END $$;

-- A person changing their own password, in the app: audited like a reset.
CREATE OR REPLACE FUNCTION erp.change_my_password(p_password text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
BEGIN
    PERFORM erp._check_manageable(session_user);
    IF coalesce(length(p_password), 0) < 6 THEN
        PERFORM erp.fail_at('password', 'ER001', 'A password needs at least 6 characters.');
    END IF;
    EXECUTE format('ALTER ROLE %I PASSWORD %L', session_user, p_password);
    PERFORM erp._audit_person(session_user, '{"password": "previous"}', '{"password": "changed by the user"}');
END $$;

-- Disabling: no new logins from the moment the change commits. Returns how many sessions the user has open;
-- erp.end_sessions ends them once this transaction has committed (ended before, a client reconnecting at
-- once would still be let in by the catalog as it was).
CREATE OR REPLACE FUNCTION erp.disable_user(p_login text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
BEGIN
    PERFORM erp._check_manageable(p_login);
    IF p_login = session_user THEN
        PERFORM erp.fail('ER001', 'You cannot disable yourself.');
    END IF;
    IF (SELECT rolcanlogin FROM pg_roles WHERE rolname = p_login) THEN
        EXECUTE format('ALTER ROLE %I NOLOGIN', p_login);
        PERFORM erp._audit_person(p_login, '{"can_log_in": true}', '{"can_log_in": false}');
    END IF;
    RETURN (SELECT count(*) FROM pg_stat_activity WHERE usename = p_login);
END $$;

-- Ends the open sessions of a person who may not log in (a disabled user); returns how many were ended.
CREATE OR REPLACE FUNCTION erp.end_sessions(p_login text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    ended integer := 0;
    backend integer;
BEGIN
    PERFORM erp._check_manageable(p_login);
    IF (SELECT rolcanlogin FROM pg_roles WHERE rolname = p_login) THEN
        PERFORM erp.fail('ER001', 'User %s may log in; disable the user first.', p_login);
    END IF;
    -- a loop, not a WHERE: the planner may call pg_terminate_backend on rows before filtering them
    FOR backend IN SELECT pid FROM pg_stat_activity WHERE usename = p_login LOOP
        IF pg_terminate_backend(backend) THEN
            ended := ended + 1;
        END IF;
    END LOOP;
    PERFORM erp._person_event(p_login, 'updated');  -- the count of open sessions changed
    RETURN ended;
END $$;

CREATE OR REPLACE FUNCTION erp.enable_user(p_login text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
BEGIN
    PERFORM erp._check_manageable(p_login);
    IF NOT (SELECT rolcanlogin FROM pg_roles WHERE rolname = p_login) THEN
        EXECUTE format('ALTER ROLE %I LOGIN', p_login);
        PERFORM erp._audit_person(p_login, '{"can_log_in": false}', '{"can_log_in": true}');
    END IF;
END $$;

-- Every person's sessions on this database end a transaction left open (a forgotten psql BEGIN), give up
-- waiting for a lock, and stop a runaway statement, after a while. A person can still change these for their
-- own session (PostgreSQL lets anyone): they guard against accidents, the privileges against intent.
CREATE OR REPLACE FUNCTION erp._apply_person_settings(p_login text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
BEGIN
    EXECUTE format('ALTER ROLE %I IN DATABASE %I SET idle_in_transaction_session_timeout = %L', p_login,
                   current_database(), '2min');
    EXECUTE format('ALTER ROLE %I IN DATABASE %I SET lock_timeout = %L', p_login, current_database(), '30s');
    EXECUTE format('ALTER ROLE %I IN DATABASE %I SET statement_timeout = %L', p_login, current_database(), '5min');
END $$;

-- Who is waiting for whom: every session of this database that waits for a lock, with the session holding
-- it up. For the admin's "Sessions" view.
CREATE OR REPLACE FUNCTION erp.blocking_sessions()
RETURNS TABLE (waiting_pid integer, waiting_login text, waiting_query text, waiting_since timestamptz,
               blocking_pid integer, blocking_login text, blocking_state text, blocking_query text,
               blocking_transaction_since timestamptz, blocking_application text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = erp, pg_temp AS $$
    SELECT w.pid, w.usename::text, left(w.query, 200), w.query_start,
           b.pid, b.usename::text, b.state, left(b.query, 200), b.xact_start, b.application_name
      FROM pg_stat_activity w
     CROSS JOIN LATERAL unnest(pg_blocking_pids(w.pid)) AS blocker(pid)
      JOIN pg_stat_activity b ON b.pid = blocker.pid
     WHERE w.datname = current_database()
     ORDER BY w.query_start, w.pid
$$;

-- The sessions of this database, longest-open transaction first.
CREATE OR REPLACE FUNCTION erp.open_sessions()
RETURNS TABLE (pid integer, login text, application text, client text, state text, transaction_since timestamptz,
               query text, waiting_for_lock boolean, blocks integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = erp, pg_temp AS $$
    SELECT a.pid, a.usename::text, a.application_name, coalesce(host(a.client_addr), 'this server'), a.state,
           a.xact_start, left(a.query, 200), a.wait_event_type = 'Lock',
           (SELECT count(*)::integer FROM pg_stat_activity o WHERE a.pid = ANY (pg_blocking_pids(o.pid)))
      FROM pg_stat_activity a
     WHERE a.datname = current_database() AND a.backend_type = 'client backend'
     ORDER BY a.xact_start NULLS LAST, a.pid
$$;

-- Ends one session of this database (one holding up the others, say), with an audit row saying whose
-- session it was, what it was doing, and who ended it.
CREATE OR REPLACE FUNCTION erp.end_session(p_pid integer) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    s record;
BEGIN
    SELECT a.pid, a.usename::text AS login, a.application_name, a.state, left(a.query, 200) AS query, a.xact_start,
           r.rolsuper
      INTO s
      FROM pg_stat_activity a LEFT JOIN pg_roles r ON r.rolname = a.usename
     WHERE a.pid = p_pid AND a.datname = current_database();
    IF NOT FOUND THEN
        PERFORM erp.fail('ER002', 'Session %s is not open on this database (any more).', p_pid::text);
    END IF;
    IF p_pid = pg_backend_pid() THEN
        PERFORM erp.fail('ER001', 'That is your own session.');
    END IF;
    IF s.rolsuper THEN
        PERFORM erp.fail('ER001', 'Session %s belongs to the database superuser %s; end it on the server.',
                         p_pid::text, s.login);
    END IF;
    INSERT INTO audit_log (table_name, row_id, action, before, after)
    VALUES ('sessions', p_pid::text, 'delete',
            jsonb_build_object('login', s.login, 'application', s.application_name, 'state', s.state,
                               'query', s.query, 'transaction_since', s.xact_start), NULL);
    RETURN pg_terminate_backend(p_pid);
END $$;
