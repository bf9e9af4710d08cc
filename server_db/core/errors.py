"""Errors a clerk can read. Every business refusal is a DomainError whose text is the sentence to show.

The database states the rules (CHECK constraints, triggers, workflow functions); their refusals arrive as
driver errors and `translate` turns them into domain errors, so a rule broken through psql and one broken
through the client read the same. A refusal that names a field (`erp.fail_at`) keeps it in `field`, so a
form can mark the cell to correct.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy.exc import DBAPIError


class DomainError(Exception):
    """A business rule refused the operation. `str(error)` is one sentence for the person at the screen."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class ValidationError(DomainError):
    """Bad input: a value out of range, a missing field, an unknown product. `field` names the input."""


class NotFound(DomainError):
    """The record does not exist (any more)."""


class InvalidTransition(DomainError):
    """The document is not in a state that allows this step."""


class CreditLimitExceeded(DomainError):
    """Confirming would put the customer over its credit limit."""


class InsufficientStock(DomainError):
    """Not enough free stock for what was asked."""


class ConcurrentChange(DomainError):
    """Someone else changed the record since it was read; reload before saving."""


class LikelyDuplicate(DomainError):
    """The customer or supplier looks like one that exists (same name or phone). `candidates` are those
    records (id, code, name, tax_id, phone, reason); saving again with `allow_duplicate` confirms it."""

    def __init__(self, message: str, *, field: str | None = None, candidates: list[dict[str, Any]] | None = None):
        super().__init__(message, field=field)
        self.candidates: list[dict[str, Any]] = candidates or []


class PermissionDenied(DomainError):
    """The logged-in role may not do this. `raw` keeps the database's wording to name the duty."""

    raw: str = ""


class Busy(DomainError):
    """A lock or a slow query kept the operation from finishing in time; trying again usually works."""


class DatabaseUnavailable(Exception):
    """The database cannot be reached; the message is one sentence."""


class SchemaMismatch(Exception):
    """The database schema is older or newer than this program; the message says what to do."""


_BY_SQLSTATE: dict[str, type[DomainError]] = {
    "ER001": ValidationError,
    "ER002": NotFound,
    "ER003": InvalidTransition,
    "ER004": CreditLimitExceeded,
    "ER005": InsufficientStock,
    "ER006": ConcurrentChange,
    "ER007": PermissionDenied,
}

# Sentences for the constraints a writer may hit, and the field each one is about; the names come from the
# naming convention.
_CONSTRAINTS: dict[str, tuple[type[DomainError], str, str | None]] = {
    "ck_stock_levels_reserved_within_on_hand": (
        InsufficientStock,
        "Not enough stock: reserved would exceed on hand.",
        None,
    ),
    "uq_customers_code": (ValidationError, "A customer with this code already exists.", "code"),
    "uq_suppliers_code": (ValidationError, "A supplier with this code already exists.", "code"),
    "uq_products_sku": (ValidationError, "A product with this SKU already exists.", "sku"),
    "uq_warehouses_code": (ValidationError, "A warehouse with this code already exists.", "code"),
    "uq_work_centres_code": (ValidationError, "A work centre with this code already exists.", "code"),
    "ck_customers_tax_id_valid": (ValidationError, "The unified social credit code is not valid.", "tax_id"),
    "ck_suppliers_tax_id_valid": (ValidationError, "The unified social credit code is not valid.", "tax_id"),
    "ck_products_sku_format": (ValidationError, "A SKU is capital letters and digits in groups joined by '-'.", "sku"),
    "ck_sales_order_lines_quantity_positive": (ValidationError, "A quantity must be more than zero.", "quantity"),
    "ck_sales_order_lines_price_not_negative": (ValidationError, "A price cannot be negative.", "unit_price"),
    "ck_sales_order_lines_discount_range": (
        ValidationError,
        "A discount is a percentage from 0 to 100.",
        "discount_pct",
    ),
    "ck_payments_amount_positive": (ValidationError, "A payment must be more than zero.", "amount"),
}

_NAME_IN_MESSAGE = re.compile(r'constraint "([^"]+)"')


def translate(error: DBAPIError) -> Exception:
    """The domain error behind a driver error, or the driver error itself if it is not a business refusal."""
    orig = getattr(error, "orig", None)
    code = getattr(orig, "pgcode", None)
    diag = getattr(orig, "diag", None)
    primary = getattr(diag, "message_primary", None) or str(orig).strip().splitlines()[0] if orig else str(error)
    if code == "ER008":
        try:
            candidates = json.loads(getattr(diag, "message_detail", None) or "[]")
        except ValueError:
            candidates = []
        return LikelyDuplicate(
            primary,
            field=getattr(diag, "column_name", None) or None,
            candidates=candidates if isinstance(candidates, list) else [],
        )
    if code in _BY_SQLSTATE:
        # erp.fail_at names the field to correct as the error's column
        return _BY_SQLSTATE[code](primary, field=getattr(diag, "column_name", None) or None)
    if code in ("23505", "23514", "23503", "23502"):
        name = getattr(diag, "constraint_name", None)
        if not name:
            match = _NAME_IN_MESSAGE.search(primary or "")
            name = match.group(1) if match else None
        if name in _CONSTRAINTS:
            cls, sentence, field = _CONSTRAINTS[name]
            return cls(sentence, field=field)
        if code == "23505":
            return ValidationError("That value is already in use; it must be unique.")
        if code == "23503":
            return ValidationError("The record refers to something that does not exist, or is still in use.")
        if code == "23502":
            column = getattr(diag, "column_name", None) or "A required value"
            return ValidationError(f"{column.replace('_', ' ').capitalize()} is required.", field=column)
        return ValidationError(f"The data breaks the rule {name or 'of the database'}.")
    if code == "42501":
        refusal = PermissionDenied("Your role may not do this.")
        refusal.raw = primary or ""
        return refusal
    if code in ("22001",):
        return ValidationError("A text is longer than allowed.")
    if code in ("22003",):
        return ValidationError("A number is too large.")
    if code in ("22P02", "22007", "22008", "22023"):
        return ValidationError("A value has the wrong form.")
    if code in ("22021", "54000"):
        return ValidationError("A text contains characters that cannot be stored.")
    if code == "55P03":
        return Busy("Someone else is working on the same record; try again in a moment.")
    if code == "57014":
        return Busy("The database took too long to answer; try again in a moment.")
    if (code and code.startswith("08")) or (code is None and "connection" in (primary or "").lower()):
        return DatabaseUnavailable("The connection to the database was lost.")
    return error


def is_retryable(error: DBAPIError) -> bool:
    """Serialization failures and deadlocks: the transaction did nothing and can simply run again."""
    return getattr(getattr(error, "orig", None), "pgcode", None) in ("40001", "40P01")
