"""`Changes`: what an operation or an event changed. Services return one; the live listener produces the
same from the outbox, so a window has a single thing to react to, wherever the change came from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

# document_type of an event -> attribute of Changes
_KINDS = {
    "sales_order": "sales_orders",
    "purchase_request": "purchase_requests",
    "purchase_order": "purchase_orders",
    "production_order": "production_orders",
    "delivery_note": "delivery_notes",
    "invoice": "invoices",
    "product": "products",
    "customer": "customers",
    "user": "users",
}


@dataclass(frozen=True)
class Event:
    """One row of the outbox."""

    id: int
    xid: int
    created_at: dt.datetime
    actor: str
    event_type: str
    sales_order_id: int | None
    document_type: str
    document_id: int
    document_no: str | None
    old_state: str | None
    new_state: str | None
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def state_changed(self) -> bool:
        return self.event_type == "state_changed"


@dataclass(frozen=True)
class Changes:
    """Ids of the records that changed, by kind, and the events behind them. `id` is the record an
    operation created or acted on, when there is one."""

    sales_orders: frozenset[int] = frozenset()
    purchase_requests: frozenset[int] = frozenset()
    purchase_orders: frozenset[int] = frozenset()
    production_orders: frozenset[int] = frozenset()
    delivery_notes: frozenset[int] = frozenset()
    invoices: frozenset[int] = frozenset()
    products: frozenset[int] = frozenset()
    customers: frozenset[int] = frozenset()
    users: frozenset[int] = frozenset()
    events: tuple[Event, ...] = ()
    id: int | None = None

    @classmethod
    def from_events(cls, events: list[Event] | tuple[Event, ...], *, id: int | None = None) -> Changes:
        ids: dict[str, set[int]] = {name: set() for name in _KINDS.values()}
        for event in events:
            kind = _KINDS.get(event.document_type)
            if kind:
                ids[kind].add(event.document_id)
            if event.sales_order_id is not None:
                ids["sales_orders"].add(event.sales_order_id)
        return cls(**{name: frozenset(values) for name, values in ids.items()}, events=tuple(events), id=id)

    def __or__(self, other: Changes) -> Changes:
        seen = {event.id for event in self.events}
        return Changes(
            **{name: getattr(self, name) | getattr(other, name) for name in _KINDS.values()},
            events=self.events + tuple(e for e in other.events if e.id not in seen),
            id=self.id if self.id is not None else other.id,
        )

    def __bool__(self) -> bool:
        return bool(self.events) or any(getattr(self, name) for name in _KINDS.values())

    def with_id(self, id: int | None) -> Changes:
        return replace(self, id=id)

    def of(self, document_type: str) -> frozenset[int]:
        """The ids of the documents of one type the events name: for a document type without an attribute
        of its own here (a new package's), `changes.of("customer_return")`."""
        return frozenset(e.document_id for e in self.events if e.document_type == document_type)

    def created(self, document_type: str) -> list[Event]:
        """The events that created documents of this type, in the order they happened."""
        return [e for e in self.events if e.document_type == document_type and e.event_type == "created"]

    def latest(self, document_type: str, document_id: int) -> Event | None:
        """The last event of one document: it carries its newest number, state and payload."""
        found = [e for e in self.events if e.document_type == document_type and e.document_id == document_id]
        return found[-1] if found else None

    def became(self, document_type: str, state: str) -> list[Event]:
        """The events that moved documents of this type into `state`."""
        return [e for e in self.events if e.document_type == document_type and e.state_changed and e.new_state == state]


EVENT_COLUMNS = (
    "id, xid::text, created_at, actor, event_type, sales_order_id, document_type, document_id, "
    "document_no, old_state, new_state, payload"
)
# the same columns of the outbox aliased as "e"
EVENT_COLUMNS_OF_E = ", ".join("e." + column.strip() for column in EVENT_COLUMNS.split(","))


def event_from_row(row: Any) -> Event:
    return Event(
        id=row[0],
        xid=int(row[1]),
        created_at=row[2],
        actor=row[3],
        event_type=row[4],
        sales_order_id=row[5],
        document_type=row[6],
        document_id=row[7],
        document_no=row[8],
        old_state=row[9],
        new_state=row[10],
        payload=row[11] or {},
    )


def changes_of_this_transaction(session: Session, *, id: int | None = None) -> Changes:
    """The events the current transaction has written so far, as Changes."""
    rows = session.execute(
        text(f"SELECT {EVENT_COLUMNS} FROM erp.order_events WHERE xid = pg_current_xact_id() ORDER BY id")
    ).all()
    return Changes.from_events([event_from_row(row) for row in rows], id=id)
