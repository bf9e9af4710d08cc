"""Schema upgrades with alembic, and the check a client makes before it trusts a database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from server_db.errors import SchemaMismatch

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


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


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` in one transaction per migration, then the database-level grants."""
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    apply_database_grants(engine)


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
        groups = "erp_sales, erp_warehouse, erp_purchasing, erp_production, erp_finance, erp_supervisor, erp_admin"
        connection.exec_driver_sql(f"GRANT CONNECT ON DATABASE {quoted} TO {groups}")
        # every client checks the schema revision before it trusts the database
        connection.exec_driver_sql(f"GRANT SELECT ON public.alembic_version TO {groups}")


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def check_schema(engine: Engine) -> None:
    """Refuse to work on a schema this program does not match, with a sentence saying what to do."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
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
