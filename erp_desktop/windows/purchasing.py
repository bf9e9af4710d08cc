"""Purchasing: the open purchase requests grouped by supplier, turned into draft purchase orders (one per
supplier), sent or cancelled; the purchase orders with their lines, overdue ones in red."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QTabWidget, QVBoxLayout, QWidget

from erp_desktop import format as fmt
from erp_desktop.context import ClientContext
from erp_desktop.dialogs import ask
from erp_desktop.table_models import Column
from erp_desktop.widgets import RecordTable
from erp_desktop.windows.base import RoleWindow
from erp_desktop.windows.masterdata.page import MasterDataActions, MasterDataPage
from erp_desktop.windows.masterdata.records import SUPPLIERS
from server_db.core.changes import Changes
from server_db.core.workflow import can_become
from server_db.purchasing import queries as purchasing_queries
from server_db.purchasing import services as purchasing
from server_db.purchasing.states import PurchaseOrderState

REQUEST_COLUMNS = [
    Column("supplier", "Supplier", width=230),
    Column("sku", "SKU", width=105),
    Column("product_name", "Product", width=200),
    Column("quantity", "Quantity", "qty", width=75),
    Column("unit", "Unit", width=45),
    Column("needed_by", "Needed by", "date", width=95),
    Column("order_number", "For sales order", width=120),
    Column("created_at", "Raised", "datetime", width=125),
]
SUPPLIER_COLUMN, NEEDED_BY_COLUMN = 0, 5

ORDER_COLUMNS = [
    Column("number", "Purchase order", width=125),
    Column("supplier", "Supplier", width=190),
    Column("state", "State", "state", width=130),
    Column("order_date", "Ordered", "date", width=95),
    Column("expected_date", "Expected", "date", width=95),
    Column("overdue", "Overdue", "bool", width=65),
    Column("ordered", "Qty ordered", "qty", width=90),
    Column("received", "Received", "qty", width=80),
    Column("value", "Value", "money", width=100),
]

LINE_COLUMNS = [
    Column("line_no", "#", width=35),
    Column("sku", "SKU", width=110),
    Column("product_name", "Product", width=240),
    Column("quantity", "Ordered", "qty", width=80),
    Column("qty_received", "Received", "qty", width=80),
    Column("outstanding", "Outstanding", "qty", width=90),
    Column("unit", "Unit", width=50),
    Column("unit_cost", "Unit cost", "money", width=90),
    Column("value", "Value", "money", width=100),
]


def cancellable(record: dict[str, Any] | None) -> bool:
    return can_become("purchase_order", (record or {}).get("state"), PurchaseOrderState.CANCELLED)


def with_supplier(row: dict[str, Any]) -> None:
    """How a supplier reads in the lists: its code and name."""
    row["supplier"] = f"{row['supplier_code']} · {row['supplier_name']}"


class PurchasingWindow(RoleWindow):
    department = "purchasing"
    title = "Purchasing"

    def __init__(self, context: ClientContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.question: QMessageBox | None = None

        # (a) open requests, grouped by supplier (the first column), earliest need first within a supplier
        self.requests = self.live_list(
            REQUEST_COLUMNS,
            purchasing_queries.purchase_requests,
            lambda c: c.purchase_requests,
            display=with_supplier,
            extra_fields=("supplier_code", "supplier_name", "sales_order_id"),
            search="Search suppliers, products, orders (Ctrl+F)",
            sort=(0, Qt.SortOrder.AscendingOrder),
        )
        self.requests.table.setObjectName("requests")
        self.requests.table.stretch("product_name")
        self.requests.table.selectionModel().selectionChanged.connect(lambda *_: self._requests_changed())
        self.requests.table.horizontalHeader().sortIndicatorChanged.connect(lambda *_: self._group_requests())
        self.requests_summary = QLabel(self)
        self.requests_summary.setObjectName("requestsSummary")
        self.requests_summary.setStyleSheet("color: #555;")
        requests_tab = QWidget(self)
        layout = QVBoxLayout(requests_tab)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.requests.container, 1)
        layout.addWidget(self.requests_summary)

        # (b) purchase orders, the chosen one's lines below
        self.orders = self.live_list(
            ORDER_COLUMNS,
            purchasing_queries.purchase_orders,
            lambda c: c.purchase_orders,
            display=with_supplier,
            extra_fields=("supplier_code", "supplier_name", "version"),
            states=list(PurchaseOrderState),
            search="Search purchase orders, suppliers (Ctrl+F)",
        )
        self.orders.table.setObjectName("purchaseOrders")
        self.orders.table.stretch("supplier")
        self.orders.table.source.row_style = fmt.red_when("overdue", background=True)
        self.orders.table.current_changed.connect(self._show_lines)
        self.lines = RecordTable(LINE_COLUMNS, sort=None)
        self.lines.setObjectName("purchaseOrderLines")
        self.lines.stretch("product_name")
        self.detail_title = QLabel(self)
        self.detail_title.setObjectName("detailTitle")
        self.detail_title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        splitter = self.master_detail(self.orders.container, self.detail_title, self.lines)

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("tabs")
        self.requests_tab = self.tabs.addTab(requests_tab, "&Open requests")
        self.orders_tab = self.tabs.addTab(splitter, "&Purchase orders")
        self.suppliers = MasterDataPage(self, SUPPLIERS)
        self.suppliers_tab = self.tabs.addTab(self.suppliers, "&Suppliers")
        self.tabs.currentChanged.connect(lambda _: self.update_actions())
        self.tab_shortcuts(self.tabs)
        self.central(self.tabs)
        self.requests.on_loaded.append(self._group_requests)
        self.requests.on_loaded.append(self._requests_changed)
        self.orders.on_loaded.append(self._orders_changed)

        on = self.tabs.currentIndex
        chosen = self.orders.table.current_record
        self.create_action = self.action(
            "Create purchase orders",
            self.create_purchase_orders,
            shortcut="Ctrl+O",
            duty="create_purchase_orders",
            tip="One draft purchase order per supplier from the chosen requests (all, if none is chosen)",
            enabled=lambda: on() == self.requests_tab and self.requests.table.source.rowCount() > 0,
        )
        self.send_action = self.action(
            "Send",
            self.send_purchase_orders,
            shortcut="Ctrl+Return",
            duty="send_purchase_orders",
            tip="Send the chosen draft purchase orders to their suppliers",
            enabled=lambda: on() == self.orders_tab and bool(self._chosen_orders("draft")),
        )
        self.cancel_action = self.action(
            "Cancel purchase order",
            self.cancel_purchase_order,
            shortcut="Ctrl+Shift+X",
            duty="send_purchase_orders",
            tip="Cancel a purchase order with nothing received; its requests go back to the open queue",
            enabled=lambda: on() == self.orders_tab and cancellable(chosen()),
        )
        self.master_data = MasterDataActions(
            self, self.tabs, [self.create_action, self.send_action, self.cancel_action]
        )
        self.master_data.add(self.suppliers)
        self.update_actions()

    # -- lists ----------------------------------------------------------------------------------------------

    def _chosen_requests(self) -> list[int]:
        """Only what the person selected (not merely the row the cursor is on)."""
        table = self.requests.table
        rows = sorted({index.row() for index in table.selectionModel().selectedRows()})
        return [table.proxy.id_at(row) for row in rows]

    def _chosen_orders(self, state: str) -> list[int]:
        source = self.orders.table.source
        return [
            key for key in self.orders.table.selected_ids() if (source.record_by_id(key) or {}).get("state") == state
        ]

    def _all_requests(self) -> list[dict[str, Any]]:
        source = self.requests.table.source
        return [source.record(row) for row in range(source.rowCount())]

    def _group_requests(self) -> None:
        """Sorted by supplier, each supplier's requests by needed-by date: the proxy sorts stably, so
        sorting by date and then by supplier groups them (and puts a request that came later in its place)."""
        header = self.requests.table.horizontalHeader()
        if header.sortIndicatorSection() != SUPPLIER_COLUMN:
            return
        proxy = self.requests.table.proxy
        proxy.sort(NEEDED_BY_COLUMN, Qt.SortOrder.AscendingOrder)
        proxy.sort(SUPPLIER_COLUMN, header.sortIndicatorOrder())

    def _requests_changed(self) -> None:
        records = self._all_requests()
        suppliers = {r["supplier_code"] for r in records}
        chosen = self._chosen_requests()
        text = (
            f"{len(records)} open request{'s' if len(records) != 1 else ''} from {len(suppliers)} "
            f"supplier{'s' if len(suppliers) != 1 else ''}"
            if records
            else "No open purchase requests."
        )
        if chosen:
            text += f" · {len(chosen)} selected"
        text += " · Ctrl+O makes one draft purchase order per supplier from the selected requests (or all)"
        self.requests_summary.setText(text)
        self.tabs.setTabText(self.requests_tab, f"&Open requests ({len(records)})")
        self.update_actions()

    def _orders_changed(self) -> None:
        source = self.orders.table.source
        records = [source.record(row) for row in range(source.rowCount())]
        drafts = sum(1 for r in records if r["state"] == "draft")
        overdue = sum(1 for r in records if r["overdue"])
        facts = [f"{drafts} draft{'s' if drafts != 1 else ''}"] if drafts else []
        if overdue:
            facts.append(f"{overdue} overdue")
        suffix = f" ({', '.join(facts)})" if facts else ""
        self.tabs.setTabText(self.orders_tab, f"&Purchase orders{suffix}")
        self.update_actions()

    def _show_lines(self, po_id: Any) -> None:
        self.update_actions()
        if po_id is None:
            self.detail_title.setText("")
            self.lines.source.reset([])
            return
        self.run(purchasing_queries.purchase_order_lines, po_id, on_done=lambda rows: self._lines_loaded(po_id, rows))

    def _lines_loaded(self, po_id: int, rows: list[dict[str, Any]]) -> None:
        record = self.orders.table.source.record_by_id(po_id)
        if record is None or po_id != self.orders.table.current_id():
            return
        facts = [
            f"<b>{record['number']}</b> · {record['supplier']} · {fmt.state(record['state'])}",
            f"expected {fmt.date(record['expected_date'])}",
            f"value {fmt.money(record['value'])}",
        ]
        if record["overdue"]:
            facts.append(f"<span style='color:{fmt.LATE_COLOUR}'><b>OVERDUE</b></span>")
        self.detail_title.setText(" · ".join(facts))
        self.lines.source.reset(rows)

    def apply_changes(self, changes: Changes) -> None:
        super().apply_changes(changes)
        current = self.orders.table.current_id()
        if current is not None and current in changes.purchase_orders:
            self._show_lines(current)

    # -- actions --------------------------------------------------------------------------------------------

    def create_purchase_orders(self) -> None:
        chosen = self._chosen_requests()
        if chosen:
            self._create(chosen)
            return
        records = self._all_requests()
        if not records:
            self.message.show_message("There are no open purchase requests.")
            return
        suppliers = sorted({r["supplier"] for r in records})
        orders = (
            "one draft purchase order"
            if len(suppliers) == 1
            else f"{len(suppliers)} draft purchase orders, one per supplier"
        )
        self.question = ask(
            self,
            "Create purchase orders",
            f"No request is selected. Order all {len(records)} open requests?\n\nThis creates {orders}:\n"
            + "\n".join(f"  • {s}" for s in suppliers),
            lambda: self._create(None),
        )

    def _create(self, request_ids: list[int] | None) -> None:
        self.run(purchasing.create_purchase_orders, request_ids=request_ids, on_done=self._created)

    def _created(self, changes: Changes) -> None:
        numbers = [e.document_no or f"#{e.document_id}" for e in changes.created("purchase_order")]
        self.message.show_message(
            f"Created {', '.join(numbers)} as draft{'s' if len(numbers) != 1 else ''}: check "
            f"{'them' if len(numbers) != 1 else 'it'} and send (Ctrl+Return).",
            seconds=10,
        )
        if changes.id is not None:
            self.orders.select_when_listed(changes.id)
        self.tabs.setCurrentIndex(self.orders_tab)

    def send_purchase_orders(self) -> None:
        drafts = self._chosen_orders("draft")
        if not drafts:
            return
        source = self.orders.table.source
        numbers = [(source.record_by_id(i) or {}).get("number", f"#{i}") for i in drafts]
        self.run(
            purchasing.send_purchase_orders,
            drafts,
            done_message=f"{', '.join(numbers)} sent; the warehouse now expects the goods.",
        )

    def cancel_purchase_order(self) -> None:
        record = self.orders.table.current_record()
        if record is None or not cancellable(record):
            return
        warning = "" if record["state"] == "draft" else "\n\nIt was already sent: tell the supplier too."
        self.question = ask(
            self,
            "Cancel purchase order",
            f"Cancel {record['number']} ({record['supplier']})? Its requests go back to the open queue."
            f"{warning}\n\nThis cannot be undone.",
            lambda: self.run(
                purchasing.cancel_purchase_order,
                record["id"],
                done_message=f"{record['number']} cancelled; its requests are open again.",
            ),
            destructive=True,
        )

    def has_unsaved_work(self) -> bool:
        return self.master_data.has_unsaved_work()
