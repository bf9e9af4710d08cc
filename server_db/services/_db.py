"""Calling the workflow functions in the database, and resolving what a person typed to record ids."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from server_db import validation
from server_db.errors import NotFound, ValidationError
from server_db.models import Base, Customer, Product, Supplier, Warehouse

M = TypeVar("M", bound=Base)


def call(session: Session, function: str, *args: Any) -> Any:
    """SELECT erp.function(args...) with every argument bound, returning the single value."""
    names = [f"a{i}" for i in range(len(args))]
    params = {name: _bindable(arg) for name, arg in zip(names, args, strict=True)}
    placeholders = ", ".join(
        f"CAST(:{n} AS jsonb)" if isinstance(a, _Json) else f":{n}" for n, a in zip(names, args, strict=True)
    )
    return session.execute(text(f"SELECT erp.{function}({placeholders})"), params).scalar()


class _Json:
    def __init__(self, value: Any) -> None:
        self.value = value


def as_json(value: Any) -> _Json:
    return _Json(value)


def _bindable(arg: Any) -> Any:
    if isinstance(arg, _Json):
        return None if arg.value is None else json.dumps(arg.value, default=str)
    return arg


def quantities_json(quantities: Mapping[int, Any] | None, *, label: str) -> _Json:
    """{line id: quantity} as the JSON object the workflow functions take; None means 'everything'."""
    if quantities is None:
        return as_json(None)
    cleaned: dict[str, str] = {}
    for line_id, qty in quantities.items():
        validation.record_id(line_id, field="quantities", label=label)
        number = validation.decimal_value(
            qty, field="quantities", label="A quantity", places=3, minimum=Decimal(0), maximum=validation.MAX_QUANTITY
        )
        if number > 0:
            cleaned[str(line_id)] = str(number)
    if not cleaned:
        raise ValidationError("Enter a quantity for at least one line.", field="quantities")
    return as_json(cleaned)


def get(session: Session, model: type[M], record_id: Any, *, label: str, lock: bool = False) -> M:
    record_id = validation.record_id(record_id, label=label)
    found = session.get(model, record_id, with_for_update=lock)
    if found is None:
        raise NotFound(f"{label} #{record_id} does not exist.")
    return found


def resolve_customer(session: Session, value: Any, *, field: str = "customer") -> Customer:
    """A customer by id or code."""
    if isinstance(value, int) and not isinstance(value, bool):
        return get(session, Customer, value, label="Customer")
    code = validation.text_value(value, field=field, label="The customer", max_length=64, required=True).upper()
    customer = session.scalar(select(Customer).where(Customer.code == code))
    if customer is None:
        raise ValidationError(f"There is no customer with code {code}.", field=field)
    return customer


def resolve_supplier(session: Session, value: Any, *, field: str = "supplier") -> Supplier:
    if isinstance(value, int) and not isinstance(value, bool):
        return get(session, Supplier, value, label="Supplier")
    code = validation.text_value(value, field=field, label="The supplier", max_length=64, required=True).upper()
    supplier = session.scalar(select(Supplier).where(Supplier.code == code))
    if supplier is None:
        raise ValidationError(f"There is no supplier with code {code}.", field=field)
    return supplier


def resolve_product(session: Session, value: Any, *, field: str = "product", prefix: str = "") -> Product:
    """A product by id or SKU (typed loosely: 'abc 12' finds ABC-12)."""
    if isinstance(value, int) and not isinstance(value, bool):
        product = session.get(Product, value)
        if product is None:
            raise ValidationError(f"{prefix}there is no product #{value}.".capitalize(), field=field)
        return product
    raw = validation.text_value(
        value, field=field, label=f"{prefix}the product".capitalize(), max_length=64, required=True
    )
    try:
        sku = validation.sku(raw, field=field)
    except ValidationError:
        sku = raw
    product = session.scalar(select(Product).where(Product.sku == sku))
    if product is None:
        raise ValidationError(f"{prefix}there is no product {raw}.".capitalize(), field=field)
    return product


def resolve_warehouse(session: Session, value: Any = None) -> Warehouse:
    """A warehouse by id or code; the first one when none is given."""
    if value is None:
        warehouse = session.scalar(select(Warehouse).order_by(Warehouse.id).limit(1))
        if warehouse is None:
            raise ValidationError("No warehouse is set up yet; create one first.", field="warehouse")
        return warehouse
    if isinstance(value, int) and not isinstance(value, bool):
        return get(session, Warehouse, value, label="Warehouse")
    code = validation.code(value, field="warehouse", label="The warehouse")
    warehouse = session.scalar(select(Warehouse).where(Warehouse.code == code))
    if warehouse is None:
        raise ValidationError(f"There is no warehouse {code}.", field="warehouse")
    return warehouse


def current_date(session: Session) -> Any:
    """Today as the database sees it (all dates follow the server's clock)."""
    return session.execute(text("SELECT current_date")).scalar_one()
