"""Production: release, schedule on work centres with finite daily capacity, report progress, complete.

Scheduling is plain Python over what the database says (`plan_schedule` is pure and unit-tested); the
result is written back in one call, which also marks late orders and, with them, their sales orders.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server_db.core import validation
from server_db.core.calls import as_json, current_date, step
from server_db.core.changes import Changes


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


def plan_schedule(orders: list[OrderToSchedule], capacity: dict[int, Decimal], today: dt.date) -> list[PlannedOrder]:
    """Finite-capacity forward scheduling. Orders already in progress keep the floor; the rest go by
    earliest due date. Nothing starts before today or before its components are available. Each day of a
    work centre gives at most its capacity; an order fills the free hours day by day."""
    used: dict[tuple[int, dt.date], Decimal] = defaultdict(Decimal)
    plan = []
    for order in sorted(orders, key=lambda o: (not o.in_progress, o.due_date, o.id)):
        day = max(today, order.ready_date)
        remaining = order.remaining_hours
        cap = capacity[order.work_centre_id]
        planned = PlannedOrder(order.id, day, day)
        while remaining > 0:
            free = cap - used[(order.work_centre_id, day)]
            if free > 0:
                take = min(free, remaining)
                used[(order.work_centre_id, day)] += take
                planned.days.append((day, take))
                remaining -= take
            if remaining > 0:
                day += dt.timedelta(days=1)
        if planned.days:
            planned.start, planned.end = planned.days[0][0], planned.days[-1][0]
        plan.append(planned)
    return plan


def schedule_production(session: Session, *, today: dt.date | None = None) -> Changes:
    """Plan every released and started order on its work centre and save the plan."""
    today = today or current_date(session)
    rows = session.execute(
        text("""
        SELECT m.id, m.work_centre_id, m.remaining_hours, m.due_date, m.state = 'in_progress',
               coalesce((SELECT max(CASE
                            WHEN c.quantity - c.qty_consumed <= coalesce(r.quantity, 0) THEN CAST(:today AS date)
                            ELSE coalesce(
                                (SELECT min(po.expected_date) FROM erp.purchase_order_lines pol
                                   JOIN erp.purchase_orders po ON po.id = pol.order_id
                                  WHERE pol.product_id = c.product_id AND po.state IN ('sent', 'partially_received')
                                    AND pol.qty_received < pol.quantity),
                                (SELECT max(cm.planned_end) + 1 FROM erp.production_orders cm
                                  WHERE cm.parent_component_id = c.id
                                    AND cm.state IN ('planned', 'released', 'in_progress')),
                                CAST(:today AS date) + erp.buy_lead_time(c.product_id))
                          END)
                   FROM erp.production_components c
                   LEFT JOIN erp.reservations r ON r.production_component_id = c.id
                  WHERE c.production_order_id = m.id), CAST(:today AS date)) AS ready
          FROM erp.production_orders m
         WHERE m.state IN ('released', 'in_progress')
    """),
        {"today": today},
    ).all()
    capacity = {
        wc: cap for wc, cap in session.execute(text("SELECT id, daily_capacity_hours FROM erp.work_centres")).all()
    }
    orders = [
        OrderToSchedule(
            id=r[0], work_centre_id=r[1], remaining_hours=r[2], due_date=r[3], in_progress=r[4], ready_date=r[5]
        )
        for r in rows
    ]
    plan = plan_schedule(orders, capacity, today)
    payload = [
        {
            "id": p.id,
            "start": p.start.isoformat(),
            "end": p.end.isoformat(),
            "days": [[d.isoformat(), str(h)] for d, h in p.days],
        }
        for p in plan
    ]
    return step(session, "apply_production_schedule", as_json(payload))[1]
