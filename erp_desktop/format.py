"""How values read on screen."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from server_db.core.workflow import label

STATE_COLOURS = {
    # sales order stages, from waiting to done
    "draft": "#9e9e9e",
    "confirmed": "#5c6bc0",
    "in_fulfilment": "#f9a825",
    "ready": "#43a047",
    "partially_shipped": "#26a69a",
    "shipped": "#00897b",
    "invoiced": "#1e88e5",
    "paid": "#6d4c41",
    "closed": "#757575",
    "cancelled": "#bdbdbd",
    # other documents
    "open": "#f9a825",
    "ordered": "#5c6bc0",
    "received": "#43a047",
    "sent": "#5c6bc0",
    "partially_received": "#26a69a",
    "planned": "#9e9e9e",
    "released": "#5c6bc0",
    "in_progress": "#f9a825",
    "done": "#43a047",
    "picked": "#f9a825",
    "posted": "#1e88e5",
    "partially_paid": "#26a69a",
}
LATE_COLOUR = "#e53935"
LATE_BACKGROUND = "#fdecea"  # behind a late or overdue row

RowStyle = tuple[str | None, str | None, bool]  # background, foreground, bold
PLAIN: RowStyle = (None, None, False)


def red_when(field: str, *, background: bool = False) -> Callable[[dict[str, Any]], RowStyle]:
    """A table's row style: bold red (on pale red, with `background`) where the record's `field` is set."""
    flagged: RowStyle = (LATE_BACKGROUND if background else None, LATE_COLOUR, True)
    return lambda record: flagged if record.get(field) else PLAIN


def money(value: Any) -> str:
    if value is None:
        return ""
    return f"{Decimal(value):,.2f}"


def quantity(value: Any) -> str:
    if value is None:
        return ""
    number = Decimal(value)
    text = f"{number:,.3f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def date(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M")
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def percent(value: Any) -> str:
    return "" if value is None else f"{Decimal(value):.0f} %"


def state(value: Any) -> str:
    return "" if value is None else label(str(value))


def format_value(kind: str, value: Any) -> str:
    if kind == "money":
        return money(value)
    if kind == "qty":
        return quantity(value)
    if kind in ("date", "datetime"):
        return date(value)
    if kind == "percent":
        return percent(value)
    if kind == "state":
        return state(value)
    if kind == "bool":
        return "yes" if value else ""
    return "" if value is None else str(value)
