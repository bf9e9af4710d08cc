"""Test databases: real PostgreSQL only.

By default the suite starts its own throwaway cluster (the embedded mechanism the app uses, tuned for
speed); with ERP_TEST_DATABASE_URL it uses that server instead (e.g. the office server case,
postgresql://postgres@127.0.0.1:5432/postgres). Either way it migrates one template database per run and
gives every test that asks for `db` a fresh copy of it, dropped afterwards.
"""

from __future__ import annotations

import itertools
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from sqlalchemy.engine import make_url

from server_db.app import migrate
from server_db.app.embedded import EmbeddedServer
from server_db.core import departments
from server_db.core.db import Database
from tests.factories import World

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


class TestServer:
    """A PostgreSQL server on which the run creates and drops its databases."""

    def __init__(self, admin_url: str, server: EmbeddedServer | None) -> None:
        self.admin_url = admin_url
        self.server = server
        self.run_id = uuid.uuid4().hex[:8]
        self._counter = itertools.count()
        self.template = f"erp_t_{self.run_id}_template"

    def url(self, database: str) -> str:
        return make_url(self.admin_url).set(database=database).render_as_string(hide_password=False)

    def _admin(self) -> psycopg2.extensions.connection:
        url = make_url(self.admin_url)
        conn = psycopg2.connect(
            host=url.host or url.query.get("host"),
            port=url.port or url.query.get("port"),
            user=url.username,
            password=url.password,
            dbname=url.database or "postgres",
        )
        conn.autocommit = True
        return conn

    def execute(self, sql: str) -> None:
        conn = self._admin()
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql)
        finally:
            conn.close()

    def create_template(self) -> None:
        self.execute(f"CREATE DATABASE {self.template}")
        database = Database(self.url(self.template))
        try:
            migrate.upgrade(database.engine)
        finally:
            database.dispose()

    def new_database(self) -> str:
        name = f"erp_t_{self.run_id}_{next(self._counter)}"
        self.execute(f"CREATE DATABASE {name} TEMPLATE {self.template}")
        # database-level grants are not copied with a template (migrate.apply_database_grants)
        self.execute(
            f"REVOKE CONNECT, TEMPORARY ON DATABASE {name} FROM PUBLIC;"
            f" GRANT CONNECT ON DATABASE {name} TO {', '.join(departments.roles())};"
            f" GRANT TEMPORARY ON DATABASE {name} TO {', '.join(map(departments.role, departments.IMPORTING))}"
        )
        return name

    def drop(self, name: str) -> None:
        self.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def roles(self) -> set[str]:
        conn = self._admin()
        try:
            with conn.cursor() as cursor:
                cursor.execute("SELECT rolname FROM pg_roles")
                return {row[0] for row in cursor.fetchall()}
        finally:
            conn.close()

    def drop_roles_created_since(self, before: set[str]) -> None:
        """Login roles are cluster-wide: leave a shared server with only the ones it had (the department
        groups stay, as every ERP database on a server shares them)."""
        for role in sorted(self.roles() - before):
            if not role.startswith("erp_"):
                self.execute(f'DROP ROLE IF EXISTS "{role}"')


@pytest.fixture(scope="session")
def pg() -> Iterator[TestServer]:
    shared = os.environ.get("ERP_TEST_DATABASE_URL")
    server = None
    if shared:
        admin_url = make_url(shared).set(drivername="postgresql+psycopg2").render_as_string(hide_password=False)
        if not make_url(admin_url).database:
            admin_url = make_url(admin_url).set(database="postgres").render_as_string(hide_password=False)
    else:
        server = EmbeddedServer(Path(tempfile.mkdtemp(prefix="erp-test-")), durable=False)
        server.acquire()
        admin_url = server.url("postgres")
    test_server = TestServer(admin_url, server)
    roles_before = test_server.roles()
    test_server.create_template()
    try:
        yield test_server
    finally:
        test_server.drop(test_server.template)
        test_server.drop_roles_created_since(roles_before)
        if server is not None:
            server.release()
            server.destroy()


@pytest.fixture
def db_url(pg: TestServer) -> Iterator[str]:
    """The URL of a fresh, migrated, empty database."""
    name = pg.new_database()
    try:
        yield pg.url(name)
    finally:
        pg.drop(name)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url, pool_size=4)
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def world(db: Database) -> World:
    """A small company to tell stories with: see tests/factories.py."""
    return World.build(db)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "pg" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)
