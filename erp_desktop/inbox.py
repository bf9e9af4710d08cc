"""What each department is told about an event, in a line. None: not this department's business."""

from __future__ import annotations

from erp_desktop.format import quantity
from server_db.core.changes import Event
from server_db.core.workflow import label


def inbox_message(event: Event, department: str) -> str | None:
    number = event.document_no or f"#{event.document_id}"
    state = event.new_state
    changed = event.event_type == "state_changed"
    kind = event.document_type
    # became late with this change (not every later update of an order that is still late)
    late = bool(event.payload.get("late")) and "late" in event.payload.get("changed", ["late"])
    if kind == "sales_order":
        if department == "warehouse" and changed and state == "ready":
            return f"{number} ready to pick"
        if department == "warehouse" and changed and state == "partially_shipped":
            return f"{number}: backorder waits for the rest"
        if department == "finance" and changed and state in ("shipped", "partially_shipped"):
            return f"{number} shipped: ready to invoice"
        if department in ("sales", "supervisor") and changed and state in ("ready", "shipped", "closed", "cancelled"):
            return f"{number} is {label(state)}"
        if department in ("sales", "supervisor") and event.event_type == "updated" and late:
            return (
                f"{number} is late: estimated {event.payload.get('estimated_ship_date')}, "
                f"promised {event.payload.get('promised_date')}"
            )
        if department == "supervisor" and changed and state == "confirmed" and event.old_state == "draft":
            return f"{number} confirmed by {event.actor}"
        return None
    if kind == "purchase_request" and department == "purchasing" and event.event_type == "created":
        for_order = f" for order #{event.sales_order_id}" if event.sales_order_id else " for production"
        return f"New purchase request #{event.document_id}: {quantity(event.payload.get('quantity'))}{for_order}"
    if kind == "purchase_order":
        if department == "warehouse" and changed and state == "sent":
            return f"{number} sent: goods expected {event.payload.get('expected_date')}"
        if department == "purchasing" and changed and state in ("partially_received", "received"):
            return f"{number} {label(state)}"
        return None
    if kind == "production_order":
        if department == "production" and event.event_type == "created":
            return f"New production order {number}"
        if department in ("production", "sales", "supervisor") and late and event.event_type == "updated":
            return f"{number} is late: projected end {event.payload.get('planned_end')}"
        if department in ("sales", "warehouse") and changed and state == "done":
            return f"{number} done"
        return None
    if kind == "invoice":
        if department in ("sales", "supervisor") and changed and state == "paid":
            return f"{number} paid"
        return None
    return None
