"""An order's life across departments, as lines of text."""

from __future__ import annotations

from server_db.core.changes import Event
from server_db.core.workflow import DOCUMENT_LABELS, label


def describe_event(event: Event) -> str:
    """'Purchase order PO-2026-00003: sent', 'Sales order SO-2026-00001: in fulfilment → ready'."""
    what = DOCUMENT_LABELS.get(event.document_type, event.document_type.replace("_", " ").capitalize())
    name = f"{what} {event.document_no}" if event.document_no else f"{what} #{event.document_id}"
    if event.event_type == "state_changed":
        change = f"{label(event.old_state or '')} → {label(event.new_state or '')}"
    elif event.event_type == "created":
        change = f"created ({label(event.new_state or '')})" if event.new_state else "created"
    elif event.event_type == "lines_changed":
        change = "lines changed"
    elif event.payload.get("late"):
        change = "late"
    elif "progress_pct" in event.payload and event.document_type == "production_order":
        change = f"progress {float(event.payload['progress_pct']):.0f} %"
    else:
        change = "updated"
    return f"{name}: {change}"


def timeline_line(event: Event) -> str:
    return f"{event.created_at.astimezone().strftime('%Y-%m-%d %H:%M')}  {event.actor:<16}  {describe_event(event)}"
