"""Exports read the database set-based and stream: every kind writes its rows; master data comes out with the
columns its import reads; a clerk exports as themself."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from server_db.core.db import Database
from server_db.transfer import kinds
from server_db.transfer.export import EXPORTS, export
from tests.factories import World


def read_xlsx(path: Path) -> list[tuple]:
    return list(openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True))


def test_the_command_line_kinds_are_all_there() -> None:
    assert set(EXPORTS) >= {
        "customers", "suppliers", "products", "bom", "warehouses", "work_centres", "stock", "sales_orders",
        "purchase_orders", "production_orders", "delivery_notes", "invoices", "payments",
    }  # fmt: skip


@pytest.mark.parametrize("name", ["customers", "suppliers", "products", "bom", "prices", "warehouses", "work_centres"])
def test_master_data_has_exactly_the_import_columns(name: str) -> None:
    assert [c.header for c in EXPORTS[name].columns] == [f.label for f in kinds.KINDS[name].fields]


def test_every_kind_exports_after_an_order_to_cash(world: World, tmp_path: Path) -> None:
    world.stock("BUY-A", 10)
    order = world.confirmed_order([("BUY-A", 4), ("MADE-Y", 1)])
    world.purchase_and_receive_all()
    counts = {name: export(world.db, name, tmp_path / f"{name}.xlsx") for name in EXPORTS}
    assert counts["customers"] == 2 and counts["products"] == 4 and counts["bom"] == 1
    assert counts["sales_orders"] == 2  # one row per line
    assert counts["production_orders"] >= 1 and counts["purchase_orders"] >= 1
    for name, count in counts.items():
        rows = read_xlsx(tmp_path / f"{name}.xlsx")
        assert len(rows) == count + 1, name
        assert rows[0] == tuple(c.header for c in EXPORTS[name].columns), name
    lines = read_xlsx(tmp_path / "sales_orders.xlsx")[1:]
    number = world.order_row(order)["number"]
    first = next(row for row in lines if row[0] == number and row[2] == "BUY-A")
    assert first[1] == "CN" and first[3] == 4 and first[4] == 10  # numbers are numbers
    assert isinstance(first[6], dt.datetime) and first[6].date() == world.today  # dates are dates


def test_customers_round_trip_columns_and_values(world: World, tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    assert export(world.db, "customers", path) == 2
    text = path.read_text(encoding="utf-8-sig").splitlines()
    assert text[0] == ",".join(f.label for f in kinds.CUSTOMERS.fields)
    cn = next(line for line in text if line.startswith("CN,"))
    assert "北京华联商贸有限公司" in cn and "911101056000012342" in cn and cn.endswith(",TRUE")
    gb = tmp_path / "customers-gb.csv"
    export(world.db, "customers", gb, encoding="gb18030")
    assert "北京华联商贸有限公司" in gb.read_bytes().decode("gb18030")


def as_clerk(clerk) -> Database:
    return Database(clerk.url.render_as_string(hide_password=False), pool_size=1)


def test_a_clerk_exports_as_themself(world: World, clerks, tmp_path: Path) -> None:
    sales = as_clerk(clerks["sales"])
    try:
        assert export(sales, "customers", tmp_path / "c.xlsx") == 2
        assert export(sales, "payments", tmp_path / "p.csv") == 0  # only the header: nothing paid yet
        assert (tmp_path / "p.csv").read_text(encoding="utf-8-sig").startswith("Paid on,Invoice,")
    finally:
        sales.dispose()


def test_a_refusal_of_the_database_comes_back_as_a_sentence(world: World, tmp_path: Path, monkeypatch) -> None:
    from server_db.core.errors import PermissionDenied
    from server_db.transfer import export as export_module

    hidden = export_module.ExportKind("hidden", "Hidden", (), "SELECT * FROM erp.audit_log")
    monkeypatch.setitem(export_module.EXPORTS, "hidden", hidden)
    login = f"exp_{world.today:%Y%m%d}_sales"
    world.db.run(lambda s: s.execute(text(f"CREATE ROLE {login} LOGIN PASSWORD 'x-pass-1' IN ROLE erp_sales")))
    sales = Database(make_url(world.db.url)._replace(username=login, password="x-pass-1").render_as_string(False))
    try:
        with pytest.raises(PermissionDenied):
            export(sales, "hidden", tmp_path / "audit.xlsx")  # the audit trail is not for sales
        assert not (tmp_path / "audit.xlsx").exists()
    finally:
        sales.dispose()
        world.db.run(lambda s: s.execute(text(f"DROP ROLE {login}")))


@pytest.mark.parametrize("name", ["customers", "suppliers", "products", "warehouses", "work_centres", "bom", "prices"])
def test_master_data_exported_imports_back_unchanged(world: World, tmp_path: Path, name: str) -> None:
    from server_db.transfer.imports import run_import

    path = tmp_path / f"{name}.xlsx"
    rows = export(world.db, name, path)
    result = run_import(world.db, name, path, dry_run=True)
    assert result.problems == [], result.problems[:3]
    assert (result.rows, result.inserted, result.updated, result.unchanged) == (rows, 0, 0, rows)
