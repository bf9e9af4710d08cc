"""What each department's inbox says about an event."""

from __future__ import annotations

import datetime as dt

from erp_desktop.inbox import inbox_message
from server_db.core.changes import Event


def event(
    document_type: str, event_type: str, new_state: str | None = None, old_state: str | None = None, **payload
) -> Event:
    return Event(
        id=1,
        xid=1,
        created_at=dt.datetime.now(dt.UTC),
        actor="anna",
        event_type=event_type,
        sales_order_id=7,
        document_type=document_type,
        document_id=3,
        document_no="SO-2026-00042",
        old_state=old_state,
        new_state=new_state,
        payload=payload,
    )


def test_the_warehouse_hears_an_order_is_ready_to_pick() -> None:
    ready = event("sales_order", "state_changed", "ready", "in_fulfilment")
    assert inbox_message(ready, "warehouse") == "SO-2026-00042 ready to pick"
    assert inbox_message(ready, "finance") is None


def test_finance_hears_of_shipments() -> None:
    shipped = event("sales_order", "state_changed", "shipped", "ready")
    assert inbox_message(shipped, "finance") == "SO-2026-00042 shipped: ready to invoice"


def test_purchasing_hears_of_new_requests_with_a_readable_quantity() -> None:
    request = event("purchase_request", "created", "open", quantity=6.0)
    assert inbox_message(request, "purchasing") == "New purchase request #3: 6 for order #7"


def test_sales_and_the_supervisor_hear_of_late_orders() -> None:
    late = event(
        "sales_order",
        "updated",
        "in_fulfilment",
        "in_fulfilment",
        late=True,
        estimated_ship_date="2026-12-03",
        promised_date="2026-12-01",
        changed=["estimated_ship_date", "late"],
    )
    assert "late" in inbox_message(late, "sales")
    assert inbox_message(late, "warehouse") is None
    still_late = event("sales_order", "updated", "in_fulfilment", "in_fulfilment", late=True, changed=[])
    assert inbox_message(still_late, "sales") is None
