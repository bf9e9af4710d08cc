"""Sales enters and confirms orders through the window; the board follows live."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit

from erp_desktop.windows.board import BoardWindow
from erp_desktop.windows.order_editor import PRICE, QTY, SKU
from erp_desktop.windows.sales import SalesWindow
from tests.factories import World


def type_text(qtbot, widget, text: str) -> None:
    """Typing that works for Chinese too: one key event carrying the whole text."""
    widget.setFocus()
    event = QKeyEvent(QKeyEvent.Type.KeyPress, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, text)
    qtbot.keyPress  # noqa: B018 - qtbot is here for its event loop
    from PySide6.QtWidgets import QApplication

    QApplication.sendEvent(widget, event)


def open_sales(clients, qtbot) -> SalesWindow:
    window = SalesWindow(clients.open("sales"))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.orders.loaded, timeout=10000)
    return window


def open_board(clients, qtbot) -> BoardWindow:
    window = BoardWindow(clients.open("supervisor"))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.board.loaded and bool(window.dashboard), timeout=10000)
    qtbot.waitUntil(lambda: window.context.live.status == "connected", timeout=10000)
    return window


def test_order_entry_by_keyboard_and_confirmation_reach_the_board(world: World, clients, qtbot) -> None:
    world.stock("BUY-A", 10)
    board = open_board(clients, qtbot)
    sales = open_sales(clients, qtbot)
    assert board.board.table.source.rowCount() == 0

    qtbot.keyClick(sales, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: sales.editors and sales.editors[-1].ready, timeout=10000)
    editor = sales.editors[-1]
    type_text(qtbot, editor.customer, "华联")  # finds the customer by its Chinese name
    completer = editor.customer.completer()
    qtbot.waitUntil(lambda: completer.completionCount() == 1, timeout=3000)
    editor.customer.setText(completer.currentCompletion())
    editor.customer.editingFinished.emit()
    assert editor.customer.text() == "CN"
    assert "北京华联商贸有限公司" in editor.customer_info.text()

    lines = editor.lines
    lines.setCurrentCell(0, SKU)
    lines.item(0, SKU).setText("buy-a")
    assert lines.text(0, SKU) == "BUY-A" and lines.text(0, PRICE) == "10.00"  # price from the product
    lines.item(0, QTY).setText("4")
    qtbot.waitUntil(lambda: lines.text(0, 8) == "10", timeout=5000)  # available shown live
    lines.setCurrentCell(0, QTY)
    qtbot.keyClick(lines, Qt.Key.Key_Tab)
    assert lines.currentColumn() == PRICE  # Tab goes quantity -> price
    lines.setCurrentCell(0, PRICE)
    lines.editItem(lines.item(0, PRICE))
    cell_editor = lines.indexWidget(lines.model().index(0, PRICE))
    assert isinstance(cell_editor, QLineEdit)
    qtbot.keyClick(cell_editor, Qt.Key.Key_Return)  # Enter in the last line adds the next one
    qtbot.waitUntil(lambda: lines.rowCount() == 2, timeout=3000)
    assert lines.currentRow() == 1 and lines.currentColumn() == SKU
    lines.item(1, SKU).setText("BUY-B")
    lines.item(1, QTY).setText("2")

    with qtbot.waitSignal(editor.saved, timeout=10000) as saved:
        qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # save and confirm
    order_id = saved.args[0]
    qtbot.waitUntil(lambda: not sales.editors, timeout=5000)  # the editor closed itself
    assert world.state(order_id) == "in_fulfilment"  # BUY-B must be bought
    assert world.lines(order_id)["BUY-A"]["reserved"] == 4

    # the board shows it without anyone reloading, and its tiles follow
    qtbot.waitUntil(lambda: board.board.table.source.record_by_id(order_id) is not None, timeout=10000)
    assert board.board.table.source.record_by_id(order_id)["state"] == "in_fulfilment"
    qtbot.waitUntil(lambda: board.tiles["open_orders"].value.text() == "1", timeout=10000)
    # and the sales list shows it as well, selected
    qtbot.waitUntil(lambda: sales.orders.table.source.record_by_id(order_id) is not None, timeout=10000)


def test_validation_is_shown_in_place_and_nothing_is_saved(world: World, clients, qtbot) -> None:
    sales = open_sales(clients, qtbot)
    editor = sales._open_editor(None)
    qtbot.waitUntil(lambda: editor.ready, timeout=10000)
    editor.customer.setText("CN")
    editor.lines.item(0, SKU).setText("BUY-A")
    editor.lines.item(0, QTY).setText("-3")
    editor.save(confirm_after=False)
    qtbot.waitUntil(lambda: editor.message.text != "", timeout=10000)
    assert "more than zero" in editor.message.text
    assert editor.lines.item(0, QTY).background().color().name() == "#ffcdd2"
    assert world.count("sales_orders") == 0
    editor.lines.item(0, QTY).setText("3")
    editor.lines.item(0, PRICE).setText("1")  # below cost, no reason
    editor.save(confirm_after=False)
    qtbot.waitUntil(lambda: "below its cost" in editor.message.text, timeout=10000)
    assert world.count("sales_orders") == 0
    qtbot.keyClick(editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo the price
    assert editor.lines.text(0, PRICE) == "10.00"


def test_editing_an_order_someone_else_changed_warns_instead_of_overwriting(world: World, clients, qtbot) -> None:
    from server_db.sales import services as sales_service

    order = world.order([("BUY-A", 1)])
    sales = open_sales(clients, qtbot)
    editor = sales._open_editor(order)
    qtbot.waitUntil(lambda: editor.ready, timeout=10000)
    version = world.order_row(order)["version"]
    world.db.run(
        sales_service.update_order,
        order,
        expected_version=version,
        header=sales_service.HeaderInput(customer="CN", notes="changed elsewhere"),
    )
    editor.lines.item(0, QTY).setText("5")
    editor.save(confirm_after=False)
    qtbot.waitUntil(lambda: "changed by someone else" in editor.message.text, timeout=10000)
    assert world.lines(order)["BUY-A"]["ordered"] == 1  # not overwritten


def test_a_sales_clerk_sees_no_other_departments_actions(clients, qtbot, world: World) -> None:
    sales = open_sales(clients, qtbot)
    names = {a.text().replace("&", "") for a in sales.toolbar.actions()}
    assert {"New order", "Confirm", "Cancel order"} <= names
    board = open_board(clients, qtbot)
    assert {a.text().replace("&", "") for a in board.toolbar.actions()} <= {"Audit trail"}


def test_board_model_passes_the_model_tester(world: World, clients, qtbot, qtmodeltester) -> None:
    world.stock("BUY-A", 5)
    world.confirmed_order([("BUY-A", 2)])
    world.confirmed_order([("BUY-B", 1)])
    board = open_board(clients, qtbot)
    qtbot.waitUntil(lambda: board.board.table.source.rowCount() == 2, timeout=10000)
    qtmodeltester.check(board.board.table.source)
    qtmodeltester.check(board.board.table.proxy)
