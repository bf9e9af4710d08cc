"""Purchasing: turn open purchase requests into purchase orders per supplier, send them, receive goods
(receipts are reserved for waiting orders inside the database, earliest promised date first)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

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
