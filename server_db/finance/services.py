"""Finance: invoice what was shipped, post (immutable afterwards), record payments, correct with credit
notes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from server_db.core import validation
from server_db.core.calls import current_date, quantities_json, step
from server_db.core.changes import Changes
from server_db.core.errors import ValidationError

PAYMENT_METHODS = ("bank_transfer", "cash", "cheque", "card", "other")


def create_invoice(session: Session, order_id: int) -> Changes:
    """A draft invoice for the shipped quantities not yet invoiced. `id` is the invoice."""
    validation.record_id(order_id, label="The sales order")
    return step(session, "create_invoice", order_id, returns=int)[1]


def post_invoice(session: Session, invoice_id: int) -> Changes:
    """Give the invoice its gap-free number and due date; it cannot change afterwards."""
    validation.record_id(invoice_id, label="The invoice")
    return step(session, "post_invoice", invoice_id, id=invoice_id)[1]


def invoice_order(session: Session, order_id: int) -> Changes:
    """Create and post in one step. `id` is the invoice."""
    created = create_invoice(session, order_id)
    assert created.id is not None
    return created | post_invoice(session, created.id)


def delete_draft_invoice(session: Session, invoice_id: int) -> Changes:
    validation.record_id(invoice_id, label="The invoice")
    return step(session, "delete_draft_invoice", invoice_id, id=invoice_id)[1]


def record_payment(
    session: Session,
    invoice_id: int,
    *,
    amount: Any,
    paid_on: dt.date | str | None = None,
    method: str = "bank_transfer",
    reference: str = "",
) -> Changes:
    """Record a full or partial payment of a posted invoice. `id` is the payment."""
    validation.record_id(invoice_id, label="The invoice")
    value = validation.money(amount, field="amount", label="The amount", positive=True)
    day = validation.date_value(paid_on, field="paid_on", label="The payment date")
    if method not in PAYMENT_METHODS:
        raise ValidationError(f"The payment method must be one of: {', '.join(PAYMENT_METHODS)}.", field="method")
    ref = validation.text_value(reference, field="reference", label="The reference", max_length=200)
    return step(session, "record_payment", invoice_id, value, day or current_date(session), method, ref, returns=int)[1]


def create_credit_note(
    session: Session, invoice_id: int, *, reason: str, quantities: Mapping[int, Any] | None = None
) -> Changes:
    """Correct a posted invoice: `quantities` maps invoice line id to quantity credited; None credits it all.
    The credited quantities can be invoiced again. `id` is the credit note."""
    validation.record_id(invoice_id, label="The invoice")
    why = validation.text_value(reason, field="reason", label="The reason", max_length=500, required=True)
    lines = quantities_json(quantities, label="An invoice line")
    return step(session, "create_credit_note", invoice_id, why, lines, returns=int)[1]
