"""The schema's two kinds of change: versioned migrations (tables) and replaceable objects (functions,
views, triggers, grants). A fresh database and one upgraded from the previous release end up defined alike,
downgrades work, and every object has exactly one home."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg2
import pytest
from sqlalchemy import text

from server_db.app import migrate
from server_db.core import schema
from server_db.core.db import Database
from server_db.core.workflow import workflows
from server_db.sales import services as sales

if TYPE_CHECKING:
    from tests.conftest import TestServer

ROOT = Path(__file__).resolve().parents[2]
# A database made by release 0.1.0 (`python main.py db upgrade` then `python main.py demo`, on PostgreSQL 15),
# dumped with `pg_dump --inserts --rows-per-insert=100`.
PREVIOUS_RELEASE = ROOT / "tests" / "fixtures" / "release-0.1.0.sql.gz"


def definitions(url: str) -> dict[str, Any]:
    """Everything that defines the schema, as text: functions, views, triggers, tables with their columns,
    constraints and indexes, owners and privileges, and the table of legal transitions."""
    conn = psycopg2.connect(_dsn(url))
    try:
        with conn.cursor() as cursor:

            def rows(sql: str) -> list[tuple[Any, ...]]:
                cursor.execute(sql)
                return sorted(cursor.fetchall())

            return {
                "functions": rows("""
                    SELECT p.oid::regprocedure::text, pg_get_functiondef(p.oid), pg_get_userbyid(p.proowner),
                           coalesce(p.proacl::text, '')
                      FROM pg_proc p WHERE p.pronamespace = 'erp'::regnamespace"""),
                "views": rows("""
                    SELECT c.relname, pg_get_viewdef(c.oid), pg_get_userbyid(c.relowner), coalesce(c.relacl::text, '')
                      FROM pg_class c WHERE c.relnamespace = 'erp'::regnamespace AND c.relkind = 'v'"""),
                "triggers": rows("""
                    SELECT t.tgrelid::regclass::text, t.tgname, pg_get_triggerdef(t.oid)
                      FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                     WHERE c.relnamespace = 'erp'::regnamespace AND NOT t.tgisinternal"""),
                "tables": rows("""
                    SELECT c.relname, pg_get_userbyid(c.relowner), coalesce(c.relacl::text, '')
                      FROM pg_class c WHERE c.relnamespace = 'erp'::regnamespace AND c.relkind = 'r'"""),
                "columns": rows("""
                    SELECT c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                           coalesce(pg_get_expr(d.adbin, d.adrelid), ''), coalesce(a.attacl::text, ''),
                           a.attidentity
                      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                     WHERE c.relnamespace = 'erp'::regnamespace AND c.relkind = 'r' AND a.attnum > 0
                       AND NOT a.attisdropped"""),
                "constraints": rows("""
                    SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
                      FROM pg_constraint WHERE connamespace = 'erp'::regnamespace"""),
                "indexes": rows("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'erp'"),
                "schema": rows("""
                    SELECT pg_get_userbyid(nspowner), coalesce(nspacl::text, '') FROM pg_namespace
                     WHERE nspname = 'erp'"""),
                "transitions": rows("SELECT document_type, from_state, to_state FROM erp.state_transitions"),
            }
    finally:
        conn.close()


def _dsn(url: str) -> str:
    from server_db.core.events import psycopg2_dsn

    return psycopg2_dsn(url)


def _differences(left: dict[str, Any], right: dict[str, Any]) -> list[str]:
    found = []
    for part in left:
        only_left = set(left[part]) - set(right[part])
        only_right = set(right[part]) - set(left[part])
        found += [f"{part} only in the first: {str(row)[:300]}" for row in sorted(only_left)]
        found += [f"{part} only in the second: {str(row)[:300]}" for row in sorted(only_right)]
    return found


@pytest.fixture
def empty_database(pg: TestServer) -> Iterator[str]:
    name = f"erp_t_{pg.run_id}_empty_{next(pg._counter)}"
    pg.execute(f"CREATE DATABASE {name}")
    try:
        yield pg.url(name)
    finally:
        pg.drop(name)


def restore(url: str, dump: Path) -> None:
    """Load a plain-format pg_dump (psql's own meta-commands left out)."""
    sql = gzip.decompress(dump.read_bytes()).decode("utf-8")
    sql = "\n".join(line for line in sql.splitlines() if not line.startswith("\\"))
    conn = psycopg2.connect(_dsn(url))
    try:
        with conn, conn.cursor() as cursor:
            cursor.execute(sql)
    finally:
        conn.close()


def test_a_fresh_database_and_one_upgraded_from_the_previous_release_are_defined_alike(
    db_url: str, empty_database: str
) -> None:
    restore(empty_database, PREVIOUS_RELEASE)
    old = Database(empty_database)
    try:
        assert migrate.current_revision(old.engine) == "r0002"
        report = migrate.upgrade(old.engine)
        assert report.created
        # what release 0.1.0 had and no file defines any more is gone: the scheduler moved into the database,
        # and master data is audited and announced once per statement (an import writes 100,000 rows at once)
        moved = [f"trigger erp.{t}.audit_row" for t in ("bom_lines", "customers", "products", "suppliers")]
        moved += [f"trigger erp.{t}.audit_row" for t in ("warehouses", "work_centres")]
        moved += [f"trigger erp.{t}.document_event" for t in ("customers", "products")]
        assert sorted(report.dropped) == sorted(["function erp.apply_production_schedule", *moved])
        migrate.check_schema(old.engine)  # a client trusts it
        assert old.run(lambda s: s.execute(text("SELECT * FROM erp.check_invariants()")).all()) == []
        # the demo company goes on working: its draft confirms, with the new functions
        draft = old.run(lambda s: s.execute(text("SELECT id FROM erp.sales_orders WHERE state = 'draft'")).scalar())
        assert old.run(sales.confirm_order, draft).sales_orders == {draft}
        assert old.run(lambda s: s.execute(text("SELECT * FROM erp.check_invariants()")).all()) == []
    finally:
        old.dispose()
    assert _differences(definitions(db_url), definitions(empty_database)) == []


def test_downgrade_step_by_step_to_nothing_and_up_again(db_url: str) -> None:
    before = definitions(db_url)
    database = Database(db_url)
    try:
        for revision in ("r0002", "r0001", "base"):
            migrate.downgrade(database.engine, revision)
            assert migrate.current_revision(database.engine) == (None if revision == "base" else revision)
        with database.engine.connect() as connection:
            assert connection.execute(text("SELECT to_regnamespace('erp')")).scalar() is None
        migrate.upgrade(database.engine)
        migrate.check_schema(database.engine)
    finally:
        database.dispose()
    assert _differences(before, definitions(db_url)) == []


def test_a_database_whose_objects_differ_from_the_program_is_refused_until_upgraded(db_url: str) -> None:
    database = Database(db_url)
    try:
        with database.engine.begin() as connection:  # as another version of the program would have left it
            connection.exec_driver_sql(
                "UPDATE erp.replaceable_objects SET checksum = 'another version' WHERE name = 'erp.fmt_qty'"
            )
        with pytest.raises(migrate.SchemaMismatch, match="run `python main.py db upgrade`"):
            migrate.check_schema(database.engine)
        assert migrate.upgrade(database.engine).replaced[:1] == ["function erp.fmt_qty"]
        migrate.check_schema(database.engine)
    finally:
        database.dispose()


def test_upgrade_replaces_what_changed_drops_what_no_file_defines_and_otherwise_does_nothing(db_url: str) -> None:
    database = Database(db_url)
    try:
        with database.engine.begin() as connection:
            connection.exec_driver_sql("""
                CREATE FUNCTION erp.left_over() RETURNS int LANGUAGE sql AS 'SELECT 1';
                CREATE VIEW erp.left_over_view AS SELECT 1 AS one;
                CREATE OR REPLACE FUNCTION erp.fmt_money(m numeric) RETURNS text LANGUAGE sql IMMUTABLE
                    AS 'SELECT ''hacked''';
                DROP TRIGGER audit_row ON erp.payments;
                -- as a version whose trigger called another function would have left it
                CREATE FUNCTION erp.older_standards() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
                CREATE OR REPLACE TRIGGER data_standards BEFORE INSERT OR UPDATE ON erp.customers
                    FOR EACH ROW EXECUTE FUNCTION erp.older_standards();
            """)
        report = migrate.upgrade(database.engine)
        assert "function erp.left_over" in report.dropped and "view erp.left_over_view" in report.dropped
        # the trigger calls its function again, and only then does the function it called go
        assert "trigger erp.customers.data_standards" in report.replaced
        assert "function erp.older_standards" in report.dropped
        assert "trigger erp.payments.audit_row" in report.created
        with database.engine.connect() as connection:
            assert connection.execute(text("SELECT erp.fmt_money(1234.5)")).scalar() == "1,234.50"
        assert not migrate.upgrade(database.engine)  # nothing changed since: nothing is done
    finally:
        database.dispose()


def test_a_changed_definition_is_applied_by_the_next_upgrade(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    objects = schema.definitions()
    target = next(o for o in objects if o.name == "erp.fmt_qty")
    changed = schema.SqlObject(
        target.kind,
        target.name,
        target.text.replace("rtrim(q::text, '0')", "rtrim(rtrim(q::text, '0'), '.')"),
        target.source,
    )
    monkeypatch.setattr(schema, "_definitions", lambda: tuple(changed if o is target else o for o in objects))
    database = Database(db_url)
    try:
        report = migrate.upgrade(database.engine)
        assert report.replaced[:1] == ["function erp.fmt_qty"]
        with database.engine.connect() as connection:
            assert connection.execute(text("SELECT erp.fmt_qty(2.5)")).scalar() == "2.5"
            tracked = connection.execute(
                text("SELECT checksum FROM erp.replaceable_objects WHERE name = 'erp.fmt_qty'")
            ).scalar()
        assert tracked == changed.checksum
    finally:
        database.dispose()


def test_every_function_view_and_trigger_has_exactly_one_home() -> None:
    objects = schema.definitions()
    sources = [path for path in ROOT.rglob("*") if path.suffix in (".sql", ".py") and _ours(path)]
    texts = {path: path.read_text(encoding="utf-8", errors="replace") for path in sources}
    for obj in objects:
        if obj.kind not in ("function", "view"):
            continue
        name = obj.name.split(".", 1)[1]
        pattern = re.compile(rf"CREATE\s+(OR\s+REPLACE\s+)?{obj.kind}\s+(erp\.)?{name}\b", re.IGNORECASE)
        homes = [str(path.relative_to(ROOT)) for path, body in texts.items() if pattern.search(body)]
        if obj.source.endswith(".py") and not homes:
            homes = [obj.source]  # written by the Python module from a template (the data standards' triggers)
        assert homes == [obj.source], f"{obj.name} is defined in {homes}"


def _ours(path: Path) -> bool:
    parts = path.relative_to(ROOT).parts
    return parts[0] not in (".venv", ".git") and "fixtures" not in parts and path.name != "test_migrations.py"


def test_states_are_defined_once(db: Database) -> None:
    """The Python workflows are the one definition; the database's transitions, state CHECKs and state groups
    are made from them."""
    flows = workflows()
    rows = db.run(
        lambda s: s.execute(text("SELECT document_type, from_state, to_state FROM erp.state_transitions")).all()
    )
    assert {(d, f, t) for d, f, t in rows} == {(d, f, t) for d, w in flows.items() for f, t in w.transitions}
    checks = dict(
        db.run(
            lambda s: s.execute(
                text(
                    "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint"
                    " WHERE connamespace = 'erp'::regnamespace AND conname LIKE 'ck_%_state_valid'"
                )
            ).all()
        )
    )
    for document_type, flow in flows.items():
        assert f"erp.states('{document_type}'::text)" in checks.pop(f"erp.{flow.table}")
        in_sql = db.run(lambda s, d=document_type: s.execute(text("SELECT erp.states(:d)"), {"d": d}).scalar())
        assert in_sql == [state.value for state in flow.states]
        for group in flow.groups:
            members = db.run(
                lambda s, d=document_type, g=group: s.execute(
                    text("SELECT erp.states(:d, :g)"), {"d": d, "g": g}
                ).scalar()
            )
            assert members == flow.group(group)
    assert checks == {}, "a state column whose CHECK is not made from a workflow"
