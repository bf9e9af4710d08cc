"""Sales: the order list by state and customer, keyboard order entry with live availability, confirmation,
and each order's lines and timeline across departments."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QListWidget, QSplitter, QTabWidget, QVBoxLayout, QWidget

from erp_desktop import format as fmt
from erp_desktop.context import ClientContext
from erp_desktop.table_models import Column
from erp_desktop.widgets import RecordTable, ask_reason, confirm
from erp_desktop.windows.base import RoleWindow
from erp_desktop.windows.masterdata.page import MasterDataActions, MasterDataPage
from erp_desktop.windows.masterdata.records import CUSTOMERS
from erp_desktop.windows.order_editor import OrderEditor
from erp_desktop.windows.timeline import timeline_line
from server_db.core.changes import Changes
from server_db.core.workflow import can_become
from server_db.sales import queries as sales_queries
from server_db.sales import services as sales
from server_db.sales.queries import OrderDetail
from server_db.sales.states import SalesOrderState

ORDER_COLUMNS = [
    Column("number", "Order", width=115),
    Column("customer_name", "Customer", width=200),
    Column("state", "State", "state", width=110),
    Column("order_date", "Ordered", "date", width=84),
    Column("requested_date", "Requested", "date", width=84),
    Column("promised_date", "Promised", "date", width=84),
    Column("estimated_ship_date", "Est. ship", "date", width=84),
    Column("late", "Late", "bool", width=40),
    Column("net_total", "Net", "money", width=92),
    Column("gross_total", "Gross", "money", width=92),
]

LINE_COLUMNS = [
    Column("line_no", "#", width=30),
    Column("sku", "SKU", width=110),
    Column("product_name", "Product", width=200),
    Column("ordered", "Ordered", "qty", width=70),
    Column("reserved", "Reserved", "qty", width=70),
    Column("to_purchase", "To buy", "qty", width=65),
    Column("to_produce", "To make", "qty", width=65),
    Column("shipped", "Shipped", "qty", width=65),
    Column("invoiced", "Invoiced", "qty", width=65),
    Column("unit_price", "Price", "money", width=80),
    Column("discount_pct", "Disc %", "qty", width=55),
    Column("net_amount", "Net", "money", width=90),
]


class SalesWindow(RoleWindow):
    department = "sales"
    title = "Sales"

    def __init__(self, context: ClientContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.orders = self.live_list(
            ORDER_COLUMNS,
            sales_queries.sales_orders,
            lambda c: c.sales_orders,
            extra_fields=("version",),
            states=list(SalesOrderState),
            search="Search orders, customers (Ctrl+F)",
        )
        self.orders.table.setObjectName("orders")
        self.orders.table.source.row_style = fmt.red_when("late")
        self.orders.table.current_changed.connect(self._show_detail)
        self.orders.table.activated_id.connect(self.edit_order)

        self.detail_title = QLabel(self)
        self.detail_title.setObjectName("detailTitle")
        self.detail_title.setWordWrap(True)
        self.detail_title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.lines = RecordTable(LINE_COLUMNS, key="line_id", sort=None)
        self.lines.setObjectName("orderLines")
        self.timeline = QListWidget(self)
        self.timeline.setObjectName("timeline")
        tabs = QTabWidget(self)
        tabs.addTab(self.lines, "&Lines")
        tabs.addTab(self.timeline, "&Timeline")
        detail = QWidget(self)
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.detail_title)
        detail_layout.addWidget(tabs)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.orders.container)
        splitter.addWidget(detail)
        splitter.setSizes([420, 300])
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("salesTabs")
        self.tabs.addTab(splitter, "&Orders")
        self.customers = MasterDataPage(self, CUSTOMERS)
        self.tabs.addTab(self.customers, "C&ustomers")
        self.tab_shortcuts(self.tabs)
        self.central(self.tabs)

        selected = self.orders.table.current_record
        is_draft = lambda: (selected() or {}).get("state") == "draft"  # noqa: E731
        self.new_action = self.action("&New order", self.new_order, shortcut="Ctrl+N", duty="enter_orders")
        self.edit_action = self.action(
            "&Edit",
            lambda: self.edit_order(self.orders.table.current_id()),
            shortcut="F2",
            duty="enter_orders",
            enabled=is_draft,
        )
        self.confirm_action = self.action(
            "&Confirm", self.confirm_order, shortcut="Ctrl+Return", duty="confirm_orders", enabled=is_draft
        )
        self.cancel_action = self.action(
            "C&ancel order",
            self.cancel_order,
            shortcut="Ctrl+Shift+X",
            duty="cancel_orders",
            enabled=lambda: can_become("sales_order", (selected() or {}).get("state"), SalesOrderState.CANCELLED),
        )
        self.delete_action = self.action(
            "&Delete draft", self.delete_draft, shortcut="Ctrl+Delete", duty="enter_orders", enabled=is_draft
        )
        self.editors: list[OrderEditor] = []
        self.master_data = MasterDataActions(
            self,
            self.tabs,
            [self.new_action, self.edit_action, self.confirm_action, self.cancel_action, self.delete_action],
        )
        self.master_data.add(self.customers)
        self.update_actions()

    # -- detail ---------------------------------------------------------------------------------------------

    def _show_detail(self, order_id: Any) -> None:
        self.update_actions()
        if order_id is None:
            self.detail_title.setText("")
            self.lines.source.reset([])
            self.timeline.clear()
            return
        self.run(sales_queries.order_detail, order_id, on_done=self._detail_loaded)

    def _detail_loaded(self, detail: OrderDetail) -> None:
        header = detail.header
        if header is None or header["id"] != self.orders.table.current_id():
            return
        facts = [f"<b>{header['number']}</b> · {header['customer_name']} · {fmt.state(header['state'])}"]
        if header["customer_reference"]:
            facts.append(f"their ref. {header['customer_reference']}")
        if header["promised_date"]:
            facts.append(f"promised {fmt.date(header['promised_date'])}")
        if header["estimated_ship_date"]:
            facts.append(f"estimated {fmt.date(header['estimated_ship_date'])}")
        if header["late"]:
            facts.append(f"<span style='color:{fmt.LATE_COLOUR}'><b>LATE</b></span>")
        if header["cancel_reason"]:
            facts.append(f"cancelled: {header['cancel_reason']}")
        self.detail_title.setText(
            " · ".join(facts) + f"<br><span style='color:#666'>ship to: "
            f"{(header['ship_to'] or '').replace(chr(10), ', ')}</span>"
        )
        self.lines.source.reset(detail.lines)
        self.timeline.clear()
        for event in detail.timeline:
            self.timeline.addItem(timeline_line(event))
        self.timeline.scrollToBottom()

    def apply_changes(self, changes: Changes) -> None:
        super().apply_changes(changes)
        current = self.orders.table.current_id()
        if current is not None and current in changes.sales_orders:
            self._show_detail(current)

    def show_order(self, order_id: int) -> None:
        self.tabs.setCurrentIndex(0)
        self.orders.reveal(order_id)

    # -- actions --------------------------------------------------------------------------------------------

    def new_order(self) -> None:
        self._open_editor(None)

    def edit_order(self, order_id: Any) -> None:
        record = self.orders.table.source.record_by_id(order_id) if order_id is not None else None
        if record is None:
            return
        if record["state"] != "draft" or not self.context.may("enter_orders"):
            return
        self._open_editor(order_id)

    def _open_editor(self, order_id: int | None) -> OrderEditor:
        editor = OrderEditor(self.context, order_id, self)
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.saved.connect(self._order_saved)
        editor.destroyed.connect(lambda *_: self.editors.remove(editor) if editor in self.editors else None)
        self.editors.append(editor)
        editor.show()
        return editor

    def _order_saved(self, order_id: int) -> None:
        """The editor's save reaches the list through the change feed; select the order once it is there."""
        self.orders.select_when_listed(order_id)

    def confirm_order(self) -> None:
        record = self.orders.table.current_record()
        if not record:
            return
        self.run(
            sales.confirm_order,
            record["id"],
            expected_version=record["version"],
            done_message=f"{record['number']} confirmed.",
        )

    def cancel_order(self) -> None:
        record = self.orders.table.current_record()
        if not record:
            return
        reason = (
            ""
            if record["state"] == "draft"
            else ask_reason(
                self, "Cancel order", f"Why is {record['number']} cancelled? The other departments will see this."
            )
        )
        if reason is None:
            return
        self.run(sales.cancel_order, record["id"], reason=reason, done_message=f"{record['number']} cancelled.")

    def delete_draft(self) -> None:
        record = self.orders.table.current_record()
        if not record or not confirm(
            self, "Delete draft", f"Delete the draft {record['number']}? This cannot be undone.", destructive=True
        ):
            return
        self.run(
            sales.delete_draft,
            record["id"],
            expected_version=record["version"],
            done_message=f"{record['number']} deleted.",
        )

    def has_unsaved_work(self) -> bool:
        return any(editor.dirty for editor in self.editors) or self.master_data.has_unsaved_work()
