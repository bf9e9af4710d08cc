"""Stock: the stock picture per product (below the reorder point in orange), and stock adjustments after a
count, damage or find, with a reason."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from erp_desktop import format as fmt
from erp_desktop.dialogs import WorkDialog, work_done, work_failed
from erp_desktop.table_models import Column
from server_db.core.changes import Changes
from server_db.core.errors import ValidationError
from server_db.stock import queries as stock_queries
from server_db.warehouse import services as warehouse

if TYPE_CHECKING:
    from erp_desktop.windows.warehouse import WarehouseWindow

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

BELOW_REORDER_BACKGROUND = "#fff4e5"
BELOW_REORDER_FOREGROUND = "#b45309"


def below_reorder_highlighted(record: dict[str, Any]) -> tuple[str | None, str | None, bool]:
    if record.get("below_reorder_point"):
        return (BELOW_REORDER_BACKGROUND, BELOW_REORDER_FOREGROUND, True)
    return (None, None, False)


class StockTab:
    """The stock tab of the warehouse window."""

    def __init__(self, window: WarehouseWindow) -> None:
        self.window = window
        self.dialog: AdjustStockDialog | None = None
        self.stock = window.live_list(
            STOCK_COLUMNS,
            stock_queries.stock_levels,
            self.touched,
            key="product_id",
            search="Search SKU, product (Ctrl+F)",
            sort=(0, Qt.SortOrder.AscendingOrder),
        )
        self.stock.table.setObjectName("stock")
        self.stock.table.stretch("name")
        self.stock.table.source.row_style = below_reorder_highlighted
        self.below_only = QCheckBox("Below reorder point only", window)
        self.below_only.setObjectName("belowOnly")
        self.below_only.toggled.connect(
            lambda on: self.stock.table.proxy.set_predicate(
                (lambda record: bool(record.get("below_reorder_point"))) if on else None
            )
        )
        bar = self.stock.filter.layout()
        assert bar is not None
        bar.addWidget(self.below_only)
        self.widget: QWidget = self.stock.container

    def touched(self, changes: Changes) -> set[int]:
        """The products an event names, and, when purchase or production orders moved, every listed product:
        incoming and in-production figures follow documents that name no product. The table changes (and
        flashes) only the rows whose figures moved."""
        ids = set(changes.products)
        if changes.purchase_orders or changes.production_orders:
            ids |= set(self.stock.table.source.ids())
        return ids

    def tab_text(self) -> str:
        source = self.stock.table.source
        below = sum(1 for key in source.ids() if (source.record_by_id(key) or {}).get("below_reorder_point"))
        return f"&Stock{f' ({below} below reorder point)' if below else ''}"

    # -- adjusting ------------------------------------------------------------------------------------------

    def adjust_stock(self) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            return
        source = self.stock.table.source
        products = [source.record(row) for row in range(source.rowCount())]
        if not products:
            self.window.message.show_message("There are no products in stock to adjust yet.")
            return
        dialog = AdjustStockDialog(self.window, products, self.stock.table.current_id())
        dialog.submitted.connect(
            lambda product_id, quantity, reason: self.window.run(
                warehouse.adjust_stock,
                product_id,
                quantity=quantity,
                reason=reason,
                on_error=lambda exc: work_failed(dialog, exc, self.window.show_error),
                on_done=lambda _: self._adjusted(dialog, product_id, quantity, reason),
            )
        )
        dialog.destroyed.connect(lambda *_: self._forget(dialog))
        self.dialog = dialog
        dialog.open()

    def _forget(self, dialog: AdjustStockDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def _adjusted(self, dialog: AdjustStockDialog, product_id: int, quantity: Decimal, reason: str) -> None:
        work_done(dialog)
        product = self.stock.table.source.record_by_id(product_id) or {}
        sign = "+" if quantity > 0 else ""
        self.window.message.show_message(
            f"Stock of {product.get('sku', 'the product')} adjusted by "
            f"{sign}{fmt.quantity(quantity)} {product.get('unit') or ''}"
            f" ({reason.strip()})."
        )


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
