"""The products page: the product list and, below it, the chosen product's bill of materials as a tree (every
level; the first level is edited here: add, remove, change a quantity) and where the product is used."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from erp_desktop import format as fmt
from erp_desktop.widgets import MessageBar, describe_error
from erp_desktop.windows.base import RoleWindow
from erp_desktop.windows.masterdata.form import as_text
from erp_desktop.windows.masterdata.page import MasterDataPage
from erp_desktop.windows.masterdata.records import PRODUCTS
from server_db.core.changes import Changes
from server_db.core.errors import DomainError
from server_db.masterdata import queries
from server_db.masterdata import services as masterdata

BOM_TITLE = "Bill of materials of {sku} · {name}"
BOM_NONE = "Choose a product to see its bill of materials."
BOM_BOUGHT = "{sku} is bought: it has no bill of materials."
WHERE_USED_TITLE = "Where {sku} is used"
BOM_HEADERS = ["SKU", "Component", "Qty per parent", "Qty per unit", "Unit", "Buy/make"]
USED_HEADERS = ["SKU", "Product", "Qty per unit", "Level"]
ADD_COMPONENT = "Add component"
REMOVE_COMPONENT = "Remove component"
SAVE_BOM = "Save bill of materials"
COMPONENT_PLACEHOLDER = "Component SKU"
QUANTITY_PLACEHOLDER = "Qty"
BOM_SAVED = "The bill of materials of {sku} is saved."
BAD_QUANTITY = "Type a quantity greater than zero."
NO_SUCH_COMPONENT = "There is no product {sku}."
LOWER_LEVELS_TIP = "Change this in the bill of materials of {sku}"
SKU, NAME, QTY, PER_UNIT, UNIT, PROCUREMENT = range(6)
LINE_ID = Qt.ItemDataRole.UserRole


class ProductsPage(QWidget):
    """The product list above, the bill of materials and where-used below. `master_page` is what the
    master-data toolbar acts on."""

    def __init__(self, window: RoleWindow, *, read_only: bool = False) -> None:
        super().__init__(window)
        self.setObjectName("productsPanel")
        self.master_page = MasterDataPage(window, PRODUCTS, read_only=read_only)
        self.window_ = window
        self.read_only = read_only
        self.product: dict[str, Any] | None = None
        self.products_by_sku: dict[str, dict[str, Any]] = {}

        self.title = QLabel(BOM_NONE, self)
        self.title.setObjectName("bomTitle")
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("bom")
        self.tree.setHeaderLabels(BOM_HEADERS)
        self.tree.setColumnWidth(SKU, 170)
        self.tree.setColumnWidth(NAME, 240)
        self.tree.itemChanged.connect(self._quantity_changed)
        self.component = QLineEdit(self)
        self.component.setObjectName("componentSku")
        self.component.setPlaceholderText(COMPONENT_PLACEHOLDER)
        self.component.setMaximumWidth(160)
        self.quantity = QLineEdit(self)
        self.quantity.setObjectName("componentQuantity")
        self.quantity.setPlaceholderText(QUANTITY_PLACEHOLDER)
        self.quantity.setMaximumWidth(80)
        self.quantity.returnPressed.connect(self.add_component)
        self.add_button = QPushButton(ADD_COMPONENT, self)
        self.add_button.setObjectName("addComponent")
        self.add_button.clicked.connect(self.add_component)
        self.remove_button = QPushButton(REMOVE_COMPONENT, self)
        self.remove_button.setObjectName("removeComponent")
        self.remove_button.clicked.connect(self.remove_component)
        self.save_button = QPushButton(SAVE_BOM, self)
        self.save_button.setObjectName("saveBom")
        self.save_button.clicked.connect(self.save)
        edit_row = QHBoxLayout()
        for widget in (self.component, self.quantity, self.add_button, self.remove_button):
            edit_row.addWidget(widget)
        edit_row.addStretch(1)
        edit_row.addWidget(self.save_button)
        self.message = MessageBar(self)
        bom_box = QWidget(self)
        bom_layout = QVBoxLayout(bom_box)
        bom_layout.setContentsMargins(0, 0, 0, 0)
        bom_layout.addWidget(self.title)
        bom_layout.addWidget(self.tree, 1)
        if not read_only:
            bom_layout.addLayout(edit_row)
        bom_layout.addWidget(self.message)

        self.used_title = QLabel("", self)
        self.used = QTreeWidget(self)
        self.used.setObjectName("whereUsed")
        self.used.setHeaderLabels(USED_HEADERS)
        self.used.setRootIsDecorated(False)
        self.used.setColumnWidth(0, 90)
        self.used.setColumnWidth(1, 150)
        self.used.setColumnWidth(2, 85)
        self.used.itemDoubleClicked.connect(lambda item, _: self._reveal(item.data(0, LINE_ID)))
        used_box = QWidget(self)
        used_layout = QVBoxLayout(used_box)
        used_layout.setContentsMargins(0, 0, 0, 0)
        used_layout.addWidget(self.used_title)
        used_layout.addWidget(self.used, 1)

        lower = QSplitter(Qt.Orientation.Horizontal, self)
        lower.addWidget(bom_box)
        lower.addWidget(used_box)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 2)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.master_page)
        splitter.addWidget(lower)
        splitter.setSizes([380, 300])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self.master_page.table.current_changed.connect(lambda _: self.show_product())
        self.master_page.list.on_loaded.append(self._listed)
        self._set_editable(False)

    # -- showing ------------------------------------------------------------------------------------------

    def _listed(self) -> None:
        source = self.master_page.table.source
        self.products_by_sku = {source.record(r)["sku"]: source.record(r) for r in range(source.rowCount())}
        current = self.master_page.selected()
        if (
            current is not None
            and self.product is not None
            and current["id"] == self.product["id"]
            and current.get("version") != self.product.get("version")
        ):
            self.show_product()

    def may_edit(self) -> bool:
        page = self.master_page
        return (
            not self.read_only
            and page.duties is not None
            and page.duties.may_create("products")
            and self.product is not None
            and self.product.get("procurement") == "make"
        )

    def _set_editable(self, editable: bool) -> None:
        for widget in (self.component, self.quantity, self.add_button, self.remove_button, self.save_button):
            widget.setEnabled(editable)

    def show_product(self) -> None:
        self.product = self.master_page.selected()
        self.message.hide()
        self.tree.clear()
        self.used.clear()
        if self.product is None:
            self.title.setText(BOM_NONE)
            self.used_title.setText("")
            self._set_editable(False)
            return
        product = self.product
        bought = product.get("procurement") != "make"
        self.title.setText((BOM_BOUGHT if bought else BOM_TITLE).format(sku=product["sku"], name=product["name"]))
        self.used_title.setText(WHERE_USED_TITLE.format(sku=product["sku"]))
        self._set_editable(self.may_edit())
        self.window_.run(queries.bill_of_materials, product["id"], on_done=lambda rows: self._fill_bom(product, rows))
        self.window_.run(queries.where_used, product["id"], on_done=lambda rows: self._fill_used(product, rows))

    def _fill_bom(self, product: dict[str, Any], rows: list[dict[str, Any]]) -> None:
        if self.product is None or self.product["id"] != product["id"]:
            return
        self.tree.blockSignals(True)
        self.tree.clear()
        parents: dict[tuple[int, ...], QTreeWidgetItem] = {}
        for row in rows:
            path = tuple(row["path"])
            item = QTreeWidgetItem(
                [
                    row["sku"],
                    row["name"],
                    fmt.quantity(row["quantity"]),
                    fmt.quantity(row["quantity_per_top"]),
                    row["unit"],
                    row["procurement"],
                ]
            )
            for column in (QTY, PER_UNIT):
                item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            parent = parents.get(path[:-1])
            if parent is None:
                self.tree.addTopLevelItem(item)
                if self.may_edit():
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
            else:
                parent.addChild(item)
                item.setForeground(SKU, QBrush(QColor("#757575")))
                item.setForeground(NAME, QBrush(QColor("#757575")))
                item.setToolTip(QTY, LOWER_LEVELS_TIP.format(sku=parent.text(SKU)))
            parents[path] = item
        self.tree.expandAll()
        self.tree.blockSignals(False)

    def _fill_used(self, product: dict[str, Any], rows: list[dict[str, Any]]) -> None:
        if self.product is None or self.product["id"] != product["id"]:
            return
        self.used.clear()
        for row in rows:
            item = QTreeWidgetItem([row["sku"], row["name"], fmt.quantity(row["quantity_per_unit"]), str(row["level"])])
            item.setData(0, LINE_ID, row["id"])
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.used.addTopLevelItem(item)

    def _reveal(self, product_id: Any) -> None:
        self.master_page.list.reveal(product_id)

    # -- editing the first level --------------------------------------------------------------------------

    def lines(self) -> list[tuple[str, str]]:
        return [(self._top(i).text(SKU), self._top(i).text(QTY)) for i in range(self.tree.topLevelItemCount())]

    def _top(self, index: int) -> QTreeWidgetItem:
        item = self.tree.topLevelItem(index)
        assert item is not None
        return item

    def _quantity_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if column == QTY:
            self._mark(item, None)

    def add_component(self) -> None:
        if not self.may_edit():
            return
        sku = self.component.text().strip().upper()
        quantity = _positive(self.quantity.text())
        if quantity is None:
            self.message.show_message(BAD_QUANTITY, error=True)
            self.quantity.setFocus()
            return
        known = self.products_by_sku.get(sku)
        if known is None:
            self.message.show_message(NO_SUCH_COMPONENT.format(sku=sku), error=True)
            self.component.setFocus()
            return
        self.tree.blockSignals(True)
        item = QTreeWidgetItem([sku, known["name"], as_text(quantity), "", known["unit"], known["procurement"]])
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        item.setTextAlignment(QTY, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.tree.addTopLevelItem(item)
        self.tree.blockSignals(False)
        self.tree.setCurrentItem(item)
        self.component.clear()
        self.quantity.clear()
        self.component.setFocus()
        self.message.hide()

    def remove_component(self) -> None:
        item = self.tree.currentItem()
        if item is None or item.parent() is not None or not self.may_edit():
            return
        self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(item))

    def save(self) -> None:
        product = self.product
        if product is None or not self.may_edit():
            return
        for i in range(self.tree.topLevelItemCount()):
            self._mark(self._top(i), None)
        lines = self.lines()
        self.save_button.setEnabled(False)

        def saved(_: Changes) -> None:
            self.save_button.setEnabled(True)
            self.window_.message.show_message(BOM_SAVED.format(sku=product["sku"]))
            self.show_product()

        self.window_.run(masterdata.set_bill_of_materials, product["id"], lines, on_done=saved, on_error=self._refused)

    def _refused(self, exc: BaseException) -> None:
        self.save_button.setEnabled(self.may_edit())
        self.message.show_error(exc)
        field = getattr(exc, "field", None) if isinstance(exc, DomainError) else None
        number = _line_number(field)
        if number is not None and 1 <= number <= self.tree.topLevelItemCount():
            item = self._top(number - 1)
            self._mark(item, describe_error(exc))
            self.tree.setCurrentItem(item)

    def _mark(self, item: QTreeWidgetItem, sentence: str | None) -> None:
        self.tree.blockSignals(True)
        for column in range(len(BOM_HEADERS)):
            item.setBackground(column, QBrush(QColor("#ffcdd2")) if sentence else QBrush())
            item.setToolTip(column, sentence or "")
        self.tree.blockSignals(False)

    def marked_lines(self) -> list[str]:
        """The SKUs of the first-level lines marked wrong."""
        return [self._top(i).text(SKU) for i in range(self.tree.topLevelItemCount()) if self._top(i).toolTip(SKU)]


def _positive(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() and value > 0 else None


def _line_number(field: str | None) -> int | None:
    """'bom[2]' or 'bom[2].quantity' → 2."""
    if not field or not field.startswith("bom["):
        return None
    try:
        return int(field[4 : field.index("]")])
    except ValueError:
        return None
