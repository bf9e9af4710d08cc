"""Delivery notes: every note with its prints, (re)printing the chosen ones (a reprint is marked COPY) and
printing every note not printed yet in one batch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from erp_desktop.table_models import Column
from server_db.warehouse import queries as warehouse_queries
from server_db.warehouse.states import DeliveryNoteState

if TYPE_CHECKING:
    from erp_desktop.printing import BatchPrint
    from erp_desktop.windows.warehouse import WarehouseWindow

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

PRINTABLE = (DeliveryNoteState.PICKED, DeliveryNoteState.SHIPPED)


class DeliveryNotesTab:
    """The delivery notes tab of the warehouse window."""

    def __init__(self, window: WarehouseWindow) -> None:
        self.window = window
        self.batch: BatchPrint | None = None
        self.notes = window.live_list(
            NOTE_COLUMNS,
            warehouse_queries.delivery_notes,
            lambda c: c.delivery_notes,
            states=list(DeliveryNoteState),
            search="Search delivery notes, orders (Ctrl+F)",
        )
        self.notes.table.setObjectName("deliveryNotes")
        self.notes.table.stretch("customer_name")
        self.widget: QWidget = self.notes.container

    def printable(self) -> list[int]:
        """The chosen notes that can be printed: picked or shipped ones."""
        source = self.notes.table.source
        return [
            key for key in self.notes.table.selected_ids() if (source.record_by_id(key) or {}).get("state") in PRINTABLE
        ]

    def print_selected(self) -> None:
        ids = self.printable()
        if not ids:
            self.window.message.show_message("Choose a picked or shipped delivery note to print.")
            return
        self.print_notes(ids)

    def print_unprinted(self) -> None:
        try:
            from erp_desktop.printing import print_batch
        except ImportError:
            self.window.message.show_message("Printing is not available yet.", error=True)
            return
        self.batch = print_batch(self.window, self.window.context, "delivery_note")

    def print_notes(self, note_ids: Sequence[int], *, after: str = "") -> bool:
        """Open the print preview; the printing module marks reprints COPY and records each print."""
        try:
            from erp_desktop.printing import open_print_preview
        except ImportError:
            self.window.message.show_message(f"{after} Printing is not available yet.".strip())
            return False
        try:
            open_print_preview(self.window, self.window.context, "delivery_note", list(note_ids))
        except Exception as exc:  # a broken printer setup must not take the window down
            self.window.show_error(exc)
            return False
        return True
