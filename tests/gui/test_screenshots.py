"""Screenshots of the sales window, order entry, the board, the login window and master data with the demo
company, for the docs. They are written to docs/screenshots only with ERP_SCREENSHOTS=1; otherwise to a
temporary folder, and the test still checks the windows fill with data."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from erp_desktop.login import LoginDialog
from erp_desktop.windows.board import BoardWindow
from erp_desktop.windows.order_editor import QTY, SKU
from erp_desktop.windows.sales import SalesWindow
from server_db.app import demo
from tests.gui.conftest import Clients

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return DOCS if os.environ.get("ERP_SCREENSHOTS") == "1" else tmp_path


def test_screenshots_of_sales_board_and_login(db, db_url, qapp, qtbot, folder: Path) -> None:
    demo.load(db)
    clients = Clients(SimpleNamespace(db=db), db_url)
    try:
        _shoot(clients, qtbot, folder)
    finally:
        clients.close()


def _shoot(clients: Clients, qtbot, folder: Path) -> None:
    sales = SalesWindow(clients.open("sales"))
    qtbot.addWidget(sales)
    sales.resize(1280, 760)
    sales.show()
    qtbot.waitUntil(lambda: sales.orders.table.source.rowCount() >= 10, timeout=15000)
    late = next(r for r in range(sales.orders.table.source.rowCount()) if sales.orders.table.source.record(r)["late"])
    sales.orders.table.select_id(sales.orders.table.source.record(late)["id"])
    qtbot.waitUntil(lambda: sales.timeline.count() > 0, timeout=10000)
    qtbot.wait(200)
    assert sales.grab().save(str(folder / "sales.png"))

    editor = sales._open_editor(None)
    qtbot.waitUntil(lambda: editor.ready, timeout=10000)
    editor.resize(1180, 560)
    editor.customer.setText("HUALIAN")
    editor._customer_chosen()
    editor.reference.setText("PO-HL-2026-131")
    for row, (sku, qty) in enumerate([("PUMP-P100", "4"), ("BRG-6204", "120"), ("MTR-750W", "6"), ("SEAL-KIT", "10")]):
        if row:
            editor.lines.add_line()
        editor.lines.item(row, SKU).setText(sku)
        editor.lines.item(row, QTY).setText(qty)
    qtbot.waitUntil(lambda: editor.lines.text(3, 10) != "", timeout=10000)
    qtbot.wait(200)
    assert editor.grab().save(str(folder / "order-entry.png"))
    editor._dirty = False
    editor.close()

    board = BoardWindow(clients.open("supervisor"))
    qtbot.addWidget(board)
    board.resize(1280, 760)
    board.show()
    qtbot.waitUntil(lambda: board.board.table.source.rowCount() >= 8 and bool(board.dashboard), timeout=15000)
    qtbot.wait(300)
    assert board.grab().save(str(folder / "board.png"))

    login = LoginDialog()
    qtbot.addWidget(login)
    login.user.setText("demo_sales")
    login.show()
    qtbot.wait(100)
    assert login.grab().save(str(folder / "login.png"))


def test_screenshots_of_master_data(db, db_url, qapp, qtbot, folder: Path) -> None:
    """The master-data pages and forms with the demo company: admin products with a bill of materials,
    a customer's form, the warehouse's stock count."""
    demo.load(db)
    clients = Clients(SimpleNamespace(db=db), db_url)
    try:
        _shoot_master_data(clients, qtbot, folder)
    finally:
        clients.close()


def _shoot_master_data(clients: Clients, qtbot, folder: Path) -> None:
    from erp_desktop.windows.admin import AdminWindow
    from erp_desktop.windows.warehouse import WarehouseWindow

    admin = AdminWindow(clients.open("admin"))
    qtbot.addWidget(admin)
    admin.resize(1280, 760)
    admin.show()
    panel = admin.products
    page = panel.master_page
    admin.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: page.list.loaded and page.duties is not None, timeout=15000)
    source = page.table.source
    made = next(
        source.record(r)
        for r in range(source.rowCount())
        if source.record(r)["procurement"] == "make" and source.record(r)["components"]
    )
    page.table.select_id(made["id"])
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() > 0, timeout=10000)
    qtbot.wait(200)
    assert admin.grab().save(str(folder / "masterdata-products.png"))

    admin.tabs.setCurrentWidget(admin.customers)
    qtbot.waitUntil(lambda: admin.customers.table.source.rowCount() >= 3, timeout=10000)
    admin.customers.table.select_id(admin.customers.table.source.record(0)["id"])
    assert admin.grab().save(str(folder / "masterdata-customers.png"))
    admin.customers.edit()
    qtbot.waitUntil(lambda: bool(admin.customers.forms) and admin.customers.forms[-1].isVisible(), timeout=10000)
    form = admin.customers.forms[-1]
    assert form.value("code")
    assert form.grab().save(str(folder / "masterdata-customer-form.png"))
    form.reject()

    warehouse = WarehouseWindow(clients.open("warehouse"))
    qtbot.addWidget(warehouse)
    warehouse.resize(1280, 760)
    warehouse.show()
    warehouse.tabs.setCurrentIndex(warehouse.count_tab)
    qtbot.waitUntil(lambda: warehouse.count_page.loaded, timeout=15000)
    assert warehouse.count_page.table.rowCount() >= 5
    assert warehouse.grab().save(str(folder / "masterdata-stock-count.png"))
