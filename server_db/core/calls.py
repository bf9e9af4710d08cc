"""Calling the workflow functions in the database and reading back the Changes they made, in one round
trip; fetching a record by id with a sentence when it does not exist."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.orm import Session

from server_db.core import validation
from server_db.core.changes import EVENT_COLUMNS_OF_E, Changes, event_from_row
from server_db.core.errors import NotFound, ValidationError
from server_db.core.models import Base

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


def current_date(session: Session) -> Any:
    """Today as the database sees it (all dates follow the server's clock)."""
    return session.execute(text("SELECT current_date")).scalar_one()
