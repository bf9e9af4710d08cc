"""The purchasing window, clicked like a buyer: requests arrive live, become purchase orders, are sent,
cancelled, and overdue orders stand out."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import text

from erp_desktop import format as fmt
from erp_desktop.windows.purchasing import PurchasingWindow
from server_db.masterdata import services as masterdata
from server_db.purchasing import queries as purchasing_queries
from server_db.purchasing import services as purchasing
from tests.gui.test_warehouse import busy_morning, demo_clients_for, screenshot_path, settle

pytestmark = [pytest.mark.gui, pytest.mark.db]


@pytest.fixture
def window(clients, qtbot) -> PurchasingWindow:
    return open_window(clients, qtbot)


def open_window(clients, qtbot, department: str = "purchasing") -> PurchasingWindow:
    window = PurchasingWindow(clients.open(department))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: all(live.loaded for live in window.lists), timeout=10000)
    return window


def second_supplier(world) -> None:
    def setup(session: Any) -> None:
        masterdata.create_supplier(session, code="SZ", name="深圳电子有限公司", lead_time_days=3)
        masterdata.create_product(
            session, sku="BUY-C", name="Bought C 电阻", procurement="buy", price="5", cost="2", default_supplier="SZ"
        )

    world.db.run(setup)


def press(qtbot, window, key: Qt.Key, modifiers=Qt.KeyboardModifier.ControlModifier) -> None:
    window.activateWindow()
    qtbot.keyClick(QApplication.focusWidget() or window, key, modifiers)


def select_rows(table, ids: list[int]) -> None:
    table.setFocus()
    table.selectionModel().clearSelection()
    for key in ids:
        index = table.proxy.mapFromSource(table.source.index(table.source.row_of(key), 0))
        table.selectionModel().select(
            index, QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        )
        table.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)


def answer(qtbot, window, button: QMessageBox.StandardButton) -> None:
    qtbot.waitUntil(lambda: window.question is not None and window.question.isVisible(), timeout=5000)
    qtbot.mouseClick(window.question.button(button), Qt.MouseButton.LeftButton)


def test_open_requests_appear_when_sales_confirms_a_short_order(world, window, qtbot):
    assert window.requests.table.source.rowCount() == 0
    order = world.confirmed_order([("BUY-A", 5)])
    qtbot.waitUntil(lambda: window.requests.table.source.rowCount() == 1, timeout=10000)
    record = window.requests.table.source.record(0)
    number = world.order_row(order)["number"]
    assert (record["sku"], record["quantity"], record["order_number"]) == ("BUY-A", 5, number)
    assert record["supplier"] == "SUP · 宁波供应商"
    assert "1 open request from 1 supplier" in window.requests_summary.text()
    assert window.tabs.tabText(window.requests_tab) == "&Open requests (1)"
    qtbot.waitUntil(lambda: any("New purchase request" in m for m in window.inbox.messages()), timeout=5000)


def test_requests_are_grouped_by_supplier(world, window, qtbot):
    second_supplier(world)
    world.confirmed_order([("BUY-A", 5), ("BUY-C", 7), ("BUY-B", 2)])
    qtbot.waitUntil(lambda: window.requests.table.source.rowCount() == 3, timeout=10000)
    proxy = window.requests.table.proxy
    suppliers = [proxy.index(row, 0).data() for row in range(proxy.rowCount())]
    assert suppliers == sorted(suppliers)
    assert suppliers[0].startswith("SUP") and suppliers[-1].startswith("SZ")
    # a later order needed sooner from the same supplier takes its place by date within the group
    world.confirmed_order([("BUY-B", 4)], days=3)
    qtbot.waitUntil(lambda: window.requests.table.source.rowCount() == 4, timeout=10000)
    rows = [(proxy.index(row, 0).data(), proxy.index(row, 5).data()) for row in range(proxy.rowCount())]
    assert rows == sorted(rows)
    soonest = window.requests.table.source.record_by_id(proxy.id_at(0))
    assert (soonest["sku"], soonest["needed_by"]) == ("BUY-B", world.today + dt.timedelta(days=3))


def test_creating_purchase_orders_from_the_selected_requests(world, window, qtbot):
    world.confirmed_order([("BUY-A", 5)])
    world.confirmed_order([("BUY-B", 2)])
    qtbot.waitUntil(lambda: window.requests.table.source.rowCount() == 2, timeout=10000)
    source = window.requests.table.source
    chosen = next(key for key in source.ids() if source.record_by_id(key)["sku"] == "BUY-A")
    select_rows(window.requests.table, [chosen])
    qtbot.waitUntil(lambda: window.create_action.isEnabled())
    press(qtbot, window, Qt.Key.Key_O)
    qtbot.waitUntil(lambda: "as draft" in window.message.text, timeout=10000)
    drafts = world.db.run(lambda s: purchasing_queries.purchase_orders(s, states=["draft"]))
    assert len(drafts) == 1 and drafts[0]["ordered"] == 5
    assert drafts[0]["number"] in window.message.text
    # the ordered request leaves the list, the other stays open
    qtbot.waitUntil(lambda: source.row_of(chosen) is None and source.rowCount() == 1, timeout=5000)
    assert source.record(0)["sku"] == "BUY-B"
    # the window moved to the new draft, ready to be sent
    assert window.tabs.currentIndex() == window.orders_tab
    qtbot.waitUntil(lambda: window.orders.table.current_id() == drafts[0]["id"], timeout=5000)
    qtbot.waitUntil(lambda: window.lines.source.rowCount() == 1, timeout=5000)
    assert window.lines.source.record(0)["sku"] == "BUY-A"


def test_creating_all_asks_first_and_says_how_many_orders(world, window, qtbot):
    second_supplier(world)
    world.confirmed_order([("BUY-A", 5), ("BUY-C", 7), ("BUY-B", 2)])
    qtbot.waitUntil(lambda: window.requests.table.source.rowCount() == 3, timeout=10000)
    window.requests.table.clearSelection()
    window.create_action.trigger()
    qtbot.waitUntil(lambda: window.question is not None and window.question.isVisible(), timeout=5000)
    question = window.question.text()
    assert "all 3 open requests" in question and "2 draft purchase orders" in question
    assert "深圳电子有限公司" in question
    answer(qtbot, window, QMessageBox.StandardButton.No)
    assert world.count("purchase_orders") == 0
    window.create_action.trigger()
    answer(qtbot, window, QMessageBox.StandardButton.Yes)
    qtbot.waitUntil(lambda: "as drafts" in window.message.text, timeout=10000)
    assert world.count("purchase_orders", "state = 'draft'") == 2
    qtbot.waitUntil(lambda: window.requests.table.source.rowCount() == 0, timeout=5000)
    qtbot.waitUntil(lambda: window.orders.table.source.rowCount() == 2, timeout=5000)


def test_sending_a_draft(world, window, qtbot):
    world.confirmed_order([("BUY-A", 5)])
    world.db.run(purchasing.create_purchase_orders)
    po = world.db.run(lambda s: purchasing_queries.purchase_orders(s, states=["draft"]))[0]
    window.tabs.setCurrentIndex(window.orders_tab)
    qtbot.waitUntil(lambda: window.orders.table.source.row_of(po["id"]) is not None, timeout=10000)
    window.orders.table.select_id(po["id"])
    window.orders.table.setFocus()
    qtbot.waitUntil(lambda: window.send_action.isEnabled())
    assert window.cancel_action.isEnabled()
    press(qtbot, window, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "sent" in window.message.text, timeout=10000)
    assert world.db.run(lambda s: purchasing_queries.purchase_orders(s, ids=[po["id"]]))[0]["state"] == "sent"
    qtbot.waitUntil(lambda: window.orders.table.current_record()["state"] == "sent", timeout=5000)
    assert not window.send_action.isEnabled()  # only drafts are sent
    assert window.cancel_action.isEnabled()  # a sent order can still be cancelled


def test_cancelling_asks_and_puts_the_requests_back(world, window, qtbot):
    world.confirmed_order([("BUY-A", 5)])
    world.db.run(purchasing.create_purchase_orders)
    po = world.db.run(lambda s: purchasing_queries.purchase_orders(s, states=["draft"]))[0]
    window.tabs.setCurrentIndex(window.orders_tab)
    qtbot.waitUntil(lambda: window.orders.table.source.row_of(po["id"]) is not None, timeout=10000)
    window.orders.table.select_id(po["id"])
    qtbot.waitUntil(lambda: window.cancel_action.isEnabled())
    window.cancel_action.trigger()
    assert window.question.defaultButton() is window.question.button(QMessageBox.StandardButton.No)
    answer(qtbot, window, QMessageBox.StandardButton.No)
    assert world.db.run(lambda s: purchasing_queries.purchase_orders(s, ids=[po["id"]]))[0]["state"] == "draft"
    window.cancel_action.trigger()
    answer(qtbot, window, QMessageBox.StandardButton.Yes)
    qtbot.waitUntil(lambda: "cancelled" in window.message.text, timeout=10000)
    assert world.db.run(lambda s: purchasing_queries.purchase_orders(s, ids=[po["id"]]))[0]["state"] == "cancelled"
    qtbot.waitUntil(lambda: window.requests.table.source.rowCount() == 1, timeout=5000)


def test_overdue_purchase_orders_are_red(world, window, qtbot):
    world.confirmed_order([("BUY-A", 5)])
    world.db.run(purchasing.create_purchase_orders)
    po = world.db.run(lambda s: purchasing_queries.purchase_orders(s, states=["draft"]))[0]
    world.db.run(purchasing.send_purchase_order, po["id"])
    window.tabs.setCurrentIndex(window.orders_tab)
    qtbot.waitUntil(
        lambda: (window.orders.table.source.record_by_id(po["id"]) or {}).get("state") == "sent", timeout=10000
    )
    assert not window.orders.table.source.record_by_id(po["id"])["overdue"]
    # the supplier is late: the expected date passes (another writer; the window hears of it live)
    world.db.run(
        lambda s: s.execute(
            text("UPDATE erp.purchase_orders SET expected_date = current_date - 3 WHERE id = :id"), {"id": po["id"]}
        )
    )
    source = window.orders.table.source
    qtbot.waitUntil(lambda: source.record_by_id(po["id"])["overdue"], timeout=10000)
    qtbot.waitUntil(lambda: not source.flashing(po["id"]), timeout=5000)
    row = source.row_of(po["id"])
    number = source.index(row, 0)
    assert source.data(number, Qt.ItemDataRole.ForegroundRole).color() == QColor(fmt.LATE_COLOUR)
    assert source.data(number, Qt.ItemDataRole.BackgroundRole).color() == QColor("#fdecea")
    assert source.data(number, Qt.ItemDataRole.FontRole).bold()
    assert "1 overdue" in window.tabs.tabText(window.orders_tab)


def test_the_purchasing_window_offers_only_purchasing_work(world, clients, window, qtbot):
    names = {action.text() for action in window.toolbar.actions()}
    assert names == {"Create purchase orders", "Send", "Cancel purchase order"}
    # the warehouse reads purchase orders too, but is offered none of these buttons
    warehouse_view = open_window(clients, qtbot, "warehouse")
    assert warehouse_view.toolbar.actions() == []
    assert warehouse_view.create_action is None and warehouse_view.send_action is None


def test_the_requests_model_passes_the_model_tester(world, window, qtbot, qtmodeltester):
    world.confirmed_order([("BUY-A", 5), ("BUY-B", 1)])
    qtbot.waitUntil(lambda: window.requests.table.source.rowCount() == 2, timeout=10000)
    qtmodeltester.check(window.requests.table.source)
    qtmodeltester.check(window.requests.table.proxy)


@pytest.fixture
def demo_clients(db, db_url, qapp):
    result = demo_clients_for(db, db_url)
    yield result
    result.close()


def test_screenshot_with_demo_data(demo_clients, qtbot, tmp_path):
    window = open_window(demo_clients, qtbot)
    window.resize(1280, 760)
    busy_morning(demo_clients.world)
    qtbot.waitUntil(lambda: window.requests.table.source.rowCount() >= 3, timeout=10000)
    settle(qtbot, window)
    window.requests.table.selectRow(0)
    window.grab().save(str(tmp_path / "purchasing-requests.png"))
    window.tabs.setCurrentIndex(window.orders_tab)
    source = window.orders.table.source
    assert any(source.record_by_id(key)["overdue"] for key in source.ids())
    draft = next(key for key in source.ids() if source.record_by_id(key)["state"] == "draft")
    window.orders.table.select_id(draft)  # the overdue row stays unselected, so its red shows
    window.orders.table.setFocus()
    settle(qtbot, window)
    qtbot.waitUntil(lambda: window.lines.source.rowCount() > 0, timeout=5000)
    image = window.grab()
    assert image.width() >= 1200
    assert image.save(str(screenshot_path("purchasing.png", tmp_path)))
