"""Keyboard-driven order entry.

Customer and product codes complete as you type (code or name, Chinese included); Enter on a line adds the
next one; Tab moves through quantity, price and discount only. Each line shows live availability (on hand,
reserved, available, incoming), the date it could ship and its net: a pause in typing asks the database
(`server_db.sales.queries.availability`), which computes the money with the same SQL functions that price the
saved order, so the editor does no arithmetic of its own. Errors appear in place: the field or cell turns
red and the message bar says why. Ctrl+Z undoes the last unsaved edit; closing with unsaved edits asks first.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QDate, QModelIndex, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QCloseEvent, QColor, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QCompleter,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from erp_desktop import format as fmt
from erp_desktop.context import ClientContext
from erp_desktop.table_models import Index
from erp_desktop.widgets import MessageBar, confirm
from server_db.core.errors import ConcurrentChange, ValidationError
from server_db.sales import queries as sales_queries
from server_db.sales import services as sales
from server_db.sales.queries import Availability, OrderEntry
from server_db.sales.services import HeaderInput, LineInput, SavedOrder

SKU, DESCRIPTION, QTY, PRICE, DISCOUNT, NET, ON_HAND, RESERVED, AVAILABLE, INCOMING, SHIP = range(11)
HEADERS = [
    "SKU",
    "Description",
    "Qty",
    "Price",
    "Disc %",
    "Net",
    "On hand",
    "Reserved",
    "Available",
    "Incoming",
    "Ship date",
]
EDITABLE = (SKU, QTY, PRICE, DISCOUNT, DESCRIPTION)
TAB_ORDER = (SKU, QTY, PRICE, DISCOUNT)  # Tab goes through these; the description is for the mouse
NO_DATE = QDate(2000, 1, 1)
_FIELD = re.compile(r"lines\[(\d+)\]\.(\w+)")


def _decimal(text: str) -> Decimal | None:
    """A number as typed, or None for anything that is not a sensible one (NaN, Infinity, 1e400...)."""
    try:
        value = Decimal(text.replace(",", "").strip()) if text.strip() else None
    except InvalidOperation:
        return None
    if value is None or not value.is_finite() or abs(value) >= Decimal("1e12"):
        return None
    return value


class _CompletingDelegate(QStyledItemDelegate):
    """The SKU cell's editor: a line edit completing 'SKU — name' as you type."""

    def __init__(self, completions: QStringListModel, parent: QWidget) -> None:
        super().__init__(parent)
        self.completions = completions

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        editor = QLineEdit(parent)
        completer = QCompleter(self.completions, editor)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        editor.setCompleter(completer)
        return editor

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        text = editor.text().strip() if isinstance(editor, QLineEdit) else ""
        model.setData(index, text.split(" — ")[0].strip().upper() if " — " in text else text.upper())


class LinesTable(QTableWidget):
    """The lines grid: Enter on the last line adds one, Tab skips read-only columns."""

    line_added = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(HEADERS), parent)
        self.setObjectName("lines")
        self.setHorizontalHeaderLabels(HEADERS)
        self.verticalHeader().setVisible(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        # spreadsheet-like: typing starts editing the current cell; moving around does not open editors
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in (
            (SKU, 120),
            (DESCRIPTION, 220),
            (QTY, 70),
            (PRICE, 90),
            (DISCOUNT, 60),
            (NET, 100),
            (ON_HAND, 70),
            (RESERVED, 70),
            (AVAILABLE, 75),
            (INCOMING, 70),
            (SHIP, 95),
        ):
            self.setColumnWidth(column, width)

    def add_line(self) -> int:
        row = self.rowCount()
        self.insertRow(row)
        for column in range(len(HEADERS)):
            item = QTableWidgetItem("")
            if column not in EDITABLE:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                item.setBackground(QBrush(QColor("#f4f6f8")))
            if column not in (SKU, DESCRIPTION, SHIP):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.setItem(row, column, item)
        self.line_added.emit()
        return row

    def moveCursor(self, action: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier) -> QModelIndex:
        current = self.currentIndex()
        forward = action == QAbstractItemView.CursorAction.MoveNext
        if (
            action in (QAbstractItemView.CursorAction.MoveNext, QAbstractItemView.CursorAction.MovePrevious)
            and current.isValid()
        ):
            order = list(TAB_ORDER)
            row, column = current.row(), current.column()
            position = order.index(column) if column in order else -1
            position += 1 if forward else -1
            if 0 <= position < len(order):
                return self.model().index(row, order[position])
            if forward and row + 1 < self.rowCount():
                return self.model().index(row + 1, order[0])
            if not forward and row > 0:
                return self.model().index(row - 1, order[-1])
            return current
        return super().moveCursor(action, modifiers)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if (
            event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and self.state() != QAbstractItemView.State.EditingState
        ):
            self.enter_pressed()
            return
        if (
            event.key() == Qt.Key.Key_Delete
            and self.state() != QAbstractItemView.State.EditingState
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            if self.currentRow() >= 0:
                self.removeRow(self.currentRow())
            return
        super().keyPressEvent(event)

    def closeEditor(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        super().closeEditor(editor, hint)
        if hint == QAbstractItemDelegate.EndEditHint.SubmitModelCache:
            # Enter typed in a cell: the editor took the key, so act on it once the value is committed
            QTimer.singleShot(0, self.enter_pressed)

    def enter_pressed(self) -> None:
        """Enter on the last line adds the next one; on an earlier line it moves down."""
        row = self.currentRow()
        if row < 0:
            return
        if row == self.rowCount() - 1:
            if self.text(row, SKU):
                new = self.add_line()
                self.setCurrentCell(new, SKU)
                item = self.item(new, SKU)
                if item is not None and self.state() != QAbstractItemView.State.EditingState:
                    self.editItem(item)
            return
        self.setCurrentCell(row + 1, SKU)

    def text(self, row: int, column: int) -> str:
        item = self.item(row, column)
        return item.text().strip() if item else ""

    def set_text(self, row: int, column: int, value: str) -> None:
        item = self.item(row, column)
        if item is not None and item.text() != value:
            item.setText(value)


class OrderEditor(QDialog):
    """A new order, or a draft being edited. `saved(order_id)` after a successful save or confirmation."""

    saved = Signal(int)

    def __init__(self, context: ClientContext, order_id: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("orderEditor")
        self.context = context
        self.order_id = order_id
        self.version: int | None = None
        self.products: dict[str, dict[str, Any]] = {}
        self.customers: dict[str, dict[str, Any]] = {}
        self._undo: list[dict[str, Any]] = []
        self._restoring = False
        self._dirty = False
        self.setWindowTitle("New sales order" if order_id is None else "Edit sales order")
        self.resize(1180, 640)
        layout = QVBoxLayout(self)
        self.message = MessageBar(self)
        layout.addWidget(self.message)

        self.customer = QLineEdit(self)
        self.customer.setObjectName("customer")
        self.customer.setPlaceholderText("code or name — type to search")
        self.customer_completions = QStringListModel(self)
        completer = QCompleter(self.customer_completions, self.customer)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.customer.setCompleter(completer)
        self.customer_info = QLabel(self)
        self.customer_info.setStyleSheet("color: #555;")
        self.requested = QDateEdit(self)
        self.requested.setObjectName("requested")
        self.requested.setCalendarPopup(True)
        self.requested.setDisplayFormat("yyyy-MM-dd")
        self.requested.setMinimumDate(NO_DATE)
        self.requested.setSpecialValueText("no date")
        self.requested.setDate(QDate.currentDate().addDays(14))
        self.reference = QLineEdit(self)
        self.reference.setObjectName("reference")
        self.reference.setPlaceholderText("the customer's order number")
        self.address = QPlainTextEdit(self)
        self.address.setObjectName("address")
        self.address.setPlaceholderText("delivery address, if not the customer's")
        self.address.setFixedHeight(46)
        self.address.setTabChangesFocus(True)
        self.notes = QPlainTextEdit(self)
        self.notes.setObjectName("notes")
        self.notes.setFixedHeight(46)
        self.notes.setTabChangesFocus(True)
        top = QHBoxLayout()
        left, right = QFormLayout(), QFormLayout()
        left.addRow("&Customer", self.customer)
        left.addRow("", self.customer_info)
        left.addRow("&Requested date", self.requested)
        left.addRow("Customer &reference", self.reference)
        right.addRow("Deliver &to", self.address)
        right.addRow("&Notes", self.notes)
        top.addLayout(left, 1)
        top.addLayout(right, 1)
        layout.addLayout(top)

        self.lines = LinesTable(self)
        self.product_completions = QStringListModel(self)
        self.lines.setItemDelegateForColumn(SKU, _CompletingDelegate(self.product_completions, self.lines))
        self.lines.itemChanged.connect(self._line_changed)
        layout.addWidget(self.lines, 1)
        hint = QLabel(
            "Enter adds a line · Tab moves through quantity, price and discount · Ctrl+Delete removes a "
            "line · Ctrl+Z undoes · Ctrl+S saves · Ctrl+Return saves and confirms",
            self,
        )
        hint.setStyleSheet("color: #777;")
        layout.addWidget(hint)

        bottom = QHBoxLayout()
        self.summary = QLabel(self)
        self.summary.setObjectName("summary")
        bottom.addWidget(self.summary, 1)
        self.save_button = QPushButton("&Save draft", self)
        self.confirm_button = QPushButton("Save and c&onfirm", self)
        self.close_button = QPushButton("Close", self)
        self.confirm_button.setVisible(context.may("confirm_orders"))
        for button in (self.save_button, self.confirm_button, self.close_button):
            bottom.addWidget(button)
        layout.addLayout(bottom)
        self.save_button.clicked.connect(lambda: self.save(confirm_after=False))
        self.confirm_button.clicked.connect(lambda: self.save(confirm_after=True))
        self.close_button.clicked.connect(self.close)
        QShortcut(QKeySequence.StandardKey.Save, self).activated.connect(lambda: self.save(confirm_after=False))
        QShortcut(QKeySequence("Ctrl+Return"), self).activated.connect(lambda: self.save(confirm_after=True))
        QShortcut(QKeySequence.StandardKey.Undo, self).activated.connect(self.undo)

        for widget in (self.customer, self.reference):
            widget.textEdited.connect(self._edited)
        self.customer.editingFinished.connect(self._customer_chosen)
        self.requested.dateChanged.connect(self._edited)
        self.address.textChanged.connect(self._edited)
        self.notes.textChanged.connect(self._edited)

        self._availability_timer = QTimer(self, singleShot=True, interval=250)
        self._availability_timer.timeout.connect(self.refresh_availability)
        self.requested.dateChanged.connect(lambda _: self._availability_timer.start())  # "later than requested"?
        self.preview = Availability()  # the database's latest answer about the lines: stock, dates, money
        self._preview_asked = 0
        self.ready = False
        context.operations.run(
            sales_queries.order_entry, order_id, on_done=self._loaded, on_error=self.message.show_error, owner=self
        )

    # -- loading ----------------------------------------------------------------------------------------

    def _loaded(self, entry: OrderEntry) -> None:
        self._restoring = True
        self.customers = {c["code"]: c for c in entry.customers}
        self.products = {p["sku"]: p for p in entry.products}
        self.customer_completions.setStringList([f"{c['code']} — {c['name']}" for c in self.customers.values()])
        self.product_completions.setStringList([f"{p['sku']} — {p['name']}" for p in self.products.values()])
        header = entry.header
        if header is not None:
            self.version = header["version"]
            self.setWindowTitle(f"Edit sales order {header['number']}")
            self.customer.setText(header["customer_code"])
            self.requested.setDate(QDate(header["requested_date"]) if header["requested_date"] else NO_DATE)
            self.reference.setText(header["customer_reference"])
            self.address.setPlainText(header["delivery_address"])
            self.notes.setPlainText(header["notes"])
            for line in entry.lines:
                row = self.lines.add_line()
                self.lines.set_text(row, SKU, line["sku"])
                self.lines.set_text(row, DESCRIPTION, line["description"] or line["product_name"])
                self.lines.set_text(row, QTY, fmt.quantity(line["ordered"]))
                self.lines.set_text(row, PRICE, fmt.money(line["unit_price"]))
                self.lines.set_text(row, DISCOUNT, fmt.quantity(line["discount_pct"]))
        if self.lines.rowCount() == 0:
            self.lines.add_line()
        self._customer_chosen()
        self._restoring = False
        self._dirty = False
        self._undo = [self.snapshot()]
        self.ready = True
        self._show_summary()
        self.refresh_availability()
        (self.customer if not self.customer.text() else self.lines).setFocus()
        if self.customer.text():
            self.lines.setCurrentCell(self.lines.rowCount() - 1, SKU)

    # -- editing ----------------------------------------------------------------------------------------

    def _edited(self, *_: Any) -> None:
        if self._restoring or not self.ready:
            return
        self._dirty = True
        self._push_undo()

    def _customer_chosen(self) -> None:
        text = self.customer.text().strip()
        code = text.split(" — ")[0].strip().upper()
        if code != text and code in self.customers:
            self.customer.setText(code)
        customer = self.customers.get(code)
        if customer is None:
            self.customer_info.setText("" if not text else "no such customer yet: pick one from the list")
            return
        limit = (
            "no credit limit"
            if customer["credit_limit"] is None
            else f"credit limit {fmt.money(customer['credit_limit'])}"
        )
        self.customer_info.setText(f"{customer['name']} · {customer['payment_terms_days']} days · {limit}")
        self.customer.setProperty("invalid", False)
        self.customer.style().polish(self.customer)

    def _line_changed(self, item: QTableWidgetItem) -> None:
        if self._restoring or not self.ready:
            return
        row, column = item.row(), item.column()
        self._restoring = True
        try:
            if column == SKU:
                product = self.products.get(item.text().strip().upper())
                if product is not None:
                    item.setText(product["sku"])
                    if not self.lines.text(row, DESCRIPTION):
                        self.lines.set_text(row, DESCRIPTION, product["name"])
                    if not self.lines.text(row, PRICE):
                        self.lines.set_text(row, PRICE, fmt.money(product["price"]))
                    if not self.lines.text(row, QTY):
                        self.lines.set_text(row, QTY, "1")
            item.setBackground(QBrush() if column in EDITABLE else item.background())
            item.setToolTip("")
            if column in (SKU, QTY, PRICE, DISCOUNT):
                self.lines.set_text(row, NET, "")  # until the database has priced the line as it now reads
        finally:
            self._restoring = False
        self._dirty = True
        self._show_summary()
        self._push_undo()
        self._availability_timer.start()

    def _show_summary(self) -> None:
        """Lines, the net total and the estimated ship date, all as the database's latest answer said."""
        lines = sum(1 for row in range(self.lines.rowCount()) if self.lines.text(row, SKU))
        preview = self.preview
        text = f"{lines} line{'s' if lines != 1 else ''} · net {fmt.money(preview.net_total)}"
        if preview.ship_date is not None:
            text += f" · estimated ship date {fmt.date(preview.ship_date)}"
            if preview.later_than_requested:
                text += " — later than requested"
        self.summary.setText(text)

    def line_inputs(self) -> list[LineInput]:
        result = []
        for row in range(self.lines.rowCount()):
            sku = self.lines.text(row, SKU)
            if not sku:
                continue
            result.append(
                LineInput(
                    product=sku,
                    quantity=self.lines.text(row, QTY),
                    unit_price=self.lines.text(row, PRICE) or None,
                    discount_pct=self.lines.text(row, DISCOUNT) or 0,
                    description=self.lines.text(row, DESCRIPTION),
                )
            )
        return result

    def requested_date(self) -> dt.date | None:
        date = self.requested.date()
        return None if date == NO_DATE else dt.date(date.year(), date.month(), date.day())

    def header_input(self) -> HeaderInput:
        return HeaderInput(
            customer=self.customer.text().strip().split(" — ")[0].strip(),
            requested_date=self.requested_date(),
            delivery_address=self.address.toPlainText(),
            customer_reference=self.reference.text(),
            notes=self.notes.toPlainText(),
        )

    # -- availability -----------------------------------------------------------------------------------

    def refresh_availability(self) -> None:
        """Ask the database about every line whose product and quantity are known: stock, ship date, money.
        The price and discount go as typed (an empty price is the list price; one that is not a number
        gets no net)."""
        wanted: list[tuple[int, Decimal, str | None, str]] = []
        rows = []
        self._restoring = True
        try:
            for row in range(self.lines.rowCount()):
                product = self.products.get(self.lines.text(row, SKU).upper())
                qty = _decimal(self.lines.text(row, QTY))
                if product is not None and qty is not None and qty > 0:
                    price = self.lines.text(row, PRICE)
                    wanted.append((product["id"], qty, price or None, self.lines.text(row, DISCOUNT)))
                    rows.append(row)
                else:
                    self.lines.set_text(row, NET, "")  # nothing to price until product and quantity are known
        finally:
            self._restoring = False
        self._preview_asked += 1
        ticket = self._preview_asked
        if not wanted:
            self._show_availability(ticket, rows, Availability())
            return
        self.context.operations.run(
            sales_queries.availability,
            wanted,
            requested_date=self.requested_date(),
            on_done=lambda answer: self._show_availability(ticket, rows, answer),
            on_error=lambda exc: None,
            owner=self,
        )

    def _show_availability(self, ticket: int, rows: list[int], answer: Availability) -> None:
        if ticket != self._preview_asked:
            return  # a newer question is on its way: its answer describes the lines as they read now
        self.preview = answer
        self._restoring = True
        try:
            for row, line in zip(rows, answer, strict=False):
                if row >= self.lines.rowCount():
                    continue
                self.lines.set_text(row, NET, fmt.money(line.net))
                self.lines.set_text(row, ON_HAND, fmt.quantity(line.on_hand))
                self.lines.set_text(row, RESERVED, fmt.quantity(line.reserved))
                self.lines.set_text(row, AVAILABLE, fmt.quantity(line.available))
                self.lines.set_text(row, INCOMING, fmt.quantity(line.incoming))
                self.lines.set_text(row, SHIP, fmt.date(line.ship_date))
                item = self.lines.item(row, AVAILABLE)
                if item is not None:
                    item.setForeground(QBrush(QColor("#e53935" if line.short else "#2e7d32")))
        finally:
            self._restoring = False
        self._show_summary()

    # -- undo -------------------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        return {
            "customer": self.customer.text(),
            "requested": self.requested.date(),
            "reference": self.reference.text(),
            "address": self.address.toPlainText(),
            "notes": self.notes.toPlainText(),
            "lines": [[self.lines.text(r, c) for c in EDITABLE] for r in range(self.lines.rowCount())],
        }

    def _push_undo(self) -> None:
        state = self.snapshot()
        if not self._undo or self._undo[-1] != state:
            self._undo.append(state)
            del self._undo[:-100]

    def undo(self) -> None:
        if self.lines.state() == QAbstractItemView.State.EditingState or len(self._undo) < 2:
            return
        self._undo.pop()
        state = self._undo[-1]
        self._restoring = True
        try:
            self.customer.setText(state["customer"])
            self.requested.setDate(state["requested"])
            self.reference.setText(state["reference"])
            self.address.setPlainText(state["address"])
            self.notes.setPlainText(state["notes"])
            self.lines.setRowCount(0)
            for values in state["lines"]:
                row = self.lines.add_line()
                for column, value in zip(EDITABLE, values, strict=True):
                    self.lines.set_text(row, column, value)
        finally:
            self._restoring = False
        self._dirty = len(self._undo) > 1
        self._show_summary()
        self._availability_timer.start()

    # -- saving -----------------------------------------------------------------------------------------

    def save(self, *, confirm_after: bool) -> None:
        if not self.ready:
            return
        if self.lines.state() == QAbstractItemView.State.EditingState:
            self.lines.setCurrentCell(-1, -1)  # commit the cell being typed in
        self._clear_marks()
        self.save_button.setEnabled(False)
        self.confirm_button.setEnabled(False)
        self.context.operations.run(
            sales.save_order,
            self.order_id,
            header=self.header_input(),
            lines=self.line_inputs(),
            expected_version=self.version,
            confirm=confirm_after,
            on_done=lambda saved: self._saved(saved, confirm_after),
            on_error=self._save_failed,
            owner=self,
        )

    def _saved(self, saved: SavedOrder, confirmed: bool) -> None:
        self.order_id, self.version = saved.order_id, saved.version
        self._dirty = False
        self._undo = [self.snapshot()]
        self.save_button.setEnabled(True)
        self.confirm_button.setEnabled(True)
        self.saved.emit(self.order_id)
        if confirmed:
            self.accept()
        else:
            self.setWindowTitle("Edit sales order")
            self.message.show_message("Saved.")

    def _save_failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        self.confirm_button.setEnabled(True)
        self.message.show_error(exc)
        if isinstance(exc, ValidationError) and exc.field:
            self._mark(exc.field, str(exc))
        if isinstance(exc, ConcurrentChange):
            self.message.show_message(f"{exc} Close this window and open the order again.", error=True)

    def _mark(self, field: str, message: str) -> None:
        match = _FIELD.match(field)
        if match:
            row = self._nth_filled_row(int(match.group(1)))
            column = {
                "product": SKU,
                "quantity": QTY,
                "unit_price": PRICE,
                "discount_pct": DISCOUNT,
                "below_cost_reason": PRICE,
                "description": DESCRIPTION,
            }.get(match.group(2), SKU)
            item = self.lines.item(row, column) if row is not None else None
            if row is not None and item is not None:
                self._restoring = True  # marking a cell is not an edit
                try:
                    item.setBackground(QBrush(QColor("#ffcdd2")))
                    item.setToolTip(message)
                finally:
                    self._restoring = False
                self.lines.setCurrentCell(row, column)
            return
        widget = {
            "customer": self.customer,
            "requested_date": self.requested,
            "customer_reference": self.reference,
            "delivery_address": self.address,
            "notes": self.notes,
        }.get(field)
        if widget is not None:
            widget.setProperty("invalid", True)
            widget.style().polish(widget)
            widget.setToolTip(message)
            widget.setFocus()

    def _nth_filled_row(self, n: int) -> int | None:
        count = 0
        for row in range(self.lines.rowCount()):
            if self.lines.text(row, SKU):
                count += 1
                if count == n:
                    return row
        return None

    def _clear_marks(self) -> None:
        for widget in (self.customer, self.requested, self.reference, self.address, self.notes):
            widget.setProperty("invalid", False)
            widget.style().polish(widget)
        self._restoring = True
        for row in range(self.lines.rowCount()):
            for column in EDITABLE:
                item = self.lines.item(row, column)
                if item is not None:
                    item.setBackground(QBrush())
        self._restoring = False

    @property
    def dirty(self) -> bool:
        return self._dirty

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._dirty and not confirm(
            self, "Unsaved order", "This order has unsaved changes. Close and lose them?", destructive=True
        ):
            event.ignore()
            return
        super().closeEvent(event)

    def reject(self) -> None:
        self.close()
