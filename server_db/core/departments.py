"""The departments, defined once.

Each department is a PostgreSQL group role (`erp_<name>`) that every person in it is a member of; what a
department may do is granted to that role (the `grants.sql` of each document package). From this list the
schema sync creates any missing group role, makes the admin a member of every other department (the admin
does any department's work as well as its own), and writes `erp.departments()`, which the users table's
CHECK constraint and `erp.my_department()` use. The desktop client maps each department to its window.
"""

from __future__ import annotations

DEPARTMENTS = ("sales", "warehouse", "purchasing", "production", "finance", "supervisor", "admin")
ADMIN = "admin"

# the departments that keep master data and so may import it: an import stages the file's rows in a temporary
# table, which needs the database's TEMPORARY privilege (the supervisor reads, and production keeps nothing)
IMPORTING = ("sales", "warehouse", "purchasing", "finance", "admin")

DEPARTMENT_LABELS = {department: department for department in DEPARTMENTS}


def role(department: str) -> str:
    """The group role of a department: 'erp_sales'."""
    return f"erp_{department}"


def roles() -> list[str]:
    return [role(department) for department in DEPARTMENTS]


def departments_function() -> str:
    """`erp.departments()`, IMMUTABLE so that a CHECK constraint may use it."""
    names = ", ".join(f"'{department}'" for department in DEPARTMENTS)
    return (
        "-- Generated from server_db/core/departments.py.\n"
        "CREATE OR REPLACE FUNCTION erp.departments() RETURNS text[]\n"
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$\n"
        f"    SELECT ARRAY[{names}]::text[]\n$$;\n"
    )


def roles_script() -> str:
    """Create the department groups that are missing (roles are shared by every ERP database on a server)
    and make the admin a member of every other department."""
    groups = ", ".join(f"'{r}'" for r in roles())
    admin = role(ADMIN)
    return (
        "-- Generated from server_db/core/departments.py.\n"
        "DO $$\n"
        "DECLARE\n"
        "    g text;\n"
        "BEGIN\n"
        f"    FOREACH g IN ARRAY ARRAY[{groups}] LOOP\n"
        "        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = g) THEN\n"
        "            EXECUTE format('CREATE ROLE %I NOLOGIN', g);\n"
        "        END IF;\n"
        "    END LOOP;\n"
        f"    FOREACH g IN ARRAY ARRAY[{groups}] LOOP\n"
        f"        IF g <> '{admin}' AND NOT pg_has_role('{admin}', g, 'MEMBER') THEN\n"
        f"            EXECUTE format('GRANT %I TO {admin}', g);\n"
        "        END IF;\n"
        "    END LOOP;\n"
        "END $$;\n"
    )
