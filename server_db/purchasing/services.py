"""Purchasing: turn open purchase requests into purchase orders per supplier, send them, receive goods
(receipts are reserved for waiting orders inside the database, earliest promised date first)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server_db.core import validation
from server_db.core.calls import quantities_json, step
from server_db.core.changes import Changes


def create_purchase_orders(session: Session, *, request_ids: Sequence[int] | None = None) -> Changes:
    """One draft purchase order per supplier from the open requests (all, or the chosen ones).
    `id` is the first purchase order created."""
    ids = None
    if request_ids is not None:
        ids = [validation.record_id(i, field="request_ids", label="A purchase request") for i in request_ids]
        if not ids:
            from server_db.core.errors import ValidationError

            raise ValidationError("Choose at least one purchase request.", field="request_ids")
    created, changes = step(session, "create_purchase_orders", ids, returns=_ids)
    return changes.with_id(created[0] if created else None)


def _ids(array: str) -> list[int]:
    """A PostgreSQL array of ids as text, '{3,4}'."""
    return [int(part) for part in array.strip("{}").split(",") if part]


def send_purchase_order(session: Session, po_id: int) -> Changes:
    validation.record_id(po_id, label="The purchase order")
    return step(session, "send_purchase_order", po_id, id=po_id)[1]


def send_purchase_orders(session: Session, po_ids: Sequence[int]) -> Changes:
    """Send several drafts together: all of them or, if one is refused, none."""
    changes = Changes()
    for po_id in po_ids:
        changes = changes | send_purchase_order(session, po_id)
    return changes


def cancel_purchase_order(session: Session, po_id: int) -> Changes:
    """Cancel a purchase order with nothing received; its requests go back to the open queue."""
    validation.record_id(po_id, label="The purchase order")
    return step(session, "cancel_purchase_order", po_id, id=po_id)[1]


def receive_purchase_order(session: Session, po_id: int, *, quantities: Mapping[int, Any] | None = None) -> Changes:
    """Receive goods: `quantities` maps purchase order line id to the quantity that arrived; None receives
    everything outstanding."""
    validation.record_id(po_id, label="The purchase order")
    return step(
        session, "receive_purchase_order", po_id, quantities_json(quantities, label="A purchase order line"), id=po_id
    )[1]


@dataclass(frozen=True)
class Receipt:
    """A receipt as the clerk hears of it: the purchase order, what it still waits for, and the sales orders
    the goods made ready to pick."""

    changes: Changes
    number: str
    outstanding: Decimal
    ready_orders: tuple[str, ...]


def receive_goods(session: Session, po_id: int, *, quantities: Mapping[int, Any] | None = None) -> Receipt:
    """`receive_purchase_order`, then read back what is still outstanding on it."""
    changes = receive_purchase_order(session, po_id, quantities=quantities)
    number, outstanding = session.execute(
        text(
            "SELECT po.number, coalesce(sum(pol.quantity - pol.qty_received), 0)"
            " FROM erp.purchase_orders po LEFT JOIN erp.purchase_order_lines pol ON pol.order_id = po.id"
            " WHERE po.id = :id GROUP BY po.id"
        ),
        {"id": po_id},
    ).one()
    ready = sorted({e.document_no for e in changes.became("sales_order", "ready") if e.document_no})
    return Receipt(changes, number, outstanding, tuple(ready))


def update_purchase_order(
    session: Session, po_id: int, *, expected_date: dt.date | str, notes: str | None = None
) -> Changes:
    """Change when the goods are expected (the waiting sales orders' estimates follow) and the notes."""
    validation.record_id(po_id, label="The purchase order")
    day = validation.date_value(expected_date, field="expected_date", label="The expected date", required=True)
    text = (
        None
        if notes is None
        else validation.text_value(notes, field="notes", label="The notes", max_length=4000, multiline=True)
    )
    return step(session, "update_purchase_order", po_id, day, text, id=po_id)[1]
