"""The stock count: choose a warehouse, type what was counted beside what the books say, give a reason, save.
Only the rows typed into are sent; the database books an opening balance for a product that never moved
there and an adjustment for the others."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from erp_desktop import format as fmt
from erp_desktop.widgets import MessageBar, describe_error
from erp_desktop.windows.base import RoleWindow
from server_db.core.changes import Changes
from server_db.core.errors import DomainError
from server_db.masterdata import queries
from server_db.stock import services as stock

HEADERS = ["SKU", "Product", "Unit", "On hand", "Counted", "Difference"]
SKU, NAME, UNIT, ON_HAND, COUNTED, DIFFERENCE = range(6)
WAREHOUSE = "&Warehouse:"
REASON = "&Reason:"
REASON_PLACEHOLDER = "e.g. opening stock 2026-12-01, or year-end count"
SAVE = "Save count"
SEARCH = "Search SKU or product"
NOTHING_COUNTED = "Type a counted quantity in at least one row."
NO_REASON = "Give a reason: it is kept with every correction."
BAD_COUNT = "Row {sku}: type a quantity of 0 or more."
COUNT_SAVED = "Stock count saved: {rows} products corrected in {warehouse}."
SUMMARY = "{changed} of {rows} products counted"


class StockCountPage(QWidget):
    def __init__(self, window: RoleWindow) -> None:
        super().__init__(window)
        self.setObjectName("stockCount")
        self.window_ = window
        self.warehouse = QComboBox(self)
        self.warehouse.setObjectName("countWarehouse")
        self.warehouse.setMinimumContentsLength(18)
        self.warehouse.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.warehouse.currentIndexChanged.connect(lambda _: self.load_sheet())
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(SEARCH)
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        self.table = QTableWidget(0, len(HEADERS), self)
        self.table.setObjectName("countSheet")
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        for column, width in ((SKU, 120), (UNIT, 60), (ON_HAND, 90), (COUNTED, 90), (DIFFERENCE, 90)):
            self.table.setColumnWidth(column, width)
        self.table.itemChanged.connect(self._counted)
        self.reason = QLineEdit(self)
        self.reason.setObjectName("countReason")
        self.reason.setPlaceholderText(REASON_PLACEHOLDER)
        self.summary = QLabel("", self)
        self.save_button = QPushButton(SAVE, self)
        self.save_button.setObjectName("saveCount")
        self.save_button.clicked.connect(self.save)
        self.message = MessageBar(self)
        top = QHBoxLayout()
        label = QLabel(WAREHOUSE, self)
        label.setBuddy(self.warehouse)
        top.addWidget(label)
        top.addWidget(self.warehouse)
        top.addWidget(self.search, 1)
        bottom = QHBoxLayout()
        reason = QLabel(REASON, self)
        reason.setBuddy(self.reason)
        bottom.addWidget(reason)
        bottom.addWidget(self.reason, 1)
        bottom.addWidget(self.summary)
        bottom.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(bottom)
        self.loaded = False
        self._filling = False

    # -- loading ------------------------------------------------------------------------------------------

    def load(self) -> None:
        self.window_.run(queries.warehouses, on_done=self._warehouses)

    def _warehouses(self, rows: list[dict[str, Any]]) -> None:
        chosen = self.warehouse.currentData()
        self.warehouse.blockSignals(True)
        self.warehouse.clear()
        for row in rows:
            if row.get("active") is not False:
                self.warehouse.addItem(f"{row['code']} · {row['name']}", row["id"])
        self.warehouse.setCurrentIndex(max(0, self.warehouse.findData(chosen)))
        self.warehouse.blockSignals(False)
        self.load_sheet()

    def load_sheet(self) -> None:
        warehouse = self.warehouse.currentData()
        if warehouse is None:
            return
        self.window_.run(queries.stock_count_sheet, warehouse, on_done=lambda rows: self._fill(warehouse, rows))

    def _fill(self, warehouse: Any, rows: list[dict[str, Any]]) -> None:
        if warehouse != self.warehouse.currentData():
            return
        self._filling = True
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            values = [row["sku"], row["name"], row["unit"], fmt.quantity(row["on_hand"]), "", ""]
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if column != COUNTED:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                if column in (ON_HAND, COUNTED, DIFFERENCE):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if column == ON_HAND:
                    item.setData(Qt.ItemDataRole.UserRole, row["on_hand"])
                self.table.setItem(r, column, item)
        self._filling = False
        self.loaded = True
        self._filter(self.search.text())
        self._summarise()

    def _filter(self, text: str) -> None:
        needle = text.strip().casefold()
        for r in range(self.table.rowCount()):
            shown = not needle or any(needle in self._item(r, c).text().casefold() for c in (SKU, NAME))
            self.table.setRowHidden(r, not shown)

    def _item(self, row: int, column: int) -> QTableWidgetItem:
        item = self.table.item(row, column)
        if item is None:  # every cell is filled when the sheet loads
            item = QTableWidgetItem("")
            self.table.setItem(row, column, item)
        return item

    # -- counting -----------------------------------------------------------------------------------------

    def _counted(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() != COUNTED:
            return
        self._filling = True
        r = item.row()
        on_hand = self._item(r, ON_HAND).data(Qt.ItemDataRole.UserRole) or Decimal(0)
        counted = _quantity(item.text())
        difference = self._item(r, DIFFERENCE)
        item.setBackground(QBrush())
        item.setToolTip("")
        if item.text().strip() == "":
            difference.setText("")
        elif counted is None:
            item.setBackground(QBrush(QColor("#ffcdd2")))
            item.setToolTip(BAD_COUNT.format(sku=self._item(r, SKU).text()))
            difference.setText("")
        else:
            delta = counted - Decimal(on_hand)
            difference.setText(("+" if delta > 0 else "") + fmt.quantity(delta))
            difference.setForeground(QBrush(QColor("#c62828" if delta < 0 else "#2e7d32")))
        self._filling = False
        self._summarise()

    def counts(self) -> list[tuple[str, str]]:
        """The rows typed into: (SKU, counted as typed)."""
        return [
            (self._item(r, SKU).text(), self._item(r, COUNTED).text().strip())
            for r in range(self.table.rowCount())
            if self._item(r, COUNTED).text().strip()
        ]

    def _summarise(self) -> None:
        self.summary.setText(SUMMARY.format(changed=len(self.counts()), rows=self.table.rowCount()))

    def save(self) -> None:
        counts = self.counts()
        if not counts:
            self.message.show_message(NOTHING_COUNTED, error=True)
            return
        for sku, text in counts:
            if _quantity(text) is None:
                self.message.show_message(BAD_COUNT.format(sku=sku), error=True)
                return
        if not self.reason.text().strip():
            self.message.show_message(NO_REASON, error=True)
            self.reason.setFocus()
            return
        warehouse = self.warehouse.currentText().split(" · ")[0]
        self.save_button.setEnabled(False)

        def done(_: Changes) -> None:
            self.save_button.setEnabled(True)
            self.reason.clear()
            self.message.hide()
            self.window_.message.show_message(COUNT_SAVED.format(rows=len(counts), warehouse=warehouse))
            self.load_sheet()

        def failed(exc: BaseException) -> None:
            self.save_button.setEnabled(True)
            self.message.show_error(exc)
            field = getattr(exc, "field", None) if isinstance(exc, DomainError) else None
            if field:
                self._mark_field(field, describe_error(exc))

        self.window_.run(
            stock.count_stock,
            warehouse,
            [(sku, str(_quantity(text))) for sku, text in counts],
            self.reason.text().strip(),
            on_done=done,
            on_error=failed,
        )

    def _mark_field(self, field: str, sentence: str) -> None:
        """A refusal naming a line ('lines[2]...') marks that counted cell."""
        if "[" not in field:
            return
        try:
            number = int(field[field.index("[") + 1 : field.index("]")])
        except ValueError:
            return
        counted = [r for r in range(self.table.rowCount()) if self._item(r, COUNTED).text().strip()]
        if 1 <= number <= len(counted):
            item = self._item(counted[number - 1], COUNTED)
            item.setBackground(QBrush(QColor("#ffcdd2")))
            item.setToolTip(sentence)


def _quantity(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() and value >= 0 else None
