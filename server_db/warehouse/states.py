"""A delivery note's states and legal transitions (see server_db.core.workflow)."""

from __future__ import annotations

from enum import StrEnum

from server_db.core.workflow import NEW, define


class DeliveryNoteState(StrEnum):
    DRAFT = "draft"
    PICKED = "picked"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"


_D = DeliveryNoteState

DELIVERY_NOTE = define(
    "delivery_note",
    label="Delivery note",
    table="delivery_notes",
    states=DeliveryNoteState,
    transitions={
        (NEW, _D.DRAFT),
        (NEW, _D.PICKED),
        (_D.DRAFT, _D.PICKED),
        (_D.DRAFT, _D.CANCELLED),
        (_D.PICKED, _D.SHIPPED),
        (_D.PICKED, _D.CANCELLED),
    },
    groups={
        # goods set aside and not yet gone
        "unshipped": {_D.DRAFT, _D.PICKED},
        # a paper exists to print
        "printable": {_D.PICKED, _D.SHIPPED},
    },
)
