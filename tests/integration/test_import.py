"""Importing master data, bills of materials, prices, opening stock and open orders: validated all at once,
all or nothing, idempotent, with the clerk's own rights."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from openpyxl import load_workbook
from sqlalchemy import text

from server_db.core.db import Database
from server_db.core.errors import DomainError
from server_db.transfer.imports import ImportCancelled, run_import
from tests.clerks import Clerk
from tests.factories import World


def write_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Data")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    workbook.close()
    return path


def write_csv(path: Path, rows: list[list[Any]], *, encoding: str = "utf-8", delimiter: str = ",") -> Path:
    with path.open("w", encoding=encoding, newline="") as stream:
        csv.writer(stream, delimiter=delimiter).writerows(rows)
    return path


def scalar(db: Database, sql: str, **params: Any) -> Any:
    return db.run(lambda s: s.execute(text(sql), params).scalar())


def events(db: Database, where: str = "true") -> int:
    return scalar(db, f"SELECT count(*) FROM erp.order_events WHERE {where}")


@pytest.fixture
def as_clerk(clerks: dict[str, Clerk], db_url: str, pg: Any) -> Iterator[Any]:
    """A Database logged in as the clerk of a department (what the client holds)."""
    opened: list[Database] = []

    def login(department: str) -> Database:
        database = Database(clerks[department].sqlalchemy_url())
        opened.append(database)
        return database

    yield login
    for database in opened:
        database.dispose()


CUSTOMER_HEADER = ["编码", "客户名称", "地址", "电话", "账期(天)", "是否启用"]


def test_customers_import_with_chinese_headers_and_one_event(world: World, as_clerk: Any, tmp_path: Path) -> None:
    before = events(world.db)
    path = write_xlsx(
        tmp_path / "customers.xlsx",
        [
            CUSTOMER_HEADER,
            ["c100", "上海甲公司", "上海市浦东新区", "021-12345678", 30, "是"],
            ["C101", "Beijing B Ltd", "", "", "45", "否"],
        ],
    )
    result = run_import(as_clerk("admin"), "customers", path)
    assert (result.written, result.inserted, result.updated, result.problems) == (True, 2, 0, [])
    assert scalar(world.db, "SELECT name FROM erp.customers WHERE code = 'C100'") == "上海甲公司"
    assert scalar(world.db, "SELECT active FROM erp.customers WHERE code = 'C101'") is False
    assert events(world.db) == before + 1
    assert scalar(world.db, "SELECT payload::text FROM erp.order_events ORDER BY id DESC LIMIT 1") == (
        '{"updated": 0, "inserted": 2}'
    )
    again = run_import(as_clerk("admin"), "customers", path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    assert events(world.db) == before + 1


def test_one_bad_cell_writes_nothing_and_names_row_and_column(world: World, as_clerk: Any, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "customers.xlsx",
        [CUSTOMER_HEADER, ["C100", "A", "", "", 30, "是"], ["C101", "B", "", "", "thirty", "是"]],
    )
    result = run_import(as_clerk("admin"), "customers", path)
    assert not result.written and result.rejected == 1
    assert [(p.row, p.column, p.value) for p in result.problems] == [(3, "账期(天)", "thirty")]
    assert "not a number" in result.problems[0].sentence
    assert scalar(world.db, "SELECT count(*) FROM erp.customers WHERE code LIKE 'C10%'") == 0


def test_sales_cannot_import_products(world: World, as_clerk: Any, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "p.xlsx",
        [["SKU", "名称", "单位", "采购/自制", "默认供应商"], ["NEW-1", "New", "pcs", "采购", "SUP"]],
    )
    with pytest.raises(DomainError, match="Only admin may give the sku of products; you are logged in as sales"):
        run_import(as_clerk("sales"), "products", path)
    assert scalar(world.db, "SELECT count(*) FROM erp.products WHERE sku = 'NEW-1'") == 0


PRODUCT_HEADER = ["物料编码", "名称", "单位", "采购/自制", "单价", "成本", "税率", "默认供应商", "工作中心"]


def products_file(tmp_path: Path, rows: list[list[Any]], name: str = "products.xlsx") -> Path:
    return write_xlsx(tmp_path / name, [PRODUCT_HEADER, *rows])


def audit_rows(db: Database) -> int:
    return scalar(db, "SELECT count(*) FROM erp.audit_log")


def test_reimport_is_idempotent_and_changed_prices_update_only_those(
    world: World, as_clerk: Any, tmp_path: Path
) -> None:
    admin = as_clerk("admin")
    rows = [
        ["P-1", "螺丝 Screw", "pcs", "采购", "1,200.50", 3, "13%", "SUP", None],
        ["P-2", "Pump", "pcs", "自制", 99, 50, 0.09, None, "ASM"],
        ["P-3", "Bolt", "PCS", "buy", 2, 1, 0.13, "SUP", None],
    ]
    first = run_import(admin, "products", products_file(tmp_path, rows))
    assert (first.written, first.inserted, first.problems) == (True, 3, [])
    assert scalar(world.db, "SELECT price FROM erp.products WHERE sku = 'P-1'") == Decimal("1200.50")
    assert scalar(world.db, "SELECT unit FROM erp.products WHERE sku = 'P-3'") == "pcs"
    assert scalar(world.db, "SELECT procurement FROM erp.products WHERE sku = 'P-2'") == "make"
    audits = audit_rows(world.db)
    again = run_import(admin, "products", products_file(tmp_path, rows, "again.xlsx"))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert audit_rows(world.db) == audits

    prices = write_xlsx(tmp_path / "prices.xlsx", [["SKU", "售价"], ["P-1", 1300], ["P-2", 99], ["P-3", 2.5]])
    result = run_import(admin, "prices", prices)
    assert (result.updated, result.unchanged) == (2, 1)
    assert audit_rows(world.db) == audits + 2
    assert scalar(world.db, "SELECT cost FROM erp.products WHERE sku = 'P-1'") == Decimal("3.00")


def test_valid_only_writes_good_rows_and_lists_the_bad_in_a_rejects_file(
    world: World, as_clerk: Any, tmp_path: Path
) -> None:
    path = write_xlsx(
        tmp_path / "customers.xlsx",
        [
            ["Code", "Name", "Phone", "Payment terms (days)"],
            ["G1", "Good One", "138 1234 5678", 30],
            ["G1", "Same code again", "", 30],
            ["B2", "Bad phone", "12", 30],
            ["G3", "Good Three", "", "15"],
        ],
    )
    result = run_import(as_clerk("admin"), "customers", path, valid_only=True)
    assert result.written and result.inserted == 2 and result.rejected == 2
    assert [(p.row, p.column) for p in result.problems] == [(3, "Code"), (4, "Phone")]
    assert "already in row 2" in result.problems[0].sentence
    assert result.rejects_path is not None and result.rejects_path.exists()
    rejected = list(load_workbook(result.rejects_path).active.iter_rows(values_only=True))
    assert rejected[0][-1] == "Problem" and [r[0] for r in rejected[1:]] == ["G1", "B2"]
    assert "phone" in rejected[2][-1].lower()
    assert scalar(world.db, "SELECT string_agg(code, ',' ORDER BY code) FROM erp.customers WHERE code LIKE 'G%'") == (
        "G1,G3"
    )


def test_dry_run_lists_problems_and_writes_nothing(world: World, as_clerk: Any, tmp_path: Path) -> None:
    before = events(world.db)
    path = products_file(
        tmp_path,
        [
            ["D-1", "Fine", "pcs", "buy", 1, 1, 0.13, "SUP", None],
            ["D-2", "No supplier", "pcs", "buy", 1, 1, 0.13, "NOPE", None],
        ],
    )
    result = run_import(as_clerk("admin"), "products", path, dry_run=True)
    assert not result.written and result.inserted == 1
    assert next((p.row, p.field, p.sentence) for p in result.problems) == (
        3,
        "default_supplier",
        "There is no supplier NOPE.",
    )
    assert scalar(world.db, "SELECT count(*) FROM erp.products WHERE sku LIKE 'D-%'") == 0
    assert events(world.db) == before


def test_cancel_writes_nothing(world: World, as_clerk: Any, tmp_path: Path) -> None:
    rows = [[f"K{i}", f"Customer {i}", "", "", 30, "是"] for i in range(12000)]
    path = write_xlsx(tmp_path / "many.xlsx", [CUSTOMER_HEADER, *rows])
    seen: list[tuple[int, int | None]] = []
    with pytest.raises(ImportCancelled):
        run_import(
            as_clerk("admin"),
            "customers",
            path,
            progress=lambda done, total: seen.append((done, total)),
            cancelled=lambda: len(seen) >= 1,
        )
    assert seen[0][0] == 5000 and seen[0][1] == 12000
    assert scalar(world.db, "SELECT count(*) FROM erp.customers WHERE code LIKE 'K%'") == 0


def test_bom_import_replaces_bills_refuses_cycles_and_unknown_components(
    world: World, as_clerk: Any, tmp_path: Path
) -> None:
    admin = as_clerk("admin")
    good = write_xlsx(
        tmp_path / "bom.xlsx", [["父项", "子项", "用量"], ["MADE-Y", "BUY-A", 3], ["MADE-Y", "BUY-B", "0.5"]]
    )
    result = run_import(admin, "bom", good)
    assert (result.written, result.inserted, result.problems) == (True, 2, [])
    lines = world.db.run(
        lambda s: s.execute(
            text(
                "SELECT c.sku, b.quantity FROM erp.bom_lines b JOIN erp.products c ON c.id = b.component_id"
                " WHERE b.product_id = :p ORDER BY c.sku"
            ),
            {"p": world.products["MADE-Y"]},
        ).all()
    )
    assert [(sku, float(q)) for sku, q in lines] == [("BUY-A", 3.0), ("BUY-B", 0.5)]  # COMP-X was replaced
    assert run_import(admin, "bom", good).unchanged == 2

    run_import(admin, "products", products_file(tmp_path, [["MADE-Z", "Z", "pcs", "make", 1, 1, 0.13, None, "ASM"]]))
    cycle = write_xlsx(
        tmp_path / "cycle.xlsx",
        [["product", "component", "quantity"], ["MADE-Z", "MADE-Y", 1], ["MADE-Y", "MADE-Z", 1], ["MADE-Y", "NOPE", 1]],
    )
    refused = run_import(admin, "bom", cycle)
    assert not refused.written
    sentences = {(p.row, p.sentence) for p in refused.problems}
    assert (3, "MADE-Z contains MADE-Y already; a product cannot contain itself.") in sentences
    assert (4, "There is no product NOPE.") in sentences
    assert (
        world.db.run(
            lambda s: s.execute(
                text("SELECT count(*) FROM erp.bom_lines WHERE product_id = :p"), {"p": world.products["MADE-Y"]}
            ).scalar()
        )
        == 2
    )


def test_opening_stock_sets_on_hand(world: World, as_clerk: Any, tmp_path: Path) -> None:
    world.stock("BUY-B", 7)
    path = write_csv(
        tmp_path / "stock.csv", [["仓库", "物料编码", "数量"], ["MAIN", "BUY-A", "25"], ["MAIN", "BUY-B", "4"]]
    )
    result = run_import(as_clerk("warehouse"), "opening_stock", path)
    assert (result.written, result.updated, result.problems) == (True, 2, [])
    assert world.level("BUY-A")[0] == 25 and world.level("BUY-B")[0] == 4
    kinds = world.db.run(
        lambda s: s.execute(
            text("SELECT kind FROM erp.stock_moves WHERE product_id = :p ORDER BY id DESC LIMIT 1"),
            {"p": world.products["BUY-A"]},
        ).scalar()
    )
    assert kinds == "initial"
    with pytest.raises(DomainError, match="Only the warehouse may set stock on hand"):
        run_import(as_clerk("sales"), "opening_stock", path)


def test_sales_orders_import_creates_confirms_and_skips_on_second_run(
    world: World, as_clerk: Any, tmp_path: Path
) -> None:
    world.stock("BUY-A", 50)
    later = (world.today + dt.timedelta(days=20)).isoformat()
    path = write_xlsx(
        tmp_path / "orders.xlsx",
        [
            ["订单号", "客户", "物料编码", "数量", "单价", "交货日期"],
            ["OLD-1", "CN", "BUY-A", 2, None, later],
            ["OLD-1", "CN", "BUY-B", 1, 25, later],
            ["OLD-2", "CN", "BUY-A", 3, None, later],
        ],
    )
    sales = as_clerk("sales")
    result = run_import(sales, "sales_orders", path, confirm_orders=True)
    assert (result.written, result.inserted, result.problems) == (True, 2, [])
    orders = world.db.run(
        lambda s: s.execute(
            text(
                "SELECT customer_reference, state,"
                " (SELECT count(*) FROM erp.sales_order_lines l WHERE l.order_id = o.id) FROM erp.sales_orders o"
                " WHERE customer_reference LIKE 'OLD-%' ORDER BY 1"
            )
        ).all()
    )
    assert [(r, n) for r, _s, n in orders] == [("OLD-1", 2), ("OLD-2", 1)]
    assert all(state != "draft" for _r, state, _n in orders)
    again = run_import(sales, "sales_orders", path)
    assert (again.inserted, again.unchanged) == (0, 2)


def test_a_tax_id_twice_in_the_file_or_taken_is_refused(world: World, as_clerk: Any, tmp_path: Path) -> None:
    taken = "911101056000012342"  # customer CN has it
    free = "91310000MA1FL8TQ23"
    path = write_csv(
        tmp_path / "tax.csv",
        [["code", "name", "tax_id"], ["T1", "One", free], ["T2", "Two", free], ["T3", "Three", taken]],
    )
    result = run_import(as_clerk("admin"), "customers", path)
    assert not result.written
    assert [(p.row, p.field, p.sentence) for p in result.problems if p.field == "tax_id"] == [
        (3, "tax_id", f"{free} is already in row 2 of the file."),
        (4, "tax_id", "CN already has this unified social credit code."),
    ]


def test_orders_need_the_sales_duty_and_a_refused_order_writes_none(
    world: World, as_clerk: Any, tmp_path: Path
) -> None:
    later = (world.today + dt.timedelta(days=5)).isoformat()
    past = (world.today - dt.timedelta(days=5)).isoformat()
    path = write_csv(
        tmp_path / "orders.csv",
        [["reference", "customer", "sku", "quantity", "requested_date"],
         ["R-1", "CN", "BUY-A", "1", later], ["R-2", "CN", "BUY-A", "1", past]],
    )  # fmt: skip
    with pytest.raises(DomainError, match="you are logged in as warehouse"):
        run_import(as_clerk("warehouse"), "sales_orders", path)
    result = run_import(as_clerk("sales"), "sales_orders", path)
    assert not result.written
    assert [(p.row, p.column, p.sentence) for p in result.problems] == [
        (3, "reference", "Order R-2: The requested date is in the past.")
    ]
    assert scalar(world.db, "SELECT count(*) FROM erp.sales_orders WHERE customer_reference LIKE 'R-%'") == 0


def test_cells_with_tabs_newlines_and_backslashes_arrive_as_typed(world: World, tmp_path: Path) -> None:
    address = "上海市\n浦东新区\t世纪大道 C:\\100 号"
    path = write_xlsx(tmp_path / "odd.xlsx", [["code", "name", "address"], ["ODD1", "Odd \\N Ltd", address]])
    assert run_import(world.db, "customers", path).written
    assert scalar(world.db, "SELECT address FROM erp.customers WHERE code = 'ODD1'") == address
    assert scalar(world.db, "SELECT name FROM erp.customers WHERE code = 'ODD1'") == "Odd \\N Ltd"


def test_each_department_imports_the_columns_it_keeps(world: World, as_clerk: Any, tmp_path: Path) -> None:
    from server_db.transfer.export import export

    customers = write_xlsx(
        tmp_path / "c.xlsx", [["编码", "客户名称", "电话"], ["DK1", "部门一贸易有限公司", "138 0000 0001"]]
    )
    assert run_import(as_clerk("sales"), "customers", customers).inserted == 1
    # finance sends only the codes and its credit terms: the name is not needed for a customer that exists
    terms = write_xlsx(tmp_path / "terms.xlsx", [["编码", "信用额度", "账期(天)"], ["DK1", 80000, 45]])
    result = run_import(as_clerk("finance"), "customers", terms)
    assert result.problems == [] and result.updated == 1
    assert scalar(world.db, "SELECT credit_limit FROM erp.customers WHERE code = 'DK1'") == Decimal("80000.00")
    # sales exports every column, finance's included, and imports the file back: what it does not change,
    # it does not need to keep
    exported = tmp_path / "all.xlsx"
    rows = export(world.db, "customers", exported)
    again = run_import(as_clerk("sales"), "customers", exported)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, rows)
    # a change to finance's column is still refused, naming who keeps it
    changed = write_xlsx(tmp_path / "limit.xlsx", [["编码", "信用额度"], ["DK1", 1]])
    with pytest.raises(DomainError, match="Only admin or finance may change the credit limit of customers"):
        run_import(as_clerk("sales"), "customers", changed)
    # a new customer still needs its name, as the form does
    nameless = write_xlsx(tmp_path / "new.xlsx", [["编码", "电话"], ["DK2", "138 0000 0002"]])
    refused = run_import(as_clerk("sales"), "customers", nameless)
    assert not refused.written and [(p.row, p.field) for p in refused.problems] == [(2, "name")]


def test_new_records_need_only_the_duty_to_give_them(world: World, as_clerk: Any, tmp_path: Path) -> None:
    # sales gives new customers every column it keeps; nothing here changes an existing record, so no duty to
    # change anything is asked for (finance's columns are left empty)
    path = write_xlsx(
        tmp_path / "new.xlsx",
        [["编码", "客户名称", "电话", "信用额度"], ["NW1", "新一贸易有限公司", "138 0000 0011", None]],
    )
    result = run_import(as_clerk("sales"), "customers", path)
    assert result.written and (result.inserted, result.updated) == (1, 0)
