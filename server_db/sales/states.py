"""A sales order's states and legal transitions (see server_db.core.workflow)."""

from __future__ import annotations

from enum import StrEnum

from server_db.core.workflow import NEW, define


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


_S = SalesOrderState

SALES_ORDER = define(
    "sales_order",
    label="Sales order",
    table="sales_orders",
    states=SalesOrderState,
    transitions={
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
    },
    groups={
        # still needs work from some department
        "open": set(SalesOrderState) - {_S.CLOSED, _S.CANCELLED},
        # confirmed and not yet fully shipped: holds stock, waits for goods, has a promise to keep
        "active": {_S.CONFIRMED, _S.IN_FULFILMENT, _S.READY, _S.PARTIALLY_SHIPPED},
        # nothing shipped yet: may still be cancelled
        "cancellable": {_S.DRAFT, _S.CONFIRMED, _S.IN_FULFILMENT, _S.READY},
        # with reserved goods the warehouse may pick
        "pickable": {_S.IN_FULFILMENT, _S.READY, _S.PARTIALLY_SHIPPED},
        # with shipped goods finance may invoice
        "invoiceable": {_S.PARTIALLY_SHIPPED, _S.SHIPPED, _S.INVOICED},
        # owing money or goods: counts against the customer's credit limit
        "exposed": {_S.CONFIRMED, _S.IN_FULFILMENT, _S.READY, _S.PARTIALLY_SHIPPED, _S.SHIPPED},
    },
)

OPEN_SALES_ORDER_STATES = SALES_ORDER.groups["open"]
ACTIVE_SALES_ORDER_STATES = SALES_ORDER.groups["active"]
