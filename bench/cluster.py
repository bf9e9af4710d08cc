"""The run's one throwaway PostgreSQL cluster, its template database and the clones of it.

One private cluster (the embedded mechanism, durable=False like the tests) holds every database of a run:
pgbench's, and one ERP database per benchmark cloned from a migrated template, so each figure starts from the
same clean state and pgbench's baseline is measured on the very same server.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import make_url

from bench.data import PASSWORD, login, template_data
from bench.report import Figure
from server_db.app import migrate
from server_db.app.embedded import DATABASE, PORT, SUPERUSER, EmbeddedServer
from server_db.core import departments
from server_db.core.db import Database

TEMPLATE = "bench_template"


class BenchCluster:
    """The run's private PostgreSQL: a template ERP database with users, and clones of it per benchmark."""

    def __init__(self) -> None:
        self.server = EmbeddedServer(Path(tempfile.mkdtemp(prefix="erp-bench-")), durable=False)
        self.databases: list[str] = []

    def start(self) -> None:
        self.server.acquire()
        self.execute(f"CREATE DATABASE {TEMPLATE}")
        database = Database(self.url(TEMPLATE))
        try:
            migrate.upgrade(database.engine)
            database.run(template_data)
        finally:
            database.dispose()

    def destroy(self) -> None:
        self.server.release()
        self.server.destroy()

    # -- addresses --------------------------------------------------------------------------------------

    @property
    def socket_dir(self) -> str:
        return str(self.server.socket_dir)

    def url(self, database: str = DATABASE, *, user: str | None = None) -> str:
        """The superuser's URL of a database, or a department user's (`user` = a department)."""
        url = self.server.url(database)
        if user is None:
            return url
        return make_url(url)._replace(username=login(user), password=PASSWORD).render_as_string(hide_password=False)

    def tool(self, name: str) -> str:
        return self.server.binaries.tool(name)

    def execute(self, sql: str, database: str = "postgres") -> None:
        """Run statements as the superuser, outside a transaction (CREATE DATABASE and the like)."""
        import psycopg2

        conn = psycopg2.connect(host=self.socket_dir, port=PORT, user=SUPERUSER, dbname=database)
        conn.autocommit = True
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql)
        finally:
            conn.close()

    def new_database(self, name: str) -> str:
        """A fresh ERP database cloned from the template (schema, base master data, users). Returns its name."""
        self.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        # database-level grants are not copied with a template (see migrate.apply_database_grants)
        self.execute(
            f"REVOKE CONNECT, TEMPORARY ON DATABASE {name} FROM PUBLIC;"
            f" GRANT CONNECT ON DATABASE {name} TO {', '.join(departments.roles())};"
            f" GRANT TEMPORARY ON DATABASE {name} TO {', '.join(map(departments.role, departments.IMPORTING))}"
        )
        self.databases.append(name)
        return name

    def drop_database(self, name: str) -> None:
        self.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def run_alone(run: Callable[[BenchCluster], list[Figure]]) -> None:
    """One section on its own cluster (`python -m bench.imports`), its table printed."""
    from bench.__main__ import text_table

    cluster = BenchCluster()
    try:
        cluster.start()
        figures = run(cluster)
    finally:
        cluster.destroy()
    print(text_table(figures))
