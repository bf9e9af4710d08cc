"""Finite-capacity scheduling, as pure logic."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from server_db.production.services import OrderToSchedule, plan_schedule

TODAY = dt.date(2026, 11, 25)


def order(id: int, hours: str, due: int, ready: int = 0, wc: int = 1, in_progress: bool = False) -> OrderToSchedule:
    return OrderToSchedule(
        id=id,
        work_centre_id=wc,
        remaining_hours=D(hours),
        due_date=TODAY + dt.timedelta(due),
        ready_date=TODAY + dt.timedelta(ready),
        in_progress=in_progress,
    )


def test_earliest_due_date_goes_first_and_capacity_is_never_exceeded() -> None:
    plan = {p.id: p for p in plan_schedule([order(1, "12", due=10), order(2, "6", due=3)], {1: D(8)}, TODAY)}
    assert plan[2].days == [(TODAY, D(6))]
    assert plan[1].days == [(TODAY, D(2)), (TODAY + dt.timedelta(1), D(8)), (TODAY + dt.timedelta(2), D(2))]
    assert (plan[1].start, plan[1].end) == (TODAY, TODAY + dt.timedelta(2))


def test_orders_in_progress_keep_the_floor() -> None:
    plan = {
        p.id: p for p in plan_schedule([order(1, "8", due=1), order(2, "8", due=9, in_progress=True)], {1: D(8)}, TODAY)
    }
    assert plan[2].start == TODAY
    assert plan[1].start == TODAY + dt.timedelta(1)


def test_nothing_starts_before_its_components_arrive() -> None:
    plan = plan_schedule([order(1, "4", due=1, ready=5)], {1: D(8)}, TODAY)
    assert plan[0].start == TODAY + dt.timedelta(5)


def test_work_centres_are_independent() -> None:
    plan = {
        p.id: p
        for p in plan_schedule([order(1, "8", due=1, wc=1), order(2, "8", due=1, wc=2)], {1: D(8), 2: D(8)}, TODAY)
    }
    assert plan[1].start == plan[2].start == TODAY


def test_orders_without_hours_take_no_capacity() -> None:
    plan = plan_schedule([order(1, "0", due=1), order(2, "8", due=2)], {1: D(8)}, TODAY)
    assert plan[0].days == [] and plan[0].start == TODAY
    assert plan[1].days == [(TODAY, D(8))]
