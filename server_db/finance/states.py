"""An invoice's (and a credit note's) states and legal transitions (see server_db.core.workflow)."""

from __future__ import annotations

from enum import StrEnum

from server_db.core.workflow import NEW, define


class InvoiceState(StrEnum):
    DRAFT = "draft"
    POSTED = "posted"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    CANCELLED = "cancelled"


_I = InvoiceState

INVOICE = define(
    "invoice",
    label="Invoice",
    table="invoices",
    states=InvoiceState,
    transitions={
        (NEW, _I.DRAFT),
        (_I.DRAFT, _I.POSTED),
        (_I.DRAFT, _I.CANCELLED),
        (_I.POSTED, _I.PARTIALLY_PAID),
        (_I.POSTED, _I.PAID),
        (_I.PARTIALLY_PAID, _I.PAID),
    },
    groups={
        # posted, with a balance still open
        "unpaid": {_I.POSTED, _I.PARTIALLY_PAID},
        # posted: numbered, counted, immutable
        "posted": {_I.POSTED, _I.PARTIALLY_PAID, _I.PAID},
    },
)
