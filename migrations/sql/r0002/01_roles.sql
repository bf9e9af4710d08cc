-- Departments are PostgreSQL group roles (created from server_db/core/departments.py before the users
-- table, see r0002_roles.py); every person logs in as their own role, member of one of them.
-- The schema belongs to erp_owner, a role nobody logs in as: the workflow functions run as it
-- (SECURITY DEFINER) and do the cross-department work no clerk has rights for.
-- Roles are cluster-wide, so several ERP databases on one server share them: create only what is missing.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'erp_owner') THEN
        CREATE ROLE erp_owner NOLOGIN CREATEROLE;
    END IF;
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('GRANT erp_owner TO %I', current_user);  -- a migrator without superuser must own through it
    END IF;
END $$;
GRANT pg_signal_backend TO erp_owner;  -- to end the open sessions of a disabled user at once

-- Hand everything in the schema to erp_owner.
DO $$
DECLARE
    r record;
BEGIN
    EXECUTE 'ALTER SCHEMA erp OWNER TO erp_owner';
    FOR r IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = 'erp' AND c.relkind IN ('r', 'v', 'S', 'p')
                AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'i')
    LOOP
        EXECUTE format('ALTER %s erp.%I OWNER TO erp_owner',
                       CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, r.relname);
    END LOOP;
    FOR r IN SELECT p.oid::regprocedure AS signature FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
              WHERE n.nspname = 'erp'
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO erp_owner', r.signature);
    END LOOP;
END $$;

SET search_path = erp, pg_catalog;

-- The people: their login role, name and department. The password lives only in PostgreSQL (scram-sha-256).
CREATE TABLE users (
    login text NOT NULL,
    full_name text NOT NULL DEFAULT '',
    department text NOT NULL,
    created_by text NOT NULL DEFAULT session_user,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_users PRIMARY KEY (login),
    CONSTRAINT ck_users_department_valid CHECK (department = ANY (erp.departments())),
    CONSTRAINT ck_users_login_format CHECK (login ~ '^[a-z][a-z0-9_]{1,62}$' AND login !~ '^(erp_|pg_)')
);
ALTER TABLE users OWNER TO erp_owner;
