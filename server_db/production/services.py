"""Production: release, schedule on work centres with finite daily capacity, report progress, complete.

The scheduler is the database's (`server_db/production/sql/schedule.sql`): one rule, used to plan the work
centres and to estimate the end of a new production order at confirmation. Writing the plan also marks late
orders and, with them, their sales orders.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server_db.core import validation
from server_db.core.calls import step
from server_db.core.changes import Changes
from server_db.production.states import PRODUCTION_ORDER


def release_production_order(session: Session, mo_id: int) -> Changes:
    validation.record_id(mo_id, label="The production order")
    return step(session, "release_production_order", mo_id, id=mo_id)[1]


def report_progress(session: Session, mo_id: int, percent: Any) -> Changes:
    """Report how far an order is (0-100 %). The first progress starts it, if its components are there;
    the projected end is recomputed and the order is marked late if it passes the promised date."""
    validation.record_id(mo_id, label="The production order")
    value = validation.percent(percent, field="percent", label="The progress")
    return step(session, "report_production_progress", mo_id, value, id=mo_id)[1]


def complete_production_order(session: Session, mo_id: int) -> Changes:
    """Consume the components, put the product in stock, reserve it for its order."""
    validation.record_id(mo_id, label="The production order")
    return step(session, "complete_production_order", mo_id, id=mo_id)[1]


def cancel_production_order(session: Session, mo_id: int) -> Changes:
    validation.record_id(mo_id, label="The production order")
    return step(session, "cancel_production_order", mo_id, id=mo_id)[1]


@dataclass(frozen=True)
class OrderToSchedule:
    id: int
    work_centre_id: int
    remaining_hours: Decimal
    due_date: dt.date
    ready_date: dt.date
    in_progress: bool = False


@dataclass
class PlannedOrder:
    id: int
    start: dt.date
    end: dt.date
    days: list[tuple[dt.date, Decimal]] = field(default_factory=list)


def plan_schedule(
    session: Session, orders: list[OrderToSchedule], capacity: dict[int, Decimal], today: dt.date
) -> list[PlannedOrder]:
    """The plan the scheduler (`erp.plan_schedule`) makes of these orders, without writing it: orders in
    progress keep the floor, the rest go by earliest due date; nothing starts before today or before its
    components are there; each day of a work centre gives at most its capacity."""
    payload = [
        {
            "id": o.id,
            "work_centre_id": o.work_centre_id,
            "remaining_hours": str(o.remaining_hours),
            "due_date": o.due_date.isoformat(),
            "ready_date": o.ready_date.isoformat(),
            "in_progress": o.in_progress,
        }
        for o in orders
    ]
    rows = session.execute(
        text(
            "SELECT production_order_id, day, hours"
            " FROM erp.plan_schedule(CAST(:orders AS jsonb), CAST(:capacity AS jsonb), :today)"
        ),
        {
            "orders": json.dumps(payload),
            "capacity": json.dumps({str(k): str(v) for k, v in capacity.items()}),
            "today": today,
        },
    ).all()
    days: dict[int, list[tuple[dt.date, Decimal]]] = {}
    for order_id, day, hours in rows:
        days.setdefault(order_id, []).append((day, hours))
    plan = []
    for order in orders:
        booked = sorted(days.get(order.id, []))
        first = max(today, order.ready_date)
        start, end = (booked[0][0], booked[-1][0]) if booked else (first, first)
        plan.append(PlannedOrder(order.id, start, end, booked))
    return plan


def schedule_production(session: Session, *, today: dt.date | None = None) -> Changes:
    """Plan every released and started order on its work centre and save the plan (`erp.schedule_production`)."""
    return step(session, "schedule_production", today)[1]


def release_production_orders(session: Session, mo_ids: Sequence[int]) -> Changes:
    """Release several planned orders together: all of them or, if one is refused, none."""
    changes = Changes()
    for mo_id in mo_ids:
        changes = changes | release_production_order(session, mo_id)
    return changes


@dataclass(frozen=True)
class Schedule:
    """What a scheduling run came to: how many orders are planned and the numbers of the late ones."""

    changes: Changes
    planned: int
    late: tuple[str, ...]


def schedule_and_report(session: Session) -> Schedule:
    """Schedule every order on the floor, then read what the plan looks like."""
    from server_db.production import queries as production_queries

    changes = schedule_production(session)
    rows = production_queries.production_orders(session, states=PRODUCTION_ORDER.group("on_the_floor"))
    return Schedule(changes, len(rows), tuple(row["number"] for row in rows if row["late"]))
