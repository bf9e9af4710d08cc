"""The order editor shows what the database answers about the lines being typed: each line's net (computed by
`erp.line_net`, as the saved order will be), the order's net total, and the estimated ship date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import shiboken6
from PySide6.QtCore import QDate

from erp_desktop import format as fmt
from erp_desktop.windows.order_editor import DISCOUNT, NET, PRICE, QTY, SHIP, SKU, OrderEditor
from tests.factories import World

pytestmark = [pytest.mark.gui, pytest.mark.db]


def test_the_editor_shows_the_databases_net_and_ship_date(world: World, clients, qtbot) -> None:
    world.stock("BUY-A", 5)
    editor = OrderEditor(clients.open("sales"))
    editor.show()
    qtbot.waitUntil(lambda: editor.ready, timeout=10000)
    editor.customer.setText("CN")
    soon = world.today + dt.timedelta(days=3)
    editor.requested.setDate(QDate(soon.year, soon.month, soon.day))
    editor.lines.item(0, SKU).setText("BUY-B")  # 10 days' lead time: later than requested
    editor.lines.item(0, QTY).setText("2.5")
    editor.lines.item(0, PRICE).setText("19.99")
    editor.lines.item(0, DISCOUNT).setText("12.5")
    row = editor.lines.add_line()
    editor.lines.item(row, SKU).setText("BUY-A")  # the list price, 10.00, is filled in
    editor.lines.item(row, QTY).setText("3")
    # round(2.5 * 19.99 * 87.5 / 100, 2) = 43.73: rounded by SQL, half away from zero
    qtbot.waitUntil(
        lambda: editor.lines.text(0, NET) == "43.73" and editor.lines.text(row, NET) == "30.00", timeout=5000
    )
    shipping = world.today + dt.timedelta(days=10)
    assert editor.lines.text(0, SHIP) == fmt.date(shipping) and editor.lines.text(row, SHIP) == fmt.date(world.today)
    summary = editor.summary.text()
    assert f"net 73.73 · estimated ship date {fmt.date(shipping)} — later than requested" in summary
    assert [line.net for line in editor.preview] == [Decimal("43.73"), Decimal("30.00")]
    # a price that is not a number has no net until it is corrected; the total leaves it out
    editor.lines.item(0, PRICE).setText("abc")
    assert editor.lines.text(0, NET) == ""  # at once: the old net no longer describes the line
    qtbot.waitUntil(lambda: "net 30.00" in editor.summary.text(), timeout=5000)
    assert editor.lines.text(0, NET) == ""
    editor.lines.item(0, PRICE).setText("20")
    qtbot.waitUntil(lambda: editor.lines.text(0, NET) == "43.75", timeout=5000)
    editor.hide()  # and away, without the question about unsaved changes
    shiboken6.delete(editor)
