"""One order told through the windows, four people at once: sales enters and confirms it, the warehouse sees
it arrive in its pick queue without any reload and ships it, finance invoices it and records the payment, and
the supervisor's board follows every step live."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from erp_desktop.windows.board import BoardWindow
from erp_desktop.windows.finance import FinanceWindow
from erp_desktop.windows.order_editor import QTY, SKU
from erp_desktop.windows.sales import SalesWindow
from erp_desktop.windows.warehouse import WarehouseWindow
from server_db.finance import queries as finance_queries
from tests.factories import World


def opened(qtbot, window):
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: all(live.loaded for live in window.lists), timeout=15000)
    qtbot.waitUntil(lambda: window.context.live.status == "connected", timeout=10000)
    return window


def click(qtbot, window, action) -> None:
    """Click the action's toolbar button, as a person would (several windows are open: no shortcuts)."""
    assert action is not None and action.isEnabled(), action
    qtbot.mouseClick(window.toolbar.widgetForAction(action), Qt.MouseButton.LeftButton)


def board_state(board: BoardWindow, order_id: int) -> str | None:
    record = board.board.table.source.record_by_id(order_id)
    return None if record is None else record["state"]


def test_one_order_from_entry_to_payment_across_four_windows(world: World, clients, qtbot) -> None:
    world.stock("BUY-A", 10)
    board = opened(qtbot, BoardWindow(clients.open("supervisor")))
    sales = opened(qtbot, SalesWindow(clients.open("sales")))
    warehouse = opened(qtbot, WarehouseWindow(clients.open("warehouse")))
    finance = opened(qtbot, FinanceWindow(clients.open("finance")))

    # Sales: New order, customer, a line, Ctrl+Return in the editor
    click(qtbot, sales, sales.new_action)
    qtbot.waitUntil(lambda: bool(sales.editors) and sales.editors[-1].ready, timeout=10000)
    editor = sales.editors[-1]
    editor.customer.setText("CN")
    editor.customer.editingFinished.emit()
    editor.lines.item(0, SKU).setText("BUY-A")
    editor.lines.item(0, QTY).setText("4")
    with qtbot.waitSignal(editor.saved, timeout=10000) as saved:
        qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    order = saved.args[0]

    # Everyone else hears of it by themselves.
    qtbot.waitUntil(lambda: board_state(board, order) == "ready", timeout=10000)
    qtbot.waitUntil(lambda: warehouse.picks.table.source.record_by_id(order) is not None, timeout=10000)
    assert any("ready to pick" in m for m in warehouse.inbox.messages())

    # Warehouse: select the order, Pick & ship, accept the proposed quantities.
    warehouse.tabs.setCurrentIndex(warehouse.pick_tab)
    assert warehouse.picks.table.select_id(order)
    click(qtbot, warehouse, warehouse.ship_action)
    qtbot.waitUntil(lambda: warehouse.ship_dialog is not None and warehouse.ship_dialog.isVisible(), timeout=10000)
    warehouse.ship_dialog.ok_button.click()
    qtbot.waitUntil(lambda: world.state(order) == "shipped", timeout=10000)
    qtbot.waitUntil(lambda: board_state(board, order) == "shipped", timeout=10000)
    qtbot.waitUntil(lambda: warehouse.picks.table.source.record_by_id(order) is None, timeout=10000)
    assert world.level("BUY-A") == (6, 0)

    # Finance: the order is in "To invoice" by itself; Invoice posts the invoice.
    qtbot.waitUntil(lambda: finance.to_invoice.table.source.record_by_id(order) is not None, timeout=10000)
    finance.tabs.setCurrentIndex(0)
    assert finance.to_invoice.table.select_id(order)
    click(qtbot, finance, finance.invoice_action)
    qtbot.waitUntil(lambda: getattr(finance, "print_offer", None) is not None, timeout=10000)
    finance.print_offer.done(QMessageBox.StandardButton.No)
    qtbot.waitUntil(lambda: board_state(board, order) == "invoiced", timeout=10000)

    # ... and records the payment in full.
    finance.tabs.setCurrentIndex(1)
    invoice = world.db.run(lambda s: finance_queries.invoices(s, order_id=order))[0]
    qtbot.waitUntil(lambda: finance.invoices.table.source.record_by_id(invoice["id"]) is not None, timeout=10000)
    assert finance.invoices.table.select_id(invoice["id"])
    click(qtbot, finance, finance.payment_action)
    qtbot.waitUntil(lambda: getattr(finance, "payment_dialog", None) is not None, timeout=10000)
    finance.payment_dialog.ok_button.click()
    qtbot.waitUntil(lambda: world.state(order) == "closed", timeout=10000)

    # The board lets the closed order go and recounts; sales sees the whole story in the timeline.
    qtbot.waitUntil(lambda: board_state(board, order) is None, timeout=10000)
    qtbot.waitUntil(lambda: board.tiles["open_orders"].value.text() == "0", timeout=10000)
    sales.orders.table.select_id(order)

    def story() -> str:
        return "\n".join(sales.timeline.item(i).text() for i in range(sales.timeline.count()))

    qtbot.waitUntil(lambda: "paid → closed" in story(), timeout=10000)
    story = story()
    for step in (
        "draft → confirmed",
        "confirmed → ready",
        "ready → shipped",
        "shipped → invoiced",
        "invoiced → paid",
        "paid → closed",
    ):
        assert step in story, step
    assert world.invariants() == []
