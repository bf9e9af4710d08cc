"""Warehouse: pick reserved goods onto a delivery note, ship it (a partial shipment leaves a backorder),
and adjust stock with a reason."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server_db.core import validation
from server_db.core.calls import quantities_json, step
from server_db.core.changes import Changes
from server_db.masterdata.lookup import resolve_product, resolve_warehouse


def pick_order(session: Session, order_id: int, *, quantities: Mapping[int, Any] | None = None) -> Changes:
    """A picked delivery note for reserved goods: `quantities` maps sales order line id to quantity; None
    picks everything reserved and not yet picked. `id` is the delivery note."""
    validation.record_id(order_id, label="The sales order")
    return step(
        session, "pick_sales_order", order_id, quantities_json(quantities, label="A sales order line"), returns=int
    )[1]


def ship_delivery_note(session: Session, note_id: int) -> Changes:
    """The goods leave: stock goes down, the order's shipped quantities go up."""
    validation.record_id(note_id, label="The delivery note")
    return step(session, "ship_delivery_note", note_id, id=note_id)[1]


def ship_order(session: Session, order_id: int, *, quantities: Mapping[int, Any] | None = None) -> Changes:
    """Pick and ship in one step. `id` is the delivery note."""
    picked = pick_order(session, order_id, quantities=quantities)
    assert picked.id is not None
    return picked | ship_delivery_note(session, picked.id)


@dataclass(frozen=True)
class Shipment:
    """A shipment as the clerk hears of it: the delivery note, its order, and what is left to ship."""

    changes: Changes
    note_id: int
    note_number: str
    order_number: str
    backorder: Decimal


def pick_and_ship(session: Session, order_id: int, *, quantities: Mapping[int, Any] | None = None) -> Shipment:
    """`ship_order`, then read back the delivery note's number and the backorder the order still has."""
    changes = ship_order(session, order_id, quantities=quantities)
    assert changes.id is not None
    note_number, order_number, backorder = session.execute(
        text(
            "SELECT d.number, o.number,"
            " (SELECT coalesce(sum(l.quantity - l.qty_shipped), 0) FROM erp.sales_order_lines l"
            "   WHERE l.order_id = o.id)"
            " FROM erp.delivery_notes d JOIN erp.sales_orders o ON o.id = d.sales_order_id WHERE d.id = :id"
        ),
        {"id": changes.id},
    ).one()
    return Shipment(changes, changes.id, note_number, order_number, backorder)


def cancel_delivery_note(session: Session, note_id: int) -> Changes:
    validation.record_id(note_id, label="The delivery note")
    return step(session, "cancel_delivery_note", note_id, id=note_id)[1]


def adjust_stock(
    session: Session, product: str | int, *, quantity: Any, reason: str, warehouse: str | int | None = None
) -> Changes:
    """Add (positive) or remove (negative) stock after a count, damage or find. Reserved stock cannot be
    removed; added stock goes to waiting orders first."""
    item = resolve_product(session, product)
    store = resolve_warehouse(session, warehouse)
    qty = validation.signed_quantity(quantity)
    why = validation.text_value(reason, field="reason", label="The reason", max_length=500, required=True)
    return step(session, "adjust_stock", item.id, store.id, qty, why, id=item.id)[1]
