"""Warehouse: the pick queue (reserved goods waiting to leave, earliest promise first), receiving against sent
purchase orders, the stock picture with adjustments, and the delivery notes with (re)printing.

Dialogs open without blocking the window (`open()`), run their service off the GUI thread and stay open
with the reason in place when the database refuses, so nothing typed is lost."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from erp_desktop import format as fmt
from erp_desktop.table_models import Column
from erp_desktop.widgets import MessageBar, RecordTable
from erp_desktop.windows.base import RoleWindow
from server_db.core.changes import Changes
from server_db.core.errors import ValidationError
from server_db.purchasing import queries as purchasing_queries
from server_db.purchasing import services as purchasing
from server_db.sales import queries as sales_queries
from server_db.stock import queries as stock_queries
from server_db.warehouse import queries as warehouse_queries
from server_db.warehouse import services as warehouse
from server_db.warehouse.states import DeliveryNoteState

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

STOCK_COLUMNS = [
    Column("sku", "SKU", width=110),
    Column("name", "Product", width=220),
    Column("unit", "Unit", width=50),
    Column("on_hand", "On hand", "qty", width=80),
    Column("reserved", "Reserved", "qty", width=80),
    Column("available", "Available", "qty", width=80),
    Column("incoming", "Incoming", "qty", width=80, tooltip="On open purchase orders"),
    Column("in_production", "In production", "qty", width=100),
    Column("reorder_point", "Reorder point", "qty", width=100),
    Column("below_reorder_point", "Below", "bool", width=50, tooltip="Available is below the reorder point"),
]

NOTE_COLUMNS = [
    Column("number", "Delivery note", width=125),
    Column("order_number", "Order", width=120),
    Column("customer_name", "Customer", width=200),
    Column("state", "State", "state", width=80),
    Column("quantity", "Quantity", "qty", width=70),
    Column("created_at", "Picked", "datetime", width=125),
    Column("shipped_at", "Shipped", "datetime", width=125),
    Column("print_count", "Prints", "qty", width=50),
    Column("printed_at", "Last printed", "datetime", width=125),
]

# whole pieces: the spin boxes show no decimals for these units
COUNTED_UNITS = frozenset(
    {"pcs", "pc", "ea", "each", "set", "sets", "box", "boxes", "pair", "个", "件", "台", "套", "箱", "只", "把", "支"}
)
BELOW_REORDER_BACKGROUND = "#fff4e5"
BELOW_REORDER_FOREGROUND = "#b45309"


def below_reorder_highlighted(record: dict[str, Any]) -> tuple[str | None, str | None, bool]:
    if record.get("below_reorder_point"):
        return (BELOW_REORDER_BACKGROUND, BELOW_REORDER_FOREGROUND, True)
    return (None, None, False)


def decimals_for(unit: str | None, *quantities: Any) -> int:
    """Counted units ship in whole pieces; anything weighed or measured to the gram (3 places)."""
    whole = all(Decimal(q or 0) == Decimal(q or 0).to_integral_value() for q in quantities)
    return 0 if whole and (unit or "").strip().lower() in COUNTED_UNITS else 3


# -- queries as the lists want them (ids=..., off the GUI thread) ------------------------------------------


def receivable_orders(session: Any, *, ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """Sent and partly received purchase orders; an order that leaves those states comes back empty and
    leaves the list."""
    rows = purchasing_queries.purchase_orders(session, ids=ids, states=["sent", "partially_received"])
    for row in rows:
        row["outstanding"] = (row["ordered"] or 0) - (row["received"] or 0)
    return rows


def stock_rows(session: Any, *, ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
    return stock_queries.stock_levels(session, product_ids=ids)


def order_for_shipping(session: Any, order_id: int) -> dict[str, Any]:
    return {
        "header": sales_queries.order_header(session, order_id),
        "lines": sales_queries.order_lines(session, order_id),
    }


def purchase_order_for_receiving(session: Any, po_id: int) -> dict[str, Any]:
    rows = receivable_orders(session, ids=[po_id])
    return {"header": rows[0] if rows else None, "lines": purchasing_queries.purchase_order_lines(session, po_id)}


def ship(session: Any, order_id: int, quantities: dict[int, Decimal]) -> dict[str, Any]:
    """Pick and ship, then read back what the person needs to hear: the note's number and the backorder."""
    changes = warehouse.ship_order(session, order_id, quantities=quantities)
    assert changes.id is not None
    note = warehouse_queries.delivery_notes(session, ids=[changes.id])[0]
    backorder = sum((line["backorder"] for line in sales_queries.order_lines(session, order_id)), Decimal(0))
    return {
        "changes": changes,
        "note_id": changes.id,
        "note": note["number"],
        "order": note["order_number"],
        "backorder": backorder,
    }


def receive(session: Any, po_id: int, quantities: dict[int, Decimal]) -> dict[str, Any]:
    changes = purchasing.receive_purchase_order(session, po_id, quantities=quantities)
    lines = purchasing_queries.purchase_order_lines(session, po_id)
    number = purchasing_queries.purchase_orders(session, ids=[po_id])[0]["number"]
    ready = sorted(
        {
            e.document_no
            for e in changes.events
            if e.document_type == "sales_order" and e.state_changed and e.new_state == "ready" and e.document_no
        }
    )
    return {
        "changes": changes,
        "number": number,
        "ready": ready,
        "outstanding": sum((line["outstanding"] for line in lines), Decimal(0)),
    }


# -- dialogs -----------------------------------------------------------------------------------------------


class WorkDialog(QDialog):
    """A dialog whose OK runs an operation: while it runs, OK and Cancel wait (the work cannot be called
    back); on failure the reason shows in place and the person corrects what they typed."""

    def __init__(self, parent: QWidget, title: str, object_name: str) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setWindowTitle(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.working = False
        self.message = MessageBar(self)
        self.buttons = QDialogButtonBox(self)

    def add_ok_cancel(self, ok_text: str) -> None:
        self.ok_button = self.buttons.addButton(ok_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setObjectName("ok")
        self.ok_button.setDefault(True)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._ok)
        self.buttons.rejected.connect(self.reject)

    def _ok(self) -> None:
        if not self.working:
            self.submit()

    def submit(self) -> None:
        raise NotImplementedError

    def start_work(self) -> None:
        self.working = True
        self.ok_button.setEnabled(False)
        self.cancel_button.setEnabled(False)
        self.message.show_message("Working…", seconds=0)

    def finished_ok(self) -> None:
        self.working = False
        self.accept()

    def failed(self, exc: BaseException) -> None:
        self.working = False
        self.ok_button.setEnabled(True)
        self.cancel_button.setEnabled(True)
        self.message.show_error(exc)

    def reject(self) -> None:
        if not self.working:
            super().reject()


class QuantitiesDialog(WorkDialog):
    """One spin box per document line, between 0 and what may be taken; `submitted({line id: qty})` on OK.
    The caller runs the service and calls `finished_ok()` or `failed(exc)`; on failure the dialog stays."""

    submitted = Signal(object)  # {line id: quantity}

    def __init__(
        self,
        parent: QWidget,
        *,
        title: str,
        intro: str,
        columns: Sequence[Column],
        lines: Sequence[dict],
        key: str,
        default: Callable[[dict], Any],
        maximum: Callable[[dict], Any],
        quantity_title: str,
        ok_text: str,
    ) -> None:
        super().__init__(parent, title, "quantitiesDialog")
        self.setMinimumWidth(760)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        heading = QLabel(intro, self)
        heading.setWordWrap(True)
        heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(heading)

        grid_holder = QFrame(self)
        grid_holder.setObjectName("linesGrid")
        grid_holder.setStyleSheet("QFrame#linesGrid { background: white; }")
        grid = QGridLayout(grid_holder)
        grid.setHorizontalSpacing(14)
        for column, spec in enumerate([*columns, Column("", quantity_title, "qty")]):
            head = QLabel(f"<b>{spec.title}</b>", grid_holder)
            if spec.right_aligned:
                head.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(head, 0, column)
        self.spin_boxes: dict[int, QDoubleSpinBox] = {}
        for row, line in enumerate(lines, start=1):
            for column, spec in enumerate(columns):
                if spec.field == "product_name":
                    grid.setColumnStretch(column, 1)
                cell = QLabel(fmt.format_value(spec.kind, line.get(spec.field)), grid_holder)
                if spec.right_aligned:
                    cell.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                grid.addWidget(cell, row, column)
            most = Decimal(maximum(line) or 0)
            spin = QDoubleSpinBox(grid_holder)
            spin.setObjectName(f"qty-{line[key]}")
            spin.setDecimals(decimals_for(line.get("unit"), most))
            spin.setRange(0, float(max(most, Decimal(0))))
            spin.setValue(float(min(max(Decimal(default(line) or 0), Decimal(0)), most)))
            spin.setSuffix(f" {line.get('unit') or ''}".rstrip())
            spin.setAlignment(Qt.AlignmentFlag.AlignRight)
            spin.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.PlusMinus)
            spin.setMinimumWidth(110)
            spin.setEnabled(most > 0)
            spin.setToolTip(f"0 to {fmt.quantity(most)}")
            grid.addWidget(spin, row, len(columns))
            self.spin_boxes[int(line[key])] = spin
        grid.setRowStretch(len(lines) + 1, 1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(grid_holder)
        scroll.setMinimumHeight(min(90 + 34 * len(lines), 420))
        layout.addWidget(scroll, 1)

        self.all_button = QPushButton("&All", self)
        self.all_button.setToolTip("Take the most each line allows")
        self.none_button = QPushButton("&None", self)
        self.add_ok_cancel(ok_text)
        self.buttons.addButton(self.all_button, QDialogButtonBox.ButtonRole.ResetRole)
        self.buttons.addButton(self.none_button, QDialogButtonBox.ButtonRole.ResetRole)
        self.all_button.clicked.connect(lambda: [s.setValue(s.maximum()) for s in self.spin_boxes.values()])
        self.none_button.clicked.connect(lambda: [s.setValue(0) for s in self.spin_boxes.values()])
        layout.addWidget(self.buttons)
        first = next((s for s in self.spin_boxes.values() if s.isEnabled()), None)
        if first is not None:
            first.setFocus()
            first.selectAll()

    def quantities(self) -> dict[int, Decimal]:
        return {line_id: Decimal(f"{spin.value():.{spin.decimals()}f}") for line_id, spin in self.spin_boxes.items()}

    def submit(self) -> None:
        self.start_work()
        self.submitted.emit(self.quantities())


class AdjustStockDialog(WorkDialog):
    """Product, signed quantity and a reason; `submitted(product_id, quantity, reason)` on OK."""

    submitted = Signal(int, object, str)

    def __init__(self, parent: QWidget, products: Sequence[dict[str, Any]], current: int | None) -> None:
        super().__init__(parent, "Adjust stock", "adjustStockDialog")
        self.setMinimumWidth(520)
        self.products = {p["product_id"]: p for p in products}
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        self.product = QComboBox(self)
        self.product.setObjectName("product")
        for p in sorted(products, key=lambda p: p["sku"]):
            self.product.addItem(f"{p['sku']} — {p['name']}", p["product_id"])
        if current is not None:
            self.product.setCurrentIndex(max(self.product.findData(current), 0))
        self.stock = QLabel(self)
        self.stock.setObjectName("stockNow")
        self.stock.setStyleSheet("color: #555;")
        self.quantity = QDoubleSpinBox(self)
        self.quantity.setObjectName("quantity")
        self.quantity.setRange(-999_999_999, 999_999_999)
        self.quantity.setDecimals(3)
        self.quantity.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.quantity.setToolTip("Positive adds stock (found, counted more); negative removes it (damage, loss)")
        self.reason = QLineEdit(self)
        self.reason.setObjectName("reason")
        self.reason.setPlaceholderText("count difference, damage, found on shelf … (required)")
        self.reason.setMaxLength(500)
        form = QFormLayout()
        form.addRow("&Product", self.product)
        form.addRow("", self.stock)
        form.addRow("&Quantity (+ adds, − removes)", self.quantity)
        form.addRow("&Reason", self.reason)
        layout.addLayout(form)
        self.add_ok_cancel("Adjust")
        layout.addWidget(self.buttons)
        self.product.currentIndexChanged.connect(self._show_stock)
        self.quantity.valueChanged.connect(lambda _: self._unmark(self.quantity))
        self.reason.textEdited.connect(lambda _: self._unmark(self.reason))
        self._show_stock()
        self.quantity.setFocus()
        self.quantity.selectAll()

    def _show_stock(self) -> None:
        p = self.products.get(self.product.currentData())
        if p is None:
            self.stock.setText("")
            return
        unit = p["unit"] or ""
        self.stock.setText(
            f"on hand {fmt.quantity(p['on_hand'])} {unit}"
            f" · reserved {fmt.quantity(p['reserved'])}"
            f" · available {fmt.quantity(p['available'])}"
        )

    def submit(self) -> None:
        product_id = self.product.currentData()
        if product_id is None:
            self.message.show_error("Choose the product whose stock you counted.")
            return
        self.start_work()
        quantity = Decimal(f"{self.quantity.value():.3f}")
        self.submitted.emit(int(product_id), quantity, self.reason.text())

    def failed(self, exc: BaseException) -> None:
        super().failed(exc)
        field = exc.field if isinstance(exc, ValidationError) else None
        widget = {"reason": self.reason, "quantity": self.quantity}.get(field or "")
        if widget is not None:
            widget.setProperty("invalid", True)
            widget.style().polish(widget)
            widget.setFocus()

    @staticmethod
    def _unmark(widget: QWidget) -> None:
        if widget.property("invalid"):
            widget.setProperty("invalid", False)
            widget.style().polish(widget)


# -- the window --------------------------------------------------------------------------------------------


class WarehouseWindow(RoleWindow):
    department = "warehouse"
    title = "Warehouse"

    def __init__(self, context: Any, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.ship_dialog: QuantitiesDialog | None = None
        self.receive_dialog: QuantitiesDialog | None = None
        self.adjust_dialog: AdjustStockDialog | None = None

        # (a) pick queue, the lines of the chosen order below
        self.picks = self.live_list(
            PICK_COLUMNS,
            warehouse_queries.pick_queue,
            lambda c: c.sales_orders,
            search="Search orders, customers (Ctrl+F)",
            sort=(3, Qt.SortOrder.AscendingOrder),
        )
        self.picks.table.setObjectName("pickQueue")
        self.picks.table.stretch("customer_name")
        self.picks.table.source.row_style = fmt.red_when("late")
        self.order_lines = RecordTable(ORDER_LINE_COLUMNS, key="line_id", sort=None)
        self.order_lines.setObjectName("pickLines")
        self.order_lines.stretch("product_name")
        self.pick_title = QLabel(self)
        self.pick_title.setObjectName("pickTitle")
        self.pick_title.setWordWrap(True)
        self.pick_title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        pick_tab = self.master_detail(self.picks.container, self.pick_title, self.order_lines)
        self.picks.table.current_changed.connect(self._show_pick_detail)

        # (b) receiving: sent purchase orders, their lines below
        self.receiving = self.live_list(
            RECEIVING_COLUMNS,
            receivable_orders,
            lambda c: c.purchase_orders,
            search="Search purchase orders, suppliers (Ctrl+F)",
            sort=(4, Qt.SortOrder.AscendingOrder),
        )
        self.receiving.table.setObjectName("receiving")
        self.receiving.table.stretch("supplier_name")
        self.receiving.table.source.row_style = fmt.red_when("overdue", background=True)
        self.po_lines = RecordTable(PO_LINE_COLUMNS, sort=None)
        self.po_lines.setObjectName("receivingLines")
        self.po_lines.stretch("product_name")
        self.po_title = QLabel(self)
        self.po_title.setObjectName("receivingTitle")
        self.po_title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        receiving_tab = self.master_detail(self.receiving.container, self.po_title, self.po_lines)
        self.receiving.table.current_changed.connect(self._show_po_detail)

        # (c) stock
        self.stock = self.live_list(
            STOCK_COLUMNS,
            stock_rows,
            self._stock_touched,
            key="product_id",
            search="Search SKU, product (Ctrl+F)",
            sort=(0, Qt.SortOrder.AscendingOrder),
        )
        self.stock.table.setObjectName("stock")
        self.stock.table.stretch("name")
        self.stock.table.source.row_style = below_reorder_highlighted
        self.below_only = QCheckBox("Below reorder point only", self)
        self.below_only.setObjectName("belowOnly")
        self.below_only.toggled.connect(
            lambda on: self.stock.table.proxy.set_predicate(
                (lambda record: bool(record.get("below_reorder_point"))) if on else None
            )
        )
        self.stock.filter.layout().addWidget(self.below_only)

        # (d) delivery notes
        self.notes = self.live_list(
            NOTE_COLUMNS,
            warehouse_queries.delivery_notes,
            lambda c: c.delivery_notes,
            states=list(DeliveryNoteState),
            search="Search delivery notes, orders (Ctrl+F)",
        )
        self.notes.table.setObjectName("deliveryNotes")
        self.notes.table.stretch("customer_name")

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("tabs")
        self.pick_tab = self.tabs.addTab(pick_tab, "&Pick queue")
        self.receiving_tab = self.tabs.addTab(receiving_tab, "&Receiving")
        self.stock_tab = self.tabs.addTab(self.stock.container, "&Stock")
        self.notes_tab = self.tabs.addTab(self.notes.container, "&Delivery notes")
        self.tabs.currentChanged.connect(lambda _: self.update_actions())
        self.tab_shortcuts(self.tabs)
        self.central(self.tabs)
        for live in (self.picks, self.receiving, self.stock):
            live.on_loaded.append(self._update_counts)

        on = self.tabs.currentIndex
        self.ship_action = self.action(
            "Pick && ship",
            self.pick_and_ship,
            shortcut="Ctrl+P",
            duty="ship",
            tip="Pick the reserved goods of the chosen order and ship them",
            enabled=lambda: on() == self.pick_tab and self.picks.table.current_id() is not None,
        )
        self.receive_action = self.action(
            "Receive",
            self.receive_goods,
            shortcut="Ctrl+R",
            duty="receive",
            tip="Book the goods that arrived on the chosen purchase order",
            enabled=lambda: on() == self.receiving_tab and self.receiving.table.current_id() is not None,
        )
        self.adjust_action = self.action(
            "Adjust stock",
            self.adjust_stock,
            shortcut="Ctrl+J",
            duty="adjust_stock",
            tip="Correct the stock of a product after a count, damage or find",
            enabled=lambda: on() == self.stock_tab and self.stock.loaded,
        )
        self.print_action = self.action(
            "Print",
            self.print_selected_notes,
            shortcut="Ctrl+Shift+P",
            duty="print_delivery_notes",
            tip="Print the chosen delivery notes (a reprint is marked COPY)",
            enabled=lambda: on() == self.notes_tab and bool(self._printable_notes()),
        )
        self.batch_action = self.action(
            "Print unprinted",
            self.print_unprinted,
            duty="print_delivery_notes",
            tip="Print every picked or shipped delivery note not printed yet, in one batch",
            enabled=lambda: on() == self.notes_tab,
        )
        if self.context.may("ship"):
            self.picks.table.activated_id.connect(lambda _: self.pick_and_ship())
        if self.context.may("receive"):
            self.receiving.table.activated_id.connect(lambda _: self.receive_goods())
        if self.context.may("print_delivery_notes"):
            self.notes.table.activated_id.connect(lambda _: self.print_selected_notes())
        self.update_actions()

    def _stock_touched(self, changes: Changes) -> set[int]:
        """The products an event names, and, when purchase or production orders moved, every listed product:
        incoming and in-production figures follow documents that name no product. The table changes (and
        flashes) only the rows whose figures moved."""
        ids = set(changes.products)
        if changes.purchase_orders or changes.production_orders:
            ids |= set(self.stock.table.source.ids())
        return ids

    def _update_counts(self) -> None:
        late = sum(
            1 for key in self.picks.table.source.ids() if (self.picks.table.source.record_by_id(key) or {}).get("late")
        )
        picks = self.picks.table.source.rowCount()
        self.tabs.setTabText(self.pick_tab, f"&Pick queue ({picks}{f', {late} late' if late else ''})")
        overdue = sum(
            1
            for key in self.receiving.table.source.ids()
            if (self.receiving.table.source.record_by_id(key) or {}).get("overdue")
        )
        count = self.receiving.table.source.rowCount()
        self.tabs.setTabText(self.receiving_tab, f"&Receiving ({count}{f', {overdue} overdue' if overdue else ''})")
        below = sum(
            1
            for key in self.stock.table.source.ids()
            if (self.stock.table.source.record_by_id(key) or {}).get("below_reorder_point")
        )
        self.tabs.setTabText(self.stock_tab, f"&Stock{f' ({below} below reorder point)' if below else ''}")
        self.update_actions()

    # -- details --------------------------------------------------------------------------------------------

    def _show_pick_detail(self, order_id: Any) -> None:
        if order_id is None:
            self.pick_title.setText("")
            self.order_lines.source.reset([])
            return
        self.run(order_for_shipping, order_id, on_done=self._pick_detail_loaded)

    def _pick_detail_loaded(self, detail: dict[str, Any]) -> None:
        header = detail["header"]
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
        self.pick_title.setText(" · ".join(facts) + f"<br><span style='color:#666'>ship to: {ship_to}</span>")
        self.order_lines.source.reset(detail["lines"])

    def _show_po_detail(self, po_id: Any) -> None:
        if po_id is None:
            self.po_title.setText("")
            self.po_lines.source.reset([])
            return
        self.run(purchase_order_for_receiving, po_id, on_done=self._po_detail_loaded)

    def _po_detail_loaded(self, detail: dict[str, Any]) -> None:
        header = detail["header"]
        if header is None or header["id"] != self.receiving.table.current_id():
            return
        facts = [
            f"<b>{header['number']}</b> · {header['supplier_name']} · {fmt.state(header['state'])}",
            f"expected {fmt.date(header['expected_date'])}",
        ]
        if header["overdue"]:
            facts.append(f"<span style='color:{fmt.LATE_COLOUR}'><b>OVERDUE</b></span>")
        self.po_title.setText(" · ".join(facts))
        self.po_lines.source.reset(detail["lines"])

    def apply_changes(self, changes: Changes) -> None:
        super().apply_changes(changes)
        current = self.picks.table.current_id()
        if current is not None and current in changes.sales_orders:
            self._show_pick_detail(current)
        po = self.receiving.table.current_id()
        if po is not None and po in changes.purchase_orders:
            self._show_po_detail(po)

    def _failed_in(self, dialog: WorkDialog, exc: BaseException) -> None:
        """Show a refusal in the dialog the person is looking at (or in the window, if it is gone)."""
        if shiboken6.isValid(dialog):
            dialog.failed(exc)
        else:
            self.show_error(exc)

    def show_order(self, order_id: int) -> None:
        self.tabs.setCurrentIndex(self.pick_tab)
        if not self.picks.reveal(order_id):
            self.message.show_message("That order has nothing waiting to be picked any more.")

    # -- pick and ship --------------------------------------------------------------------------------------

    def pick_and_ship(self) -> None:
        record = self.picks.table.current_record()
        if record is None or (self.ship_dialog is not None and self.ship_dialog.isVisible()):
            return
        self.run(order_for_shipping, record["id"], on_done=self._open_ship_dialog)

    def _open_ship_dialog(self, detail: dict[str, Any]) -> None:
        header = detail["header"]
        if header is None:
            self.message.show_error("That order no longer exists.")
            return
        ship_to = (header["ship_to"] or "").replace("\n", ", ")
        intro = (
            f"<b>{header['number']}</b> · {header['customer_name']}<br>"
            f"<span style='color:#555'>ship to: {ship_to}</span><br>"
            "Each line proposes what is reserved and not yet shipped; lower it to ship part now "
            "and leave the rest as a backorder."
        )
        dialog = QuantitiesDialog(
            self,
            title=f"Pick and ship {header['number']}",
            intro=intro,
            columns=[
                Column("line_no", "#"),
                Column("sku", "SKU"),
                Column("product_name", "Product"),
                Column("ordered", "Ordered", "qty"),
                Column("shipped", "Shipped", "qty"),
                Column("reserved", "Reserved", "qty"),
            ],
            lines=detail["lines"],
            key="line_id",
            default=lambda line: line["reserved"],
            maximum=lambda line: line["reserved"],
            quantity_title="Ship now",
            ok_text="Pick && ship",
        )
        order_id = header["id"]
        dialog.submitted.connect(
            lambda quantities: self.run(
                ship,
                order_id,
                quantities,
                on_done=lambda result: self._shipped(dialog, result),
                on_error=lambda exc: self._failed_in(dialog, exc),
            )
        )
        dialog.destroyed.connect(lambda *_: setattr(self, "ship_dialog", None))
        self.ship_dialog = dialog
        dialog.open()

    def _shipped(self, dialog: QuantitiesDialog, result: dict[str, Any]) -> None:
        if shiboken6.isValid(dialog):
            dialog.finished_ok()
        self.apply_changes(result["changes"])
        backorder = result["backorder"]
        text = (
            f"{result['note']} shipped; backorder of {fmt.quantity(backorder)} left."
            if backorder > 0
            else f"{result['note']} shipped; {result['order']} is complete."
        )
        self.message.show_message(text)
        self.print_delivery_note(result["note_id"], after=text)

    # -- printing -------------------------------------------------------------------------------------------

    def _printable_notes(self) -> list[int]:
        source = self.notes.table.source
        return [
            key
            for key in self.notes.table.selected_ids()
            if (source.record_by_id(key) or {}).get("state") in ("picked", "shipped")
        ]

    def print_unprinted(self) -> None:
        try:
            from erp_desktop.printing import print_batch
        except ImportError:
            self.message.show_message("Printing is not available yet.", error=True)
            return
        self.batch = print_batch(self, self.context, "delivery_note")

    def print_selected_notes(self) -> None:
        ids = self._printable_notes()
        if not ids:
            self.message.show_message("Choose a picked or shipped delivery note to print.")
            return
        self.print_delivery_notes(ids)

    def print_delivery_note(self, note_id: int, *, after: str = "") -> bool:
        return self.print_delivery_notes([note_id], after=after)

    def print_delivery_notes(self, note_ids: list[int], *, after: str = "") -> bool:
        """Open the print preview; the printing module marks reprints COPY and records each print."""
        try:
            from erp_desktop.printing import open_print_preview
        except ImportError:
            self.message.show_message(f"{after} Printing is not available yet.".strip())
            return False
        try:
            open_print_preview(self, self.context, "delivery_note", list(note_ids))
        except Exception as exc:  # a broken printer setup must not take the window down
            self.show_error(exc)
            return False
        return True

    # -- receiving ------------------------------------------------------------------------------------------

    def receive_goods(self) -> None:
        record = self.receiving.table.current_record()
        if record is None or (self.receive_dialog is not None and self.receive_dialog.isVisible()):
            return
        self.run(purchase_order_for_receiving, record["id"], on_done=self._open_receive_dialog)

    def _open_receive_dialog(self, detail: dict[str, Any]) -> None:
        header = detail["header"]
        if header is None:
            self.message.show_error("That purchase order is no longer waiting for goods.")
            return
        overdue = f" · <span style='color:{fmt.LATE_COLOUR}'><b>overdue</b></span>" if header["overdue"] else ""
        intro = (
            f"<b>{header['number']}</b> · {header['supplier_name']} · expected "
            f"{fmt.date(header['expected_date'])}{overdue}<br>"
            "Count what arrived. Each line proposes what is still outstanding; received goods go to "
            "waiting orders first, earliest promise first."
        )
        dialog = QuantitiesDialog(
            self,
            title=f"Receive {header['number']}",
            intro=intro,
            columns=[
                Column("line_no", "#"),
                Column("sku", "SKU"),
                Column("product_name", "Product"),
                Column("quantity", "Ordered", "qty"),
                Column("qty_received", "Received", "qty"),
                Column("outstanding", "Outstanding", "qty"),
            ],
            lines=detail["lines"],
            key="id",
            default=lambda line: line["outstanding"],
            maximum=lambda line: line["outstanding"],
            quantity_title="Arrived now",
            ok_text="Receive",
        )
        po_id = header["id"]
        dialog.submitted.connect(
            lambda quantities: self.run(
                receive,
                po_id,
                quantities,
                on_done=lambda result: self._received(dialog, result),
                on_error=lambda exc: self._failed_in(dialog, exc),
            )
        )
        dialog.destroyed.connect(lambda *_: setattr(self, "receive_dialog", None))
        self.receive_dialog = dialog
        dialog.open()

    def _received(self, dialog: QuantitiesDialog, result: dict[str, Any]) -> None:
        if shiboken6.isValid(dialog):
            dialog.finished_ok()
        self.apply_changes(result["changes"])
        if result["outstanding"] > 0:
            text = f"{result['number']} partly received; {fmt.quantity(result['outstanding'])} still outstanding."
        else:
            text = f"{result['number']} received in full."
        if result["ready"]:
            text += f" Ready to pick now: {', '.join(result['ready'])}."
        self.message.show_message(text, seconds=10)

    # -- stock ----------------------------------------------------------------------------------------------

    def adjust_stock(self) -> None:
        if self.adjust_dialog is not None and self.adjust_dialog.isVisible():
            return
        source = self.stock.table.source
        products = [source.record(row) for row in range(source.rowCount())]
        if not products:
            self.message.show_message("There are no products in stock to adjust yet.")
            return
        dialog = AdjustStockDialog(self, products, self.stock.table.current_id())
        dialog.submitted.connect(
            lambda product_id, quantity, reason: self.run(
                warehouse.adjust_stock,
                product_id,
                quantity=quantity,
                reason=reason,
                on_error=lambda exc: self._failed_in(dialog, exc),
                on_done=lambda changes: self._adjusted(dialog, changes, product_id, quantity, reason),
            )
        )
        dialog.destroyed.connect(lambda *_: setattr(self, "adjust_dialog", None))
        self.adjust_dialog = dialog
        dialog.open()

    def _adjusted(
        self, dialog: AdjustStockDialog, changes: Changes, product_id: int, quantity: Decimal, reason: str
    ) -> None:
        if shiboken6.isValid(dialog):
            dialog.finished_ok()
        self.apply_changes(changes)
        product = self.stock.table.source.record_by_id(product_id) or {}
        sign = "+" if quantity > 0 else ""
        self.message.show_message(
            f"Stock of {product.get('sku', 'the product')} adjusted by "
            f"{sign}{fmt.quantity(quantity)} {product.get('unit') or ''}"
            f" ({reason.strip()})."
        )
