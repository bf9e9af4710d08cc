"""The warehouse window, clicked like a clerk: live pick queue, partial shipment, receiving, adjustments."""

from __future__ import annotations

import datetime as dt
import os
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QDoubleSpinBox, QLineEdit
from sqlalchemy import text

from erp_desktop.windows.warehouse import WarehouseWindow
from server_db.app import demo
from server_db.core.calls import current_date
from server_db.core.db import Database
from server_db.purchasing import queries as purchasing_queries
from server_db.purchasing import services as purchasing
from server_db.sales import services as sales
from server_db.sales.services import LineInput
from server_db.warehouse import queries as warehouse_queries

pytestmark = [pytest.mark.gui, pytest.mark.db]


def open_window(clients, qtbot, department: str = "warehouse") -> WarehouseWindow:
    window = WarehouseWindow(clients.open(department))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: all(live.loaded for live in window.lists), timeout=10000)
    return window


@pytest.fixture
def window(clients, qtbot) -> WarehouseWindow:
    return open_window(clients, qtbot)


def press(qtbot, window: WarehouseWindow, shortcut: str) -> None:
    """Press a window shortcut the way a clerk does, on the focused table."""
    window.activateWindow()
    target = QApplication.focusWidget() or window
    key, *mods = reversed(shortcut.split("+"))
    modifiers = Qt.KeyboardModifier.NoModifier
    for mod in mods:
        modifiers |= {"Ctrl": Qt.KeyboardModifier.ControlModifier, "Shift": Qt.KeyboardModifier.ShiftModifier}[mod]
    qtbot.keyClick(target, getattr(Qt.Key, f"Key_{key}"), modifiers)


def type_text(widget, text: str) -> None:
    """Chinese and other non-ASCII text arrives as a key event carrying the text (keyClicks would abort)."""
    event = QKeyEvent(QKeyEvent.Type.KeyPress, 0, Qt.KeyboardModifier.NoModifier, text)
    QApplication.sendEvent(widget, event)


def dialog_open(dialog) -> bool:
    return dialog is not None and dialog.isVisible()


def choose_row(qtbot, live, key) -> None:
    qtbot.waitUntil(lambda: live.table.source.row_of(key) is not None, timeout=10000)
    assert live.table.select_id(key)
    live.table.setFocus()


def test_pick_queue_shows_an_order_sales_confirms_elsewhere_without_reload(world, window, qtbot):
    world.stock("BUY-A", 10)
    assert window.picks.table.source.rowCount() == 0
    order = world.confirmed_order([("BUY-A", 4)])  # another person, another connection
    qtbot.waitUntil(lambda: window.picks.table.source.row_of(order) is not None, timeout=10000)
    record = window.picks.table.source.record_by_id(order)
    assert record["state"] == "ready" and record["pickable"] == 4
    qtbot.waitUntil(lambda: any("ready to pick" in m for m in window.inbox.messages()), timeout=5000)
    # the stock tab followed too: 4 of 10 are now reserved
    bought_a = world.products["BUY-A"]
    qtbot.waitUntil(lambda: (window.stock.table.source.record_by_id(bought_a) or {}).get("reserved") == 4, timeout=5000)


def test_partial_shipment_through_the_dialog_leaves_a_backorder(world, window, qtbot, monkeypatch):
    world.stock("BUY-A", 10)
    world.stock("BUY-B", 3)
    order = world.confirmed_order([("BUY-A", 10), ("BUY-B", 3)])
    printed: list[int] = []
    monkeypatch.setattr(window, "print_delivery_note", lambda note_id, after="": printed.append(note_id))
    choose_row(qtbot, window.picks, order)
    qtbot.waitUntil(lambda: window.ship_action.isEnabled())
    press(qtbot, window, "Ctrl+P")
    qtbot.waitUntil(lambda: dialog_open(window.ship_dialog), timeout=5000)
    dialog = window.ship_dialog
    lines = world.lines(order)
    spin_a = dialog.findChild(QDoubleSpinBox, f"qty-{lines['BUY-A']['line_id']}")
    spin_b = dialog.findChild(QDoubleSpinBox, f"qty-{lines['BUY-B']['line_id']}")
    assert (spin_a.value(), spin_a.maximum(), spin_b.value()) == (10, 10, 3)
    spin_a.setFocus()
    spin_a.selectAll()
    qtbot.keyClicks(spin_a, "4")
    assert spin_a.value() == 4
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "backorder of 6 left" in window.message.text, timeout=10000)
    assert window.message.text.startswith("DN-")
    assert window.ship_dialog is None or not window.ship_dialog.isVisible()
    lines = world.lines(order)
    assert (lines["BUY-A"]["shipped"], lines["BUY-A"]["backorder"]) == (4, 6)
    assert (lines["BUY-B"]["shipped"], lines["BUY-B"]["backorder"]) == (3, 0)
    assert world.state(order) == "partially_shipped"
    assert world.level("BUY-A") == (6, 6)
    notes = world.db.run(lambda s: warehouse_queries.delivery_notes(s, order_id=order))
    assert printed == [notes[0]["id"]]
    # the note is listed, the order still waits in the queue for the rest
    qtbot.waitUntil(lambda: window.notes.table.source.row_of(notes[0]["id"]) is not None, timeout=5000)
    qtbot.waitUntil(
        lambda: (window.picks.table.source.record_by_id(order) or {}).get("state") == "partially_shipped", timeout=5000
    )


def test_shipping_more_than_reserved_is_refused_in_the_dialog(world, window, qtbot):
    world.stock("BUY-A", 5)
    order = world.confirmed_order([("BUY-A", 5)])
    choose_row(qtbot, window.picks, order)
    window.ship_action.trigger()
    qtbot.waitUntil(lambda: dialog_open(window.ship_dialog), timeout=5000)
    dialog = window.ship_dialog
    dialog.none_button.click()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "at least one line" in dialog.message.text, timeout=5000)
    assert dialog.isVisible() and dialog.ok_button.isEnabled()
    assert world.lines(order)["BUY-A"]["shipped"] == 0
    dialog.reject()


def test_receiving_a_purchase_order_fills_stock_and_readies_the_waiting_order(world, window, qtbot):
    order = world.confirmed_order([("BUY-A", 5)])  # nothing in stock: a purchase request
    assert world.state(order) == "confirmed"
    world.db.run(purchasing.create_purchase_orders)
    po = world.db.run(lambda s: purchasing_queries.purchase_orders(s, states=["draft"]))[0]
    # a draft is not the warehouse's business yet; once sent, it appears by itself
    assert window.receiving.table.source.rowCount() == 0
    world.db.run(purchasing.send_purchase_order, po["id"])
    window.tabs.setCurrentIndex(window.receiving_tab)
    choose_row(qtbot, window.receiving, po["id"])
    qtbot.waitUntil(lambda: window.receive_action.isEnabled())
    press(qtbot, window, "Ctrl+R")
    qtbot.waitUntil(lambda: dialog_open(window.receive_dialog), timeout=5000)
    dialog = window.receive_dialog
    line = world.db.run(lambda s: purchasing_queries.purchase_order_lines(s, po["id"]))[0]
    spin = dialog.findChild(QDoubleSpinBox, f"qty-{line['id']}")
    assert spin.value() == 5
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "received in full" in window.message.text, timeout=10000)
    assert po["number"] in window.message.text and "Ready to pick now" in window.message.text
    assert world.level("BUY-A") == (5, 5)
    assert world.state(order) == "ready"
    # the received order leaves the receiving list; the order appears in the pick queue, live
    qtbot.waitUntil(lambda: window.receiving.table.source.row_of(po["id"]) is None, timeout=5000)
    qtbot.waitUntil(lambda: window.picks.table.source.row_of(order) is not None, timeout=5000)


def test_partial_receipt_keeps_the_order_in_receiving(world, window, qtbot):
    world.confirmed_order([("BUY-A", 8)])
    world.db.run(purchasing.create_purchase_orders)
    po = world.db.run(lambda s: purchasing_queries.purchase_orders(s, states=["draft"]))[0]
    world.db.run(purchasing.send_purchase_order, po["id"])
    window.tabs.setCurrentIndex(window.receiving_tab)
    choose_row(qtbot, window.receiving, po["id"])
    window.receive_action.trigger()
    qtbot.waitUntil(lambda: dialog_open(window.receive_dialog), timeout=5000)
    spin = next(iter(window.receive_dialog.spin_boxes.values()))
    spin.setValue(3)
    window.receive_dialog.ok_button.click()
    qtbot.waitUntil(lambda: "partly received; 5 still outstanding" in window.message.text, timeout=10000)
    source = window.receiving.table.source
    qtbot.waitUntil(lambda: (source.record_by_id(po["id"]) or {}).get("outstanding") == 5, timeout=5000)
    assert window.receiving.table.source.record_by_id(po["id"])["state"] == "partially_received"


def test_adjustment_without_a_reason_is_refused_in_place_and_changes_nothing(world, window, qtbot):
    world.stock("BUY-A", 10)
    bought_a = world.products["BUY-A"]
    window.tabs.setCurrentIndex(window.stock_tab)
    choose_row(qtbot, window.stock, bought_a)
    qtbot.waitUntil(lambda: window.stock.table.current_record()["on_hand"] == 10, timeout=5000)
    qtbot.waitUntil(lambda: window.adjust_action.isEnabled())
    press(qtbot, window, "Ctrl+J")
    qtbot.waitUntil(lambda: dialog_open(window.adjust_dialog), timeout=5000)
    dialog = window.adjust_dialog
    assert dialog.product.currentData() == bought_a  # pre-filled from the selection
    assert "on hand 10" in dialog.stock.text()
    dialog.quantity.setFocus()
    dialog.quantity.selectAll()
    qtbot.keyClicks(dialog.quantity, "-2")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "reason is required" in dialog.message.text, timeout=5000)
    assert dialog.isVisible()
    assert dialog.reason.property("invalid") is True
    assert world.level("BUY-A") == (10, 0)
    # with a reason (typed in Chinese) it goes through
    reason = dialog.findChild(QLineEdit, "reason")
    reason.setFocus()
    type_text(reason, "盘点差异 count")
    assert reason.text() == "盘点差异 count"
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "adjusted by -2" in window.message.text, timeout=10000)
    assert world.level("BUY-A") == (8, 0)
    qtbot.waitUntil(lambda: window.stock.table.source.record_by_id(bought_a)["on_hand"] == 8, timeout=5000)


def test_removing_reserved_stock_is_refused_with_the_reason(world, window, qtbot):
    world.stock("BUY-A", 5)
    world.confirmed_order([("BUY-A", 5)])
    window.tabs.setCurrentIndex(window.stock_tab)
    choose_row(qtbot, window.stock, world.products["BUY-A"])
    window.adjust_action.trigger()
    qtbot.waitUntil(lambda: dialog_open(window.adjust_dialog), timeout=5000)
    dialog = window.adjust_dialog
    dialog.quantity.setValue(-1)
    dialog.reason.setText("broken")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: "not reserved for orders" in dialog.message.text, timeout=5000)
    assert world.level("BUY-A") == (5, 5)
    dialog.reject()


def test_the_warehouse_window_offers_only_warehouse_work(world, clients, qtbot):
    window = open_window(clients, qtbot)
    names = {action.text() for action in window.toolbar.actions()}
    assert names == {"Pick && ship", "Receive", "Adjust stock", "Print", "Print unprinted"}
    for foreign in (
        "Create purchase orders",
        "Send",
        "Cancel purchase order",
        "Invoice",
        "Record payment",
        "&New order",
        "&Confirm",
    ):
        assert foreign not in names
    # someone from finance opening it sees the lists and no buttons at all
    finance_view = open_window(clients, qtbot, "finance")
    assert finance_view.toolbar.actions() == []
    assert finance_view.ship_action is None and finance_view.adjust_action is None


def test_printing_says_when_it_is_not_available(world, window, qtbot, monkeypatch):
    world.stock("BUY-A", 2)
    order = world.confirmed_order([("BUY-A", 2)])
    note = world.ship_all(order)
    monkeypatch.setitem(sys.modules, "erp_desktop.printing", None)  # as if the module were not written yet
    window.tabs.setCurrentIndex(window.notes_tab)
    choose_row(qtbot, window.notes, note)
    qtbot.waitUntil(lambda: window.print_action.isEnabled())
    window.print_action.trigger()
    assert "Printing is not available yet" in window.message.text


def test_show_order_brings_the_order_forward_in_the_pick_queue(world, window, qtbot):
    world.stock("BUY-A", 6)
    first = world.confirmed_order([("BUY-A", 3)])
    second = world.confirmed_order([("BUY-A", 3)])
    qtbot.waitUntil(lambda: window.picks.table.source.rowCount() == 2, timeout=10000)
    window.tabs.setCurrentIndex(window.stock_tab)
    window.picks.filter.search.setText("no such order")
    window.show_order(second)
    assert window.tabs.currentIndex() == window.pick_tab
    assert window.picks.table.current_id() == second
    assert first != second


def test_the_table_models_pass_the_model_tester(world, window, qtbot, qtmodeltester):
    world.stock("BUY-A", 10)
    world.stock("COMP-X", 1)
    order = world.confirmed_order([("BUY-A", 4), ("BUY-B", 2)])
    stock = window.stock.table.source
    bought_a = world.products["BUY-A"]
    qtbot.waitUntil(lambda: window.picks.table.source.row_of(order) is not None, timeout=10000)
    qtbot.waitUntil(lambda: Decimal(stock.record_by_id(bought_a)["available"]) == 6, timeout=5000)
    qtmodeltester.check(window.picks.table.source)
    qtmodeltester.check(stock)
    qtmodeltester.check(window.stock.table.proxy)


# -- screenshots with the demo company ---------------------------------------------------------------------

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def screenshot_path(name: str, tmp_path: Path) -> Path:
    """docs/screenshots/<name> when ERP_SCREENSHOTS=1 (to refresh the docs), else a temporary file."""
    if os.environ.get("ERP_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS / name
    return tmp_path / name


class DemoWorld:
    """Just enough of a World for `Clients`: the demo company's database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        demo.load(db)
        self.today = db.run(current_date)

    def order(self, customer: str, lines: list[tuple[str, Any]], days: int, reference: str = "") -> int:
        changes = self.db.run(
            sales.create_order,
            customer=customer,
            lines=[LineInput(product=sku, quantity=qty) for sku, qty in lines],
            requested_date=self.today + dt.timedelta(days=days),
            customer_reference=reference,
        )
        assert changes.id is not None
        return changes.id

    def confirmed(self, customer: str, lines: list[tuple[str, Any]], days: int, reference: str = "") -> int:
        order_id = self.order(customer, lines, days, reference)
        self.db.run(sales.confirm_order, order_id)
        return order_id

    def overdue(self, po_id: int, days: int) -> None:
        """The supplier is late: the expected date passed `days` ago."""
        self.db.run(
            lambda s: s.execute(
                text(
                    "UPDATE erp.purchase_orders SET expected_date = current_date - CAST(:days AS integer)"
                    " WHERE id = :id"
                ),
                {"id": po_id, "days": days},
            )
        )


def demo_clients_for(db: Database, db_url: str) -> Any:
    """`Clients` logging people in to the demo company (tests/gui/conftest.py)."""
    from tests.gui.conftest import Clients

    return Clients(DemoWorld(db), db_url)  # type: ignore[arg-type]


@pytest.fixture
def demo_clients(db, db_url, qapp):
    result = demo_clients_for(db, db_url)
    yield result
    result.close()


def settle(qtbot, window) -> None:
    """Wait until every list has loaded and nothing flashes or runs any more."""
    qtbot.waitUntil(lambda: all(live.loaded for live in window.lists), timeout=10000)

    def flashing(live) -> bool:
        return any(live.table.source.flashing(key) for key in live.table.source.ids())

    qtbot.waitUntil(
        lambda: window.context.operations.running == 0 and not any(flashing(live) for live in window.lists),
        timeout=10000,
    )


def busy_morning(world: DemoWorld) -> None:
    """What happens while the windows are open: orders confirmed (some short), purchase orders created,
    sent, partly received, one overdue."""
    world.confirmed("HUALIAN", [("BRG-6204", 50), ("BLT-M8X30", 5)], 4, "PO-HL-2026-131")
    world.confirmed("PUDONG-EL", [("SEAL-KIT", 2), ("STL-PLATE-5", 6)], 9)
    world.confirmed("MUELLER", [("BRG-6204", 30)], 1, "Bestellung 4742")
    world.confirmed("ACME", [("BLT-M8X30", 3)], 8)
    world.confirmed("SZ-ROBOT", [("SEAL-KIT", 10), ("BRG-6204", 12)], 2, "加急 URGENT")
    world.confirmed("PUDONG-EL", [("BLT-M8X30", 120)], 6)
    world.confirmed("MUELLER", [("STL-PLATE-5", 40)], 12, "Bestellung 4751")
    world.confirmed("HUALIAN", [("BRG-6204", 300)], 14)
    world.confirmed("SZ-ROBOT", [("MTR-750W", 6), ("SEAL-KIT", 20)], 10)

    def requests(supplier: str) -> list[int]:
        return [r["id"] for r in world.db.run(purchasing_queries.purchase_requests) if r["supplier_code"] == supplier]

    def order(supplier: str) -> int:
        return world.db.run(purchasing.create_purchase_orders, request_ids=requests(supplier)).id

    fasteners, steel = order("FASTEN"), order("BAOSTEEL")
    order("NB-BEARING")  # stays a draft
    for po in (fasteners, steel):
        world.db.run(purchasing.send_purchase_order, po)
    line = world.db.run(lambda s: purchasing_queries.purchase_order_lines(s, fasteners))[0]
    world.db.run(purchasing.receive_purchase_order, fasteners, quantities={line["id"]: 40})
    world.overdue(steel, 3)
    world.confirmed("ACME", [("MTR-750W", 1), ("SEAL-KIT", 6)], 16)


def test_screenshot_with_demo_data(demo_clients, qtbot, tmp_path):
    world = demo_clients.world
    window = open_window(demo_clients, qtbot)
    window.resize(1280, 760)
    busy_morning(world)
    settle(qtbot, window)
    window.picks.table.setFocus()
    window.picks.table.selectRow(1)
    settle(qtbot, window)
    qtbot.waitUntil(lambda: window.order_lines.source.rowCount() > 0, timeout=5000)
    assert window.picks.table.source.rowCount() >= 4
    image = window.grab()
    assert image.width() >= 1200
    assert image.save(str(screenshot_path("warehouse.png", tmp_path)))
    for tab, name in ((window.receiving_tab, "receiving"), (window.stock_tab, "stock"), (window.notes_tab, "notes")):
        window.tabs.setCurrentIndex(tab)
        if tab == window.receiving_tab:
            window.receiving.table.selectRow(0)
        settle(qtbot, window)
        assert window.grab().save(str(tmp_path / f"warehouse-{name}.png"))  # for a look, not for the docs
    # the dialogs a clerk works in, for a look
    window.tabs.setCurrentIndex(window.pick_tab)
    window.picks.table.selectRow(1)
    window.ship_action.trigger()
    qtbot.waitUntil(lambda: dialog_open(window.ship_dialog), timeout=5000)
    assert window.ship_dialog.grab().save(str(tmp_path / "warehouse-ship-dialog.png"))
    window.ship_dialog.reject()
    window.tabs.setCurrentIndex(window.stock_tab)
    window.stock.table.selectRow(1)
    window.adjust_action.trigger()
    qtbot.waitUntil(lambda: dialog_open(window.adjust_dialog), timeout=5000)
    window.adjust_dialog.quantity.setValue(5)
    window.adjust_dialog.ok_button.click()
    qtbot.waitUntil(lambda: "reason" in window.adjust_dialog.message.text, timeout=5000)
    assert window.adjust_dialog.grab().save(str(tmp_path / "warehouse-adjust-dialog.png"))
    window.adjust_dialog.reject()
