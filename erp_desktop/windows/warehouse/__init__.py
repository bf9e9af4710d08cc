"""Warehouse: the pick queue (reserved goods waiting to leave, earliest promise first), receiving against sent
purchase orders, the stock picture with adjustments, and the delivery notes with (re)printing; one module
per tab.

Dialogs open without blocking the window (`open()`), run their service off the GUI thread and stay open
with the reason in place when the database refuses, so nothing typed is lost. The lists follow the change
feed like every window's: a shipment, a receipt or an adjustment refreshes them the way another clerk's does."""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QWidget

from erp_desktop.context import ClientContext
from erp_desktop.dialogs import QuantitiesDialog
from erp_desktop.windows.base import RoleWindow
from erp_desktop.windows.masterdata.stock_count import StockCountPage
from erp_desktop.windows.warehouse.delivery_notes import DeliveryNotesTab
from erp_desktop.windows.warehouse.picking import PickQueueTab
from erp_desktop.windows.warehouse.receiving import ReceivingTab
from erp_desktop.windows.warehouse.stock import AdjustStockDialog, StockTab
from server_db.core.changes import Changes

__all__ = ["WarehouseWindow"]


class WarehouseWindow(RoleWindow):
    department = "warehouse"
    title = "Warehouse"

    def __init__(self, context: ClientContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.pick_page = PickQueueTab(self)
        self.receiving_page = ReceivingTab(self)
        self.stock_page = StockTab(self)
        self.notes_page = DeliveryNotesTab(self)
        # the lists and panes by the names the rest of the client (and its tests) use
        self.picks, self.order_lines, self.pick_title = self.pick_page.picks, self.pick_page.lines, self.pick_page.title
        self.receiving, self.po_lines = self.receiving_page.orders, self.receiving_page.lines
        self.po_title = self.receiving_page.title
        self.stock, self.below_only = self.stock_page.stock, self.stock_page.below_only
        self.notes = self.notes_page.notes

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("tabs")
        self.pick_tab = self.tabs.addTab(self.pick_page.widget, "&Pick queue")
        self.receiving_tab = self.tabs.addTab(self.receiving_page.widget, "&Receiving")
        self.stock_tab = self.tabs.addTab(self.stock_page.widget, "&Stock")
        self.notes_tab = self.tabs.addTab(self.notes_page.widget, "&Delivery notes")
        self.count_page = StockCountPage(self)
        self.count_tab = self.tabs.addTab(self.count_page, "Stock &count")
        self.tabs.currentChanged.connect(lambda _: self.update_actions())
        self.tabs.currentChanged.connect(self._count_shown)
        self.tab_shortcuts(self.tabs)
        self.central(self.tabs)
        for live in (self.picks, self.receiving, self.stock):
            live.on_loaded.append(self._update_counts)

        on = self.tabs.currentIndex
        self.ship_action = self.action(
            "Pick && ship",
            self.pick_page.pick_and_ship,
            shortcut="Ctrl+P",
            duty="ship",
            tip="Pick the reserved goods of the chosen order and ship them",
            enabled=lambda: on() == self.pick_tab and self.picks.table.current_id() is not None,
        )
        self.receive_action = self.action(
            "Receive",
            self.receiving_page.receive_goods,
            shortcut="Ctrl+R",
            duty="receive",
            tip="Book the goods that arrived on the chosen purchase order",
            enabled=lambda: on() == self.receiving_tab and self.receiving.table.current_id() is not None,
        )
        self.adjust_action = self.action(
            "Adjust stock",
            self.stock_page.adjust_stock,
            shortcut="Ctrl+J",
            duty="adjust_stock",
            tip="Correct the stock of a product after a count, damage or find",
            enabled=lambda: on() == self.stock_tab and self.stock.loaded,
        )
        self.print_action = self.action(
            "Print",
            self.notes_page.print_selected,
            shortcut="Ctrl+Shift+P",
            duty="print_delivery_notes",
            tip="Print the chosen delivery notes (a reprint is marked COPY)",
            enabled=lambda: on() == self.notes_tab and bool(self.notes_page.printable()),
        )
        self.batch_action = self.action(
            "Print unprinted",
            self.notes_page.print_unprinted,
            duty="print_delivery_notes",
            tip="Print every picked or shipped delivery note not printed yet, in one batch",
            enabled=lambda: on() == self.notes_tab,
        )
        if self.context.may("ship"):
            self.picks.table.activated_id.connect(lambda _: self.pick_page.pick_and_ship())
        if self.context.may("receive"):
            self.receiving.table.activated_id.connect(lambda _: self.receiving_page.receive_goods())
        if self.context.may("print_delivery_notes"):
            self.notes.table.activated_id.connect(lambda _: self.notes_page.print_selected())
        self.update_actions()

    # -- the dialogs a clerk works in (None when none is open) ---------------------------------------------

    @property
    def ship_dialog(self) -> QuantitiesDialog | None:
        return self.pick_page.dialog

    @property
    def receive_dialog(self) -> QuantitiesDialog | None:
        return self.receiving_page.dialog

    @property
    def adjust_dialog(self) -> AdjustStockDialog | None:
        return self.stock_page.dialog

    # -- live -----------------------------------------------------------------------------------------------

    def _count_shown(self, index: int) -> None:
        if index == self.count_tab and not self.count_page.loaded:
            self.count_page.load()

    def reload(self) -> None:
        super().reload()
        if self.count_page.loaded:
            self.count_page.load()

    def apply_changes(self, changes: Changes) -> None:
        super().apply_changes(changes)
        self.pick_page.changed(changes)
        self.receiving_page.changed(changes)

    def _update_counts(self) -> None:
        self.tabs.setTabText(self.pick_tab, self.pick_page.tab_text())
        self.tabs.setTabText(self.receiving_tab, self.receiving_page.tab_text())
        self.tabs.setTabText(self.stock_tab, self.stock_page.tab_text())
        self.update_actions()

    def show_order(self, order_id: int) -> None:
        self.tabs.setCurrentIndex(self.pick_tab)
        if not self.picks.reveal(order_id):
            self.message.show_message("That order has nothing waiting to be picked any more.")

    # -- printing -------------------------------------------------------------------------------------------

    def print_delivery_note(self, note_id: int, *, after: str = "") -> bool:
        """Open the print preview of one note (after shipping it, say)."""
        return self.notes_page.print_notes([note_id], after=after)

    def print_delivery_notes(self, note_ids: list[int], *, after: str = "") -> bool:
        return self.notes_page.print_notes(note_ids, after=after)
