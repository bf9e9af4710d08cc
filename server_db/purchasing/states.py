"""Purchase requests' and purchase orders' states and legal transitions (see server_db.core.workflow)."""

from __future__ import annotations

from enum import StrEnum

from server_db.core.workflow import NEW, define


class PurchaseRequestState(StrEnum):
    OPEN = "open"
    ORDERED = "ordered"
    RECEIVED = "received"
    CANCELLED = "cancelled"


class PurchaseOrderState(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    CANCELLED = "cancelled"


_R, _O = PurchaseRequestState, PurchaseOrderState

PURCHASE_REQUEST = define(
    "purchase_request",
    label="Purchase request",
    table="purchase_requests",
    states=PurchaseRequestState,
    transitions={
        (NEW, _R.OPEN),
        (_R.OPEN, _R.ORDERED),
        (_R.OPEN, _R.CANCELLED),
        (_R.ORDERED, _R.OPEN),  # its purchase order was cancelled
        (_R.ORDERED, _R.RECEIVED),
    },
    groups={"pending": {_R.OPEN, _R.ORDERED}},  # goods still to come for the demand behind it
)

PURCHASE_ORDER = define(
    "purchase_order",
    label="Purchase order",
    table="purchase_orders",
    states=PurchaseOrderState,
    transitions={
        (NEW, _O.DRAFT),
        (_O.DRAFT, _O.SENT),
        (_O.DRAFT, _O.CANCELLED),
        (_O.SENT, _O.PARTIALLY_RECEIVED),
        (_O.SENT, _O.RECEIVED),
        (_O.SENT, _O.CANCELLED),
        (_O.PARTIALLY_RECEIVED, _O.RECEIVED),
    },
    groups={
        # goods on order: counted as incoming
        "incoming": {_O.DRAFT, _O.SENT, _O.PARTIALLY_RECEIVED},
        # the supplier has it: the warehouse may receive it, and it can be overdue
        "receivable": {_O.SENT, _O.PARTIALLY_RECEIVED},
        "cancellable": {_O.DRAFT, _O.SENT},
    },
)
