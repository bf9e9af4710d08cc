"""The pick queue: orders with reserved goods waiting to leave, earliest promise first, the chosen order's
lines below, and Pick & ship (a partial shipment leaves a backorder; the delivery note prints at once)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter

from erp_desktop import format as fmt
from erp_desktop.dialogs import QuantitiesDialog, work_done, work_failed
from erp_desktop.table_models import Column
from erp_desktop.widgets import RecordTable
from server_db.core.changes import Changes
from server_db.core.queries import Document
from server_db.sales import queries as sales_queries
from server_db.warehouse import queries as warehouse_queries
from server_db.warehouse import services as warehouse
from server_db.warehouse.services import Shipment

if TYPE_CHECKING:
    from erp_desktop.windows.warehouse import WarehouseWindow

PICK_COLUMNS = [
    Column("number", "Order", width=125),
    Column("customer_name", "Customer", width=230),
    Column("state", "State", "state", width=120),
    Column("promised_date", "Promised", "date", width=95),
    Column("late", "Late", "bool", width=45),
    Column("pickable", "To pick", "qty", width=75, tooltip="Reserved and not yet picked"),
    Column("to_ship", "Still to ship", "qty", width=90, tooltip="Ordered and not yet shipped"),
]

ORDER_LINE_COLUMNS = [
    Column("line_no", "#", width=35),
    Column("sku", "SKU", width=110),
    Column("product_name", "Product", width=230),
    Column("ordered", "Ordered", "qty", width=75),
    Column("reserved", "Reserved", "qty", width=75),
    Column("shipped", "Shipped", "qty", width=75),
    Column("backorder", "Backorder", "qty", width=80),
    Column("to_purchase", "Being bought", "qty", width=95),
    Column("to_produce", "Being made", "qty", width=90),
    Column("unit", "Unit", width=50),
]

SHIP_COLUMNS = [
    Column("line_no", "#"),
    Column("sku", "SKU"),
    Column("product_name", "Product"),
    Column("ordered", "Ordered", "qty"),
    Column("shipped", "Shipped", "qty"),
    Column("reserved", "Reserved", "qty"),
]


class PickQueueTab:
    """The pick queue tab of the warehouse window."""

    def __init__(self, window: WarehouseWindow) -> None:
        self.window = window
        self.dialog: QuantitiesDialog | None = None
        self.picks = window.live_list(
            PICK_COLUMNS,
            warehouse_queries.pick_queue,
            lambda c: c.sales_orders,
            search="Search orders, customers (Ctrl+F)",
            sort=(3, Qt.SortOrder.AscendingOrder),
        )
        self.picks.table.setObjectName("pickQueue")
        self.picks.table.stretch("customer_name")
        self.picks.table.source.row_style = fmt.red_when("late")
        self.lines = RecordTable(ORDER_LINE_COLUMNS, key="line_id", sort=None)
        self.lines.setObjectName("pickLines")
        self.lines.stretch("product_name")
        self.title = QLabel(window)
        self.title.setObjectName("pickTitle")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.widget: QSplitter = window.master_detail(self.picks.container, self.title, self.lines)
        self.picks.table.current_changed.connect(self.show_detail)

    def tab_text(self) -> str:
        source = self.picks.table.source
        late = sum(1 for key in source.ids() if (source.record_by_id(key) or {}).get("late"))
        return f"&Pick queue ({source.rowCount()}{f', {late} late' if late else ''})"

    def changed(self, changes: Changes) -> None:
        """The chosen order moved: read its lines again."""
        current = self.picks.table.current_id()
        if current is not None and current in changes.sales_orders:
            self.show_detail(current)

    # -- the chosen order -----------------------------------------------------------------------------------

    def show_detail(self, order_id: Any) -> None:
        if order_id is None:
            self.title.setText("")
            self.lines.source.reset([])
            return
        self.window.run(sales_queries.order_with_lines, order_id, on_done=self._detail_loaded)

    def _detail_loaded(self, order: Document) -> None:
        header = order.header
        if header is None or header["id"] != self.picks.table.current_id():
            return
        facts = [f"<b>{header['number']}</b> · {header['customer_name']} · {fmt.state(header['state'])}"]
        if header["promised_date"]:
            facts.append(f"promised {fmt.date(header['promised_date'])}")
        if header["late"]:
            facts.append(f"<span style='color:{fmt.LATE_COLOUR}'><b>LATE</b></span>")
        if header["customer_reference"]:
            facts.append(f"their ref. {header['customer_reference']}")
        ship_to = (header["ship_to"] or "").replace("\n", ", ")
        self.title.setText(" · ".join(facts) + f"<br><span style='color:#666'>ship to: {ship_to}</span>")
        self.lines.source.reset(order.lines)

    # -- pick and ship --------------------------------------------------------------------------------------

    def pick_and_ship(self) -> None:
        record = self.picks.table.current_record()
        if record is None or (self.dialog is not None and self.dialog.isVisible()):
            return
        self.window.run(sales_queries.order_with_lines, record["id"], on_done=self._open_dialog)

    def _open_dialog(self, order: Document) -> None:
        header = order.header
        if header is None:
            self.window.message.show_error("That order no longer exists.")
            return
        ship_to = (header["ship_to"] or "").replace("\n", ", ")
        intro = (
            f"<b>{header['number']}</b> · {header['customer_name']}<br>"
            f"<span style='color:#555'>ship to: {ship_to}</span><br>"
            "Each line proposes what is reserved and not yet shipped; lower it to ship part now "
            "and leave the rest as a backorder."
        )
        dialog = QuantitiesDialog(
            self.window,
            title=f"Pick and ship {header['number']}",
            intro=intro,
            columns=SHIP_COLUMNS,
            lines=order.lines,
            key="line_id",
            default=lambda line: line["reserved"],
            maximum=lambda line: line["reserved"],
            quantity_title="Ship now",
            ok_text="Pick && ship",
        )
        order_id = header["id"]
        dialog.submitted.connect(
            lambda quantities: self.window.run(
                warehouse.pick_and_ship,
                order_id,
                quantities=quantities,
                on_done=lambda shipment: self._shipped(dialog, shipment),
                on_error=lambda exc: work_failed(dialog, exc, self.window.show_error),
            )
        )
        dialog.destroyed.connect(lambda *_: self._forget(dialog))
        self.dialog = dialog
        dialog.open()

    def _forget(self, dialog: QuantitiesDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def _shipped(self, dialog: QuantitiesDialog, shipment: Shipment) -> None:
        work_done(dialog)
        text = (
            f"{shipment.note_number} shipped; backorder of {fmt.quantity(shipment.backorder)} left."
            if shipment.backorder > 0
            else f"{shipment.note_number} shipped; {shipment.order_number} is complete."
        )
        self.window.message.show_message(text)
        self.window.print_delivery_note(shipment.note_id, after=text)
