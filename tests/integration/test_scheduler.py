"""Finite-capacity scheduling: the database's one scheduler (erp.plan_schedule), and the closed-form estimate a
confirmation promises from (erp._planned_end), which must agree with it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from server_db.core.db import Database
from server_db.production import services as production
from server_db.production.services import OrderToSchedule, PlannedOrder

TODAY = dt.date(2026, 11, 25)

Plan = Callable[[list[OrderToSchedule], dict[int, D], dt.date], list[PlannedOrder]]


@pytest.fixture
def plan_schedule(db: Database) -> Plan:
    return lambda orders, capacity, today: db.run(production.plan_schedule, orders, capacity, today)


def order(id: int, hours: str, due: int, ready: int = 0, wc: int = 1, in_progress: bool = False) -> OrderToSchedule:
    return OrderToSchedule(
        id=id,
        work_centre_id=wc,
        remaining_hours=D(hours),
        due_date=TODAY + dt.timedelta(due),
        ready_date=TODAY + dt.timedelta(ready),
        in_progress=in_progress,
    )


def test_earliest_due_date_goes_first_and_capacity_is_never_exceeded(plan_schedule: Plan) -> None:
    plan = {p.id: p for p in plan_schedule([order(1, "12", due=10), order(2, "6", due=3)], {1: D(8)}, TODAY)}
    assert plan[2].days == [(TODAY, D(6))]
    assert plan[1].days == [(TODAY, D(2)), (TODAY + dt.timedelta(1), D(8)), (TODAY + dt.timedelta(2), D(2))]
    assert (plan[1].start, plan[1].end) == (TODAY, TODAY + dt.timedelta(2))


def test_orders_in_progress_keep_the_floor(plan_schedule: Plan) -> None:
    plan = {
        p.id: p for p in plan_schedule([order(1, "8", due=1), order(2, "8", due=9, in_progress=True)], {1: D(8)}, TODAY)
    }
    assert plan[2].start == TODAY
    assert plan[1].start == TODAY + dt.timedelta(1)


def test_nothing_starts_before_its_components_arrive(plan_schedule: Plan) -> None:
    plan = plan_schedule([order(1, "4", due=1, ready=5)], {1: D(8)}, TODAY)
    assert plan[0].start == TODAY + dt.timedelta(5)


def test_work_centres_are_independent(plan_schedule: Plan) -> None:
    plan = {
        p.id: p
        for p in plan_schedule([order(1, "8", due=1, wc=1), order(2, "8", due=1, wc=2)], {1: D(8), 2: D(8)}, TODAY)
    }
    assert plan[1].start == plan[2].start == TODAY


def test_orders_without_hours_take_no_capacity(plan_schedule: Plan) -> None:
    plan = plan_schedule([order(1, "0", due=1), order(2, "8", due=2)], {1: D(8)}, TODAY)
    assert plan[0].days == [] and plan[0].start == TODAY
    assert plan[1].days == [(TODAY, D(8))]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    hours=st.decimals(min_value="0.01", max_value="200", places=2),
    backlog=st.decimals(min_value="0", max_value="300", places=2),
    capacity=st.decimals(min_value="0.5", max_value="24", places=2),
    start_in=st.integers(min_value=0, max_value=30),
)
def test_the_estimate_at_confirmation_is_what_the_scheduler_gives(
    db: Database, hours: D, backlog: D, capacity: D, start_in: int
) -> None:
    """A new order placed after everything open on its work centre ends where erp._planned_end says."""
    today = db.run(lambda s: s.execute(text("SELECT current_date")).scalar_one())
    start = today + dt.timedelta(start_in)
    open_work = OrderToSchedule(1, 1, backlog, today, today, in_progress=True)
    new = OrderToSchedule(2, 1, hours, today + dt.timedelta(3650), start)
    planned = {p.id: p for p in db.run(production.plan_schedule, [open_work, new], {1: capacity}, today)}
    estimate = db.run(
        lambda s: s.execute(
            text("SELECT erp._planned_end(:start, :hours, :backlog, :capacity)"),
            {"start": start, "hours": hours, "backlog": backlog, "capacity": capacity},
        ).scalar_one()
    )
    assert estimate == planned[2].end
