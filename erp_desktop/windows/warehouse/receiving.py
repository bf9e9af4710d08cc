"""Receiving: purchase orders sent to suppliers and waiting for goods (overdue ones in red), the chosen
order's lines below, and Receive (received goods go to waiting orders first, earliest promise first)."""

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
from server_db.purchasing import queries as purchasing_queries
from server_db.purchasing import services as purchasing
from server_db.purchasing.services import Receipt

if TYPE_CHECKING:
    from erp_desktop.windows.warehouse import WarehouseWindow

RECEIVING_COLUMNS = [
    Column("number", "Purchase order", width=125),
    Column("supplier_name", "Supplier", width=200),
    Column("state", "State", "state", width=130),
    Column("order_date", "Ordered", "date", width=95),
    Column("expected_date", "Expected", "date", width=95),
    Column("overdue", "Overdue", "bool", width=65),
    Column("ordered", "Qty ordered", "qty", width=90),
    Column("received", "Received", "qty", width=80),
    Column("outstanding", "Outstanding", "qty", width=90),
]

PO_LINE_COLUMNS = [
    Column("line_no", "#", width=35),
    Column("sku", "SKU", width=110),
    Column("product_name", "Product", width=230),
    Column("quantity", "Ordered", "qty", width=75),
    Column("qty_received", "Received", "qty", width=75),
    Column("outstanding", "Outstanding", "qty", width=90),
    Column("unit", "Unit", width=50),
]

RECEIVE_COLUMNS = [
    Column("line_no", "#"),
    Column("sku", "SKU"),
    Column("product_name", "Product"),
    Column("quantity", "Ordered", "qty"),
    Column("qty_received", "Received", "qty"),
    Column("outstanding", "Outstanding", "qty"),
]


class ReceivingTab:
    """The receiving tab of the warehouse window."""

    def __init__(self, window: WarehouseWindow) -> None:
        self.window = window
        self.dialog: QuantitiesDialog | None = None
        self.orders = window.live_list(
            RECEIVING_COLUMNS,
            purchasing_queries.receivable_orders,
            lambda c: c.purchase_orders,
            search="Search purchase orders, suppliers (Ctrl+F)",
            sort=(4, Qt.SortOrder.AscendingOrder),
        )
        self.orders.table.setObjectName("receiving")
        self.orders.table.stretch("supplier_name")
        self.orders.table.source.row_style = fmt.red_when("overdue", background=True)
        self.lines = RecordTable(PO_LINE_COLUMNS, sort=None)
        self.lines.setObjectName("receivingLines")
        self.lines.stretch("product_name")
        self.title = QLabel(window)
        self.title.setObjectName("receivingTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.widget: QSplitter = window.master_detail(self.orders.container, self.title, self.lines)
        self.orders.table.current_changed.connect(self.show_detail)

    def tab_text(self) -> str:
        source = self.orders.table.source
        overdue = sum(1 for key in source.ids() if (source.record_by_id(key) or {}).get("overdue"))
        return f"&Receiving ({source.rowCount()}{f', {overdue} overdue' if overdue else ''})"

    def changed(self, changes: Changes) -> None:
        """The chosen purchase order moved: read its lines again."""
        current = self.orders.table.current_id()
        if current is not None and current in changes.purchase_orders:
            self.show_detail(current)

    # -- the chosen purchase order ----------------------------------------------------------------------

    def show_detail(self, po_id: Any) -> None:
        if po_id is None:
            self.title.setText("")
            self.lines.source.reset([])
            return
        self.window.run(purchasing_queries.receivable_order, po_id, on_done=self._detail_loaded)

    def _detail_loaded(self, order: Document) -> None:
        header = order.header
        if header is None or header["id"] != self.orders.table.current_id():
            return
        facts = [
            f"<b>{header['number']}</b> · {header['supplier_name']} · {fmt.state(header['state'])}",
            f"expected {fmt.date(header['expected_date'])}",
        ]
        if header["overdue"]:
            facts.append(f"<span style='color:{fmt.LATE_COLOUR}'><b>OVERDUE</b></span>")
        self.title.setText(" · ".join(facts))
        self.lines.source.reset(order.lines)

    # -- receiving ----------------------------------------------------------------------------------------

    def receive_goods(self) -> None:
        record = self.orders.table.current_record()
        if record is None or (self.dialog is not None and self.dialog.isVisible()):
            return
        self.window.run(purchasing_queries.receivable_order, record["id"], on_done=self._open_dialog)

    def _open_dialog(self, order: Document) -> None:
        header = order.header
        if header is None:
            self.window.message.show_error("That purchase order is no longer waiting for goods.")
            return
        overdue = f" · <span style='color:{fmt.LATE_COLOUR}'><b>overdue</b></span>" if header["overdue"] else ""
        intro = (
            f"<b>{header['number']}</b> · {header['supplier_name']} · expected "
            f"{fmt.date(header['expected_date'])}{overdue}<br>"
            "Count what arrived. Each line proposes what is still outstanding; received goods go to "
            "waiting orders first, earliest promise first."
        )
        dialog = QuantitiesDialog(
            self.window,
            title=f"Receive {header['number']}",
            intro=intro,
            columns=RECEIVE_COLUMNS,
            lines=order.lines,
            key="id",
            default=lambda line: line["outstanding"],
            maximum=lambda line: line["outstanding"],
            quantity_title="Arrived now",
            ok_text="Receive",
        )
        po_id = header["id"]
        dialog.submitted.connect(
            lambda quantities: self.window.run(
                purchasing.receive_goods,
                po_id,
                quantities=quantities,
                on_done=lambda receipt: self._received(dialog, receipt),
                on_error=lambda exc: work_failed(dialog, exc, self.window.show_error),
            )
        )
        dialog.destroyed.connect(lambda *_: self._forget(dialog))
        self.dialog = dialog
        dialog.open()

    def _forget(self, dialog: QuantitiesDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def _received(self, dialog: QuantitiesDialog, receipt: Receipt) -> None:
        work_done(dialog)
        if receipt.outstanding > 0:
            text = f"{receipt.number} partly received; {fmt.quantity(receipt.outstanding)} still outstanding."
        else:
            text = f"{receipt.number} received in full."
        if receipt.ready_orders:
            text += f" Ready to pick now: {', '.join(receipt.ready_orders)}."
        self.window.message.show_message(text, seconds=10)
