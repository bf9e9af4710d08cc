"""Schema upgrades with alembic, and the check a client makes before it trusts a database."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from server_db.core import departments, schema
from server_db.core.errors import SchemaMismatch

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    return {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> schema.SyncReport:
    """Bring the tables to `revision` (the versioned migrations) and, at the head, every replaceable object
    (functions, views, triggers, grants) up to its definition: all in one transaction. Then the
    database-level grants."""
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        report = schema.sync(connection) if revision == "head" or revision == head_revision() else schema.SyncReport()
    apply_database_grants(engine)
    return report


def apply_database_grants(engine: Engine) -> None:
    """Only department members may connect. Database-level grants are not part of the schema (a copy of a
    database does not inherit them), so every upgrade applies them again."""
    with engine.begin() as connection:
        has_roles = connection.exec_driver_sql(
            "SELECT to_regclass('erp.users') IS NOT NULL AND EXISTS (SELECT FROM pg_roles WHERE rolname = 'erp_admin')"
        ).scalar()
        if not has_roles:
            return
        database = str(connection.exec_driver_sql("SELECT current_database()").scalar())
        quoted = connection.dialect.identifier_preparer.quote(database)
        connection.exec_driver_sql(f"REVOKE CONNECT, TEMPORARY ON DATABASE {quoted} FROM PUBLIC")
        groups = ", ".join(departments.roles())
        connection.exec_driver_sql(f"GRANT CONNECT ON DATABASE {quoted} TO {groups}")
        importing = ", ".join(departments.role(d) for d in departments.IMPORTING)
        connection.exec_driver_sql(f"GRANT TEMPORARY ON DATABASE {quoted} TO {importing}")
        # every client checks the schema revision before it trusts the database
        connection.exec_driver_sql(f"GRANT SELECT ON public.alembic_version TO {groups}")
        # large objects are not used: nobody may fill the disk with them (their functions' privileges are
        # the database's own, and only a superuser may change them)
        if connection.exec_driver_sql("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").scalar():
            connection.exec_driver_sql(f"REVOKE EXECUTE ON FUNCTION {', '.join(LARGE_OBJECT_FUNCTIONS)} FROM PUBLIC")
        else:
            log.warning("not a superuser: large objects stay open to every login of this database")


LARGE_OBJECT_FUNCTIONS = (
    "lo_from_bytea(oid, bytea)",
    "lo_create(oid)",
    "lo_creat(integer)",
    "lo_import(text)",
    "lo_import(text, oid)",
    "lo_export(oid, text)",
    "lo_put(oid, bigint, bytea)",
    "lo_open(oid, integer)",
    "lowrite(integer, bytea)",
    "lo_truncate(integer, integer)",
    "lo_truncate64(integer, bigint)",
    "lo_unlink(oid)",
)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the tables back to `revision`. The replaceable objects belong to the program that defines them:
    they are dropped first (except those a table relies on), so nothing hangs on what the downgrade removes,
    and the program of that revision applies its own with its `db upgrade`. Until then clients refuse the
    database (`check_schema`)."""
    with engine.begin() as connection:
        schema.drop_all(connection)
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def check_schema(engine: Engine) -> None:
    """Refuse to work on a schema this program does not match, with a sentence saying what to do."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        with engine.connect() as connection:
            applied = schema.database_digest(connection)
        if applied != schema.program_digest():
            raise SchemaMismatch(
                "This database's workflow functions do not match this program's; run `python main.py db upgrade` "
                "(or ask your administrator), or update the program on this PC if the database is newer."
            )
        return
    if current is None:
        raise SchemaMismatch("This database has no ERP schema yet; run `python main.py db upgrade` to create it.")
    if current not in known_revisions():
        raise SchemaMismatch(
            f"This database was upgraded by a newer version of the program (schema {current}); "
            "update the program on this PC."
        )
    raise SchemaMismatch(
        f"This database's schema ({current}) is older than this program's ({head}); "
        "run `python main.py db upgrade` (or ask your administrator) first."
    )
