"""Sales: enter and edit draft orders, confirm them (reservations, purchase requests and production orders
follow inside the database), cancel them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from server_db.core import validation
from server_db.core.calls import as_json, step
from server_db.core.changes import Changes
from server_db.core.errors import ValidationError
from server_db.masterdata.lookup import resolve_customer, resolve_products, resolve_warehouse
from server_db.sales.models import SalesOrder

MAX_LINES = 500


@dataclass(frozen=True)
class LineInput:
    """One line as entered: a product (SKU or id), a quantity, and optionally price, discount and text.
    An empty price takes the product's list price."""

    product: str | int
    quantity: Any
    unit_price: Any = None
    discount_pct: Any = 0
    description: str = ""
    below_cost_reason: str | None = None


@dataclass(frozen=True)
class HeaderInput:
    customer: str | int
    requested_date: dt.date | str | None = None
    delivery_address: str = ""
    customer_reference: str = ""
    notes: str = ""
    warehouse: str | int | None = None


def create_order(
    session: Session,
    *,
    customer: str | int,
    lines: Sequence[LineInput | dict] = (),
    requested_date: dt.date | str | None = None,
    delivery_address: str = "",
    customer_reference: str = "",
    notes: str = "",
    warehouse: str | int | None = None,
) -> Changes:
    """A new draft order. Returns its Changes with `id` set to the order."""
    header = HeaderInput(customer, requested_date, delivery_address, customer_reference, notes, warehouse)
    values = _header_values(session, header)
    rows = _lines(session, lines)
    return step(session, "enter_sales_order", as_json(values), as_json(rows), returns=int)[1]


def update_order(
    session: Session,
    order_id: int,
    *,
    expected_version: int,
    header: HeaderInput | None = None,
    lines: Sequence[LineInput | dict] | None = None,
) -> Changes:
    """Save edits to a draft: the header, and (if given) the lines, which replace the old ones.
    Refused if someone else saved the order since `expected_version` was read."""
    validation.record_id(order_id, label="The sales order")
    version = validation.whole_number(
        expected_version, field="version", label="The version", minimum=1, maximum=2**31 - 1
    )
    values = None if header is None else _header_values(session, header)
    rows = None if lines is None else _lines(session, lines)
    return step(session, "update_sales_order_draft", order_id, version, as_json(values), as_json(rows), id=order_id)[1]


@dataclass(frozen=True)
class SavedOrder:
    """What order entry needs after saving: the order, the version it now has, and what changed."""

    changes: Changes
    order_id: int
    version: int


def save_order(
    session: Session,
    order_id: int | None,
    *,
    header: HeaderInput,
    lines: Sequence[LineInput | dict],
    expected_version: int | None = None,
    confirm: bool = False,
) -> SavedOrder:
    """Order entry's Save: a new draft (`order_id` None) or the edits to one read at `expected_version`,
    and, with `confirm`, its confirmation in the same transaction (a refused confirmation saves nothing)."""
    if order_id is None:
        changes = create_order(
            session,
            customer=header.customer,
            lines=lines,
            requested_date=header.requested_date,
            delivery_address=header.delivery_address,
            customer_reference=header.customer_reference,
            notes=header.notes,
            warehouse=header.warehouse,
        )
    else:
        if expected_version is None:
            raise ValidationError("Reload the order before saving it: its version is not known.", field="version")
        changes = update_order(session, order_id, expected_version=expected_version, header=header, lines=lines)
    saved = changes.id
    assert saved is not None
    if confirm:
        changes = changes | confirm_order(session, saved)
    version = session.execute(text("SELECT version FROM erp.sales_orders WHERE id = :id"), {"id": saved}).scalar_one()
    return SavedOrder(changes.with_id(saved), saved, int(version))


def delete_draft(session: Session, order_id: int, *, expected_version: int) -> Changes:
    """Delete a draft nobody else changed since `expected_version` was read (the database refuses anything
    but a draft)."""
    validation.record_id(order_id, label="The sales order")
    version = validation.whole_number(
        expected_version, field="version", label="The version", minimum=1, maximum=2**31 - 1
    )
    return step(session, "delete_sales_order_draft", order_id, version, id=order_id)[1]


def confirm_order(session: Session, order_id: int, *, expected_version: int | None = None) -> Changes:
    """Confirm a draft: credit check, reserve what is available, raise purchase requests and production
    orders for the rest, and promise a ship date. All or nothing."""
    validation.record_id(order_id, label="The sales order")
    if expected_version is not None:
        expected_version = validation.whole_number(
            expected_version, field="version", label="The version", minimum=1, maximum=2**31 - 1
        )
    return step(session, "confirm_sales_order", order_id, expected_version, id=order_id)[1]


def cancel_order(session: Session, order_id: int, *, reason: str = "") -> Changes:
    """Cancel an order with nothing shipped: its reservations, open requests and unstarted production go."""
    validation.record_id(order_id, label="The sales order")
    reason = validation.text_value(reason, field="reason", label="The reason", max_length=500)
    return step(session, "cancel_sales_order", order_id, reason, id=order_id)[1]


# -- internals -------------------------------------------------------------------------------------------


def _header_values(session: Session, header: HeaderInput) -> dict[str, Any]:
    customer = resolve_customer(session, header.customer)
    requested = validation.date_value(header.requested_date, field="requested_date", label="The requested date")
    warehouse = resolve_warehouse(session, header.warehouse)
    return {
        "customer_id": customer.id,
        "warehouse_id": warehouse.id,
        "requested_date": requested,
        "delivery_address": validation.text_value(
            header.delivery_address,
            field="delivery_address",
            label="The delivery address",
            max_length=500,
            multiline=True,
        ),
        "customer_reference": validation.text_value(
            header.customer_reference, field="customer_reference", label="The customer reference", max_length=100
        ),
        "notes": validation.text_value(header.notes, field="notes", label="The notes", max_length=4000, multiline=True),
    }


def _lines(session: Session, lines: Sequence[LineInput | dict]) -> list[dict[str, Any]]:
    """The lines as the database takes them: products resolved to ids, numbers read, numbered from 1. List
    prices, tax rates and the rules of a line (a product still sold, a reason to sell below cost) are the
    database's, whose refusal names the line's field."""
    if len(lines) > MAX_LINES:
        raise ValidationError(f"An order can have at most {MAX_LINES} lines.", field="lines")
    entered = [raw if isinstance(raw, LineInput) else LineInput(**raw) for raw in lines]
    products = resolve_products(
        session, [(line.product, f"lines[{n}].product", f"Line {n}: ") for n, line in enumerate(entered, start=1)]
    )
    result = []
    for number, (line, product) in enumerate(zip(entered, products, strict=True), start=1):
        field = f"lines[{number}]"
        prefix = f"Line {number}: "
        result.append(
            dict(
                line_no=number,
                product_id=product.id,
                description=validation.text_value(
                    line.description, field=f"{field}.description", label=f"{prefix}the description", max_length=500
                ),
                quantity=validation.quantity(line.quantity, field=f"{field}.quantity", label=f"{prefix}the quantity"),
                unit_price=None
                if line.unit_price in (None, "")
                else validation.money(line.unit_price, field=f"{field}.unit_price", label=f"{prefix}the price"),
                discount_pct=validation.percent(
                    line.discount_pct or 0, field=f"{field}.discount_pct", label=f"{prefix}the discount"
                ),
                below_cost_reason=validation.text_value(
                    line.below_cost_reason,
                    field=f"{field}.below_cost_reason",
                    label=f"{prefix}the reason",
                    max_length=500,
                )
                or None,
            )
        )
    return result


def order_by_number(session: Session, number: str) -> SalesOrder | None:
    return session.scalar(select(SalesOrder).where(SalesOrder.number == number.strip().upper()))
