"""Each document's states and legal transitions, as data.

The database holds the same table (`erp.state_transitions`) and a trigger refuses anything else for any
writer; a test walks both tables and checks they agree. 'new' is the pseudo-state a document starts from.
"""

from __future__ import annotations

from enum import StrEnum

from server_db.errors import InvalidTransition


class SalesOrderState(StrEnum):
    DRAFT = "draft"
    CONFIRMED = "confirmed"
    IN_FULFILMENT = "in_fulfilment"
    READY = "ready"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    INVOICED = "invoiced"
    PAID = "paid"
    CLOSED = "closed"
    CANCELLED = "cancelled"


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


class ProductionOrderState(StrEnum):
    PLANNED = "planned"
    RELEASED = "released"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class DeliveryNoteState(StrEnum):
    DRAFT = "draft"
    PICKED = "picked"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"


class InvoiceState(StrEnum):
    DRAFT = "draft"
    POSTED = "posted"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    CANCELLED = "cancelled"


NEW = "new"

STATES: dict[str, type[StrEnum]] = {
    "sales_order": SalesOrderState,
    "purchase_request": PurchaseRequestState,
    "purchase_order": PurchaseOrderState,
    "production_order": ProductionOrderState,
    "delivery_note": DeliveryNoteState,
    "invoice": InvoiceState,
}

_S, _R, _O, _M, _D, _I = (
    SalesOrderState,
    PurchaseRequestState,
    PurchaseOrderState,
    ProductionOrderState,
    DeliveryNoteState,
    InvoiceState,
)

TRANSITIONS: dict[str, frozenset[tuple[str, str]]] = {
    "sales_order": frozenset(
        {
            (NEW, _S.DRAFT),
            (_S.DRAFT, _S.CONFIRMED),
            (_S.DRAFT, _S.CANCELLED),
            # an active order's state follows its documents, forwards and (when stock is lost) backwards
            (_S.CONFIRMED, _S.IN_FULFILMENT),
            (_S.CONFIRMED, _S.READY),
            (_S.CONFIRMED, _S.CANCELLED),
            (_S.IN_FULFILMENT, _S.CONFIRMED),
            (_S.IN_FULFILMENT, _S.READY),
            (_S.IN_FULFILMENT, _S.PARTIALLY_SHIPPED),
            (_S.IN_FULFILMENT, _S.SHIPPED),
            (_S.IN_FULFILMENT, _S.CANCELLED),
            (_S.READY, _S.CONFIRMED),
            (_S.READY, _S.IN_FULFILMENT),
            (_S.READY, _S.PARTIALLY_SHIPPED),
            (_S.READY, _S.SHIPPED),
            (_S.READY, _S.CANCELLED),
            (_S.PARTIALLY_SHIPPED, _S.SHIPPED),
            (_S.SHIPPED, _S.INVOICED),
            (_S.SHIPPED, _S.PAID),
            (_S.INVOICED, _S.SHIPPED),  # a credit note takes quantities back to be invoiced again
            (_S.INVOICED, _S.PAID),
            (_S.PAID, _S.CLOSED),
        }
    ),
    "purchase_request": frozenset(
        {
            (NEW, _R.OPEN),
            (_R.OPEN, _R.ORDERED),
            (_R.OPEN, _R.CANCELLED),
            (_R.ORDERED, _R.OPEN),  # its purchase order was cancelled
            (_R.ORDERED, _R.RECEIVED),
        }
    ),
    "purchase_order": frozenset(
        {
            (NEW, _O.DRAFT),
            (_O.DRAFT, _O.SENT),
            (_O.DRAFT, _O.CANCELLED),
            (_O.SENT, _O.PARTIALLY_RECEIVED),
            (_O.SENT, _O.RECEIVED),
            (_O.SENT, _O.CANCELLED),
            (_O.PARTIALLY_RECEIVED, _O.RECEIVED),
        }
    ),
    "production_order": frozenset(
        {
            (NEW, _M.PLANNED),
            (_M.PLANNED, _M.RELEASED),
            (_M.PLANNED, _M.CANCELLED),
            (_M.RELEASED, _M.IN_PROGRESS),
            (_M.RELEASED, _M.DONE),
            (_M.RELEASED, _M.CANCELLED),
            (_M.IN_PROGRESS, _M.DONE),
        }
    ),
    "delivery_note": frozenset(
        {
            (NEW, _D.DRAFT),
            (NEW, _D.PICKED),
            (_D.DRAFT, _D.PICKED),
            (_D.DRAFT, _D.CANCELLED),
            (_D.PICKED, _D.SHIPPED),
            (_D.PICKED, _D.CANCELLED),
        }
    ),
    "invoice": frozenset(
        {
            (NEW, _I.DRAFT),
            (_I.DRAFT, _I.POSTED),
            (_I.DRAFT, _I.CANCELLED),
            (_I.POSTED, _I.PARTIALLY_PAID),
            (_I.POSTED, _I.PAID),
            (_I.PARTIALLY_PAID, _I.PAID),
        }
    ),
}

# States in which a sales order still needs work from some department.
OPEN_SALES_ORDER_STATES = frozenset(set(SalesOrderState) - {SalesOrderState.CLOSED, SalesOrderState.CANCELLED})
ACTIVE_SALES_ORDER_STATES = frozenset(
    {SalesOrderState.CONFIRMED, SalesOrderState.IN_FULFILMENT, SalesOrderState.READY, SalesOrderState.PARTIALLY_SHIPPED}
)

DOCUMENT_LABELS = {
    "sales_order": "Sales order",
    "purchase_request": "Purchase request",
    "purchase_order": "Purchase order",
    "production_order": "Production order",
    "delivery_note": "Delivery note",
    "invoice": "Invoice",
}


def label(state: str) -> str:
    """How a state reads on screen: 'partially_shipped' -> 'partially shipped'."""
    return str(state).replace("_", " ")


def check_transition(document_type: str, current: str, target: str, *, number: str = "") -> None:
    """Refuse a transition that is not in the table, with the sentence the database would give."""
    if (current, target) not in TRANSITIONS[document_type]:
        name = DOCUMENT_LABELS.get(document_type, document_type)
        raise InvalidTransition(
            f"{name} {number} is {label(current)} and cannot become {label(target)}.".replace("  ", " ")
        )


def can_become(document_type: str, state: str | None, target: str) -> bool:
    """Whether a document in `state` may become `target`: the table `check_transition` enforces, for
    windows that offer an action only where it can succeed."""
    return (state, target) in TRANSITIONS[document_type]


def initial_states(document_type: str) -> set[str]:
    return {to for frm, to in TRANSITIONS[document_type] if frm == NEW}
