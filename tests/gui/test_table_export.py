"""Every list copies and exports what the person sees: right-click menu, Ctrl+C, Ctrl+E, filtered and sorted
rows in the visible columns' order, numbers as numbers and dates as dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QContextMenuEvent, QGuiApplication
from PySide6.QtWidgets import QApplication, QMainWindow, QPushButton

from erp_desktop import table_export
from erp_desktop.table_models import Column
from erp_desktop.widgets import RecordTable
from erp_desktop.windows.sales import SalesWindow
from tests.factories import World

SHOTS = Path("/tmp/shots")


@pytest.fixture(autouse=True)
def settings_in(tmp_path: Path):
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    QSettings().remove(table_export.SETTINGS_FOLDER)
    yield


def open_sales(world: World, clients, qtbot) -> SalesWindow:
    world.order([("BUY-A", 3)])  # net 30
    world.order([("BUY-B", 1)])  # net 20
    world.order([("BUY-A", 1)], customer="LIMIT")  # net 10, another customer
    world.order([("MADE-Y", 1)])  # net 100
    window = SalesWindow(clients.open("sales"))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.orders.loaded and window.orders.table.proxy.rowCount() == 4, timeout=10000)
    return window


def export_through_dialog(qtbot, table: RecordTable, path: Path, file_format: str = "xlsx"):
    job = table.export(file_format)
    assert job.dialog is not None and job.dialog.isVisible()
    with qtbot.waitSignal(job.finished, timeout=20000):
        job.dialog.selectFile(str(path))
        job.dialog.accept()
    return job


def test_export_writes_the_rows_and_columns_as_shown(world: World, clients, qtbot, tmp_path: Path) -> None:
    window = open_sales(world, clients, qtbot)
    table = window.orders.table
    window.orders.filter.search.setText("北京华联")  # the three orders of one customer
    qtbot.waitUntil(lambda: table.proxy.rowCount() == 3, timeout=3000)
    net = next(i for i, c in enumerate(table.source.columns) if c.field == "net_total")
    table.sortByColumn(net, Qt.SortOrder.AscendingOrder)
    header = table.horizontalHeader()
    header.moveSection(header.visualIndex(net), 0)  # the person dragged "Net" to the front
    hidden = next(i for i, c in enumerate(table.source.columns) if c.field == "estimated_ship_date")
    table.setColumnHidden(hidden, True)

    assert table_export.default_file_name(table, "xlsx", today=dt.date(2026, 3, 1)) == "Sales - Orders 2026-03-01.xlsx"
    path = tmp_path / "orders"
    job = export_through_dialog(qtbot, table, path)
    assert job.outcome == "exported" and job.path == tmp_path / "orders.xlsx"
    assert window.message.text == f"Exported 3 rows to {tmp_path / 'orders.xlsx'}."
    assert QSettings().value(table_export.SETTINGS_FOLDER) == str(tmp_path)  # the folder is remembered

    rows = list(openpyxl.load_workbook(tmp_path / "orders.xlsx").active.iter_rows(values_only=True))
    assert rows[0] == (
        "Net", "Order", "Customer", "State", "Ordered", "Requested", "Promised", "Late", "Gross"
    )  # fmt: skip
    assert [row[0] for row in rows[1:]] == [20, 30, 100]  # sorted as shown, numbers as numbers
    assert all(isinstance(row[0], float | int) for row in rows[1:])
    shown = [table.proxy.index(r, table.proxy.columnCount() - 1) for r in range(3)]
    assert [row[1] for row in rows[1:]] == [
        table.source.record_by_id(table.proxy.id_at(i.row()))["number"] for i in shown
    ]
    assert {row[2] for row in rows[1:]} == {"北京华联商贸有限公司"}
    assert rows[1][3] == "draft"
    assert isinstance(rows[1][4], dt.datetime)  # a real date in Excel
    assert rows[1][4].date() == world.today


def test_the_context_menu_copy_and_open(world: World, clients, qtbot) -> None:
    window = open_sales(world, clients, qtbot)
    table = window.orders.table
    table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    table.setFocus()
    rect = table.visualRect(table.proxy.index(1, 0))
    QApplication.sendEvent(
        table.viewport(),
        QContextMenuEvent(QContextMenuEvent.Reason.Mouse, rect.center(), table.viewport().mapToGlobal(rect.center())),
    )
    menu = table.context_menu
    assert menu is not None
    qtbot.waitUntil(menu.isVisible, timeout=3000)
    assert [a.text() for a in menu.actions() if not a.isSeparator()] == [
        "Open", "Copy", "Copy with headers", "Export to Excel…", "Export to CSV…"
    ]  # fmt: skip
    assert table.current_id() == table.proxy.id_at(1)  # the right-clicked row is selected
    SHOTS.mkdir(exist_ok=True)
    window.grab().save(str(SHOTS / "table_window.png"))
    menu.grab().save(str(SHOTS / "table_context_menu.png"))
    opened = []
    table.activated_id.disconnect()  # the window would open the editor; here we only see the signal
    table.activated_id.connect(opened.append)
    next(a for a in menu.actions() if a.text() == "Open").trigger()
    assert opened == [table.proxy.id_at(1)]
    menu.close()

    table.selectAll()
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    lines = QGuiApplication.clipboard().text().splitlines()
    assert len(lines) == 4
    cells = [line.split("\t") for line in lines]
    assert {len(c) for c in cells} == {len(table.source.columns)}
    numbers = sorted(Decimal(c[8]) for c in cells)
    assert [str(n) for n in numbers] == ["10.00", "20.00", "30.00", "100.00"]  # plain digits, a dot
    assert cells[0][3] == world.today.isoformat()  # dates ISO
    with_headers = table.copy(headers=True).splitlines()
    assert with_headers[0].split("\t")[:3] == ["Order", "Customer", "State"]


def test_ctrl_e_asks_for_a_file_and_csv_reads_back(world: World, clients, qtbot, tmp_path: Path) -> None:
    window = open_sales(world, clients, qtbot)
    table = window.orders.table
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    job = table.last_export
    assert job is not None and job.dialog.isVisible() and job.dialog.windowTitle() == "Export to Excel"
    job.dialog.reject()
    job = table.export("csv")
    with qtbot.waitSignal(job.finished, timeout=20000):
        job.dialog.selectFile(str(tmp_path / "orders.csv"))
        job.dialog.accept()
    text = (tmp_path / "orders.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(text) == 5 and text[0].startswith("Order,Customer,State")


def test_a_cancelled_big_export_leaves_no_file(qtbot, tmp_path: Path) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    table = RecordTable(
        [Column("code", "Code"), Column("qty", "Qty", "qty"), Column("when", "When", "date")], sort=None
    )
    window.setCentralWidget(table)
    window.show()
    table.source.reset(
        {"id": i, "code": f"{i:06d}", "qty": Decimal(i) / 3, "when": dt.date(2026, 1, 1)} for i in range(200_000)
    )
    job = table_export.TableExport(table, "xlsx")
    folder = tmp_path / "out"
    folder.mkdir()
    path = folder / "big.xlsx"
    path.write_text("an older export")
    job.write_to(path)
    assert job.progress is not None and job.progress.isVisible()
    assert job.progress.labelText().startswith("Exporting ")
    SHOTS.mkdir(exist_ok=True)
    job.progress.grab().save(str(SHOTS / "table_export_progress.png"))
    job.progress.findChild(QPushButton).click()  # Cancel
    qtbot.waitUntil(lambda: job.outcome != "", timeout=30000)
    assert job.outcome == "cancelled"
    assert path.read_text() == "an older export"
    assert sorted(p.name for p in folder.iterdir()) == ["big.xlsx"]  # no temporary file left


@pytest.mark.parametrize("fast_sort", [True, False])
def test_the_rows_taken_are_the_rows_shown_in_their_order(qtbot, fast_sort: bool) -> None:
    table = RecordTable([Column("code", "Code"), Column("qty", "Qty", "qty"), Column("line", "#")], fast_sort=fast_sort)
    qtbot.addWidget(table)
    table.source.reset({"id": i, "code": f"C{i % 7}-{i}", "qty": Decimal(i % 5), "line": i} for i in range(300))
    table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    table.proxy.set_search("c3-")
    shown = [table.source.record_by_id(table.proxy.id_at(r)) for r in range(table.proxy.rowCount())]
    taken = table_export.snapshot(table)
    assert len(taken.rows) == len(shown) > 0
    assert [row[0] for row in taken.rows] == [record["code"] for record in shown]
    assert [c.kind for c in taken.columns] == ["text", "qty", "int"]  # whole numbers shown as text: numbers
