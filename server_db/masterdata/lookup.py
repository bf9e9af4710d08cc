"""Resolving what a person typed (a code, a SKU typed loosely, an id) to master-data records, with a
sentence naming the field when there is no such record."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from server_db.core import validation
from server_db.core.calls import get
from server_db.core.errors import ValidationError
from server_db.masterdata.models import Customer, Product, Supplier, Warehouse

P = TypeVar("P", Customer, Supplier)


def resolve_customer(session: Session, value: Any, *, field: str = "customer") -> Customer:
    """A customer by id or code."""
    return _by_id_or_code(session, Customer, value, field=field, label="customer")


def resolve_supplier(session: Session, value: Any, *, field: str = "supplier") -> Supplier:
    """A supplier by id or code."""
    return _by_id_or_code(session, Supplier, value, field=field, label="supplier")


def _by_id_or_code(session: Session, model: type[P], value: Any, *, field: str, label: str) -> P:
    if isinstance(value, int) and not isinstance(value, bool):
        return get(session, model, value, label=label.capitalize())
    code = validation.text_value(value, field=field, label=f"The {label}", max_length=64, required=True)
    # codes are stored as the database normalises them (half-width, upper case): look them up the same way
    found = session.scalar(select(model).where(model.code == func.erp.normalise_code(code)))
    if found is None:
        raise ValidationError(f"There is no {label} with code {code.upper()}.", field=field)
    return found


def resolve_product(session: Session, value: Any, *, field: str = "product", prefix: str = "") -> Product:
    """A product by id or SKU (typed loosely: 'abc 12' finds ABC-12)."""
    return resolve_products(session, [(value, field, prefix)])[0]


def resolve_products(session: Session, wanted: Sequence[tuple[Any, str, str]]) -> list[Product]:
    """Products by id or SKU, each given as (value, field, message prefix), found with one query; the first
    value that is not a product raises, naming its field."""
    keys = [_product_key(value, field, prefix) for value, field, prefix in wanted]
    ids = [key for key, _ in keys if isinstance(key, int) and 0 < key < 2**63]  # others are no product
    skus = [key for key, _ in keys if isinstance(key, str)]
    found: dict[int | str, Product] = {}
    conditions = ([Product.id.in_(ids)] if ids else []) + ([Product.sku.in_(skus)] if skus else [])
    if conditions:
        for product in session.scalars(select(Product).where(or_(*conditions))):
            found[product.id] = product
            found[product.sku] = product
    result = []
    for (key, typed), (_, field, prefix) in zip(keys, wanted, strict=True):
        match = found.get(key)
        if match is None:
            missing = f"#{key}" if isinstance(key, int) else typed
            raise ValidationError(f"{prefix}there is no product {missing}.".capitalize(), field=field)
        result.append(match)
    return result


def _product_key(value: Any, field: str, prefix: str) -> tuple[int | str, str]:
    """What to look a product up by (an id or a standardised SKU) and how the person typed it."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value, str(value)
    raw = validation.text_value(
        unicodedata.normalize("NFKC", value) if isinstance(value, str) else value,
        field=field,
        label=f"{prefix}the product".capitalize(),
        max_length=64,
        required=True,
    )
    try:
        return validation.sku(raw, field=field), raw
    except ValidationError:
        return raw, raw


def resolve_warehouse(session: Session, value: Any = None) -> Warehouse:
    """A warehouse by id or code; the first active one when none is given."""
    if value is None:
        warehouse = session.scalar(select(Warehouse).where(Warehouse.active).order_by(Warehouse.id).limit(1))
        if warehouse is None:
            raise ValidationError("No warehouse is set up yet; create one first.", field="warehouse")
        return warehouse
    if isinstance(value, int) and not isinstance(value, bool):
        return get(session, Warehouse, value, label="Warehouse")
    code = validation.text_value(value, field="warehouse", label="The warehouse", max_length=64, required=True)
    warehouse = session.scalar(select(Warehouse).where(Warehouse.code == func.erp.normalise_code(code)))
    if warehouse is None:
        raise ValidationError(f"There is no warehouse {code.upper()}.", field="warehouse")
    return warehouse
