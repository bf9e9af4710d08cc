"""Calling the workflow functions in the database, and resolving what a person typed to record ids."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from server_db import validation
from server_db.changes import EVENT_COLUMNS_OF_E, Changes, event_from_row
from server_db.errors import NotFound, ValidationError
from server_db.models import Base, Customer, Product, Supplier, Warehouse

M = TypeVar("M", bound=Base)


def _call_sql(function: str, args: tuple[Any, ...]) -> tuple[str, dict[str, Any]]:
    names = [f"a{i}" for i in range(len(args))]
    params = {name: _bindable(arg) for name, arg in zip(names, args, strict=True)}
    placeholders = ", ".join(
        f"CAST(:{n} AS jsonb)" if isinstance(a, _Json) else f":{n}" for n, a in zip(names, args, strict=True)
    )
    return f"erp.{function}({placeholders})", params


def call(session: Session, function: str, *args: Any) -> Any:
    """SELECT erp.function(args...) with every argument bound, returning the single value."""
    expression, params = _call_sql(function, args)
    return session.execute(text(f"SELECT {expression}"), params).scalar()


def step(
    session: Session, function: str, *args: Any, returns: Callable[[str], Any] = str, id: int | None = None
) -> tuple[Any, Changes]:
    """Call a workflow function and read the events the transaction has written, in one round trip: the
    function's value is parked in a transaction-local setting and read back by the second statement.
    `returns` converts the value from text; `id` (or else an int value) becomes the Changes' id."""
    expression, params = _call_sql(function, args)
    rows = session.execute(
        text(
            f"SELECT set_config('erp.step_result', coalesce(({expression})::text, ''), true);"
            f" SELECT current_setting('erp.step_result'), {EVENT_COLUMNS_OF_E}"
            " FROM (SELECT 1) one LEFT JOIN erp.order_events e ON e.xid = pg_current_xact_id() ORDER BY e.id"
        ),
        params,
    ).all()
    raw = rows[0][0]
    value = returns(raw) if raw != "" else None
    events = [event_from_row(row[1:]) for row in rows if row[1] is not None]
    if id is None and isinstance(value, int):
        id = value
    return value, Changes.from_events(events, id=id)


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
        value, field=field, label=f"{prefix}the product".capitalize(), max_length=64, required=True
    )
    try:
        return validation.sku(raw, field=field), raw
    except ValidationError:
        return raw, raw


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
