"""People logged in as themselves over plain psycopg2, as an attacker with psql and their own password would
be: for the tests of what the database lets each department do."""

from __future__ import annotations

import itertools

import psycopg2
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.factories import World

PASSWORD = "s3cret-pass"
_unique = itertools.count()


class Clerk:
    def __init__(self, db_url: str, login: str, password: str = PASSWORD) -> None:
        self.login = login
        self.url = make_url(db_url)._replace(username=login, password=password)
        self.conn = psycopg2.connect(
            host=self.url.host or self.url.query.get("host"),
            port=self.url.port or self.url.query.get("port"),
            dbname=self.url.database,
            user=login,
            password=password,
        )
        self.conn.autocommit = True

    def sql(self, statement: str, *params):
        with self.conn.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall() if cursor.description else cursor.rowcount

    def refused(self, statement: str, *params, code: str = "42501") -> str:
        with pytest.raises(psycopg2.Error) as error:
            self.sql(statement, *params)
        assert error.value.pgcode == code, (statement, error.value.pgcode, str(error.value))
        return str(error.value)

    def sqlalchemy_url(self) -> str:
        return self.url.render_as_string(hide_password=False)


def fingerprint(world: World) -> tuple:
    return world.db.run(
        lambda s: s.execute(
            text("SELECT (SELECT count(*) FROM erp.audit_log), (SELECT count(*) FROM erp.order_events)")
        ).one()
    )
