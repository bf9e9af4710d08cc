"""Order entry and confirmation as sales sees them."""

from __future__ import annotations

import datetime as dt

import pytest

from server_db.core.errors import ConcurrentChange, CreditLimitExceeded, InvalidTransition, ValidationError
from server_db.sales import queries as sales_queries
from server_db.sales import services as sales
from server_db.sales.services import HeaderInput, LineInput
from server_db.supervisor import board as board_queries
from tests.factories import World


def test_a_draft_is_edited_and_a_concurrent_edit_is_refused(world: World) -> None:
    db = world.db
    order = world.order([("BUY-A", 1)])
    version = world.order_row(order)["version"]
    db.run(
        sales.update_order,
        order,
        expected_version=version,
        lines=[LineInput("BUY-A", 3), LineInput("buy b", 2, unit_price="25", discount_pct="10")],
    )
    lines = world.lines(order)
    assert (lines["BUY-A"]["ordered"], lines["BUY-B"]["ordered"], lines["BUY-B"]["net_amount"]) == (3, 2, 45)
    with pytest.raises(ConcurrentChange, match="changed by someone else"):
        db.run(sales.update_order, order, expected_version=version, header=HeaderInput(customer="CN", notes="mine"))
    assert world.order_row(order)["version"] == version + 1


def test_confirm_refuses_a_stale_view(world: World) -> None:
    order = world.order([("BUY-A", 1)])
    version = world.order_row(order)["version"]
    world.db.run(sales.update_order, order, expected_version=version, header=HeaderInput(customer="CN", notes="x"))
    with pytest.raises(ConcurrentChange, match="reload it"):
        world.db.run(sales.confirm_order, order, expected_version=version)
    world.db.run(sales.confirm_order, order, expected_version=version + 1)


def test_credit_limit_is_checked_on_confirmation(world: World) -> None:
    world.stock("BUY-A", 200)
    first = world.confirmed_order([("BUY-A", 80)], customer="LIMIT")  # 904.00 of 1,000.00
    second = world.order([("BUY-A", 10)], customer="LIMIT")  # 113.00 more
    with pytest.raises(CreditLimitExceeded, match="over its credit limit of 1,000.00: 904.00 is already open"):
        world.db.run(sales.confirm_order, second)
    assert world.state(second) == "draft"
    world.db.run(sales.cancel_order, first, reason="replaced")
    world.db.run(sales.confirm_order, second)


def test_an_empty_order_cannot_be_confirmed_and_drafts_can_be_deleted(world: World) -> None:
    order = world.order([])
    with pytest.raises(ValidationError, match="no lines"):
        world.db.run(sales.confirm_order, order)
    world.db.run(sales.delete_draft, order, expected_version=world.order_row(order)["version"])
    assert world.count("sales_orders") == 0


def test_a_date_that_cannot_be_met_makes_the_order_late_at_once(world: World) -> None:
    world.stock("COMP-X", 100)
    order = world.confirmed_order([("MADE-Y", 20)], days=1)  # 40 hours of work at 8 a day
    row = world.order_row(order)
    assert row["late"] and row["estimated_ship_date"] > row["promised_date"]
    assert world.db.run(board_queries.kpis)["late_orders"] == 1
    on_time = world.confirmed_order([("MADE-Y", 1)], days=30)
    assert not world.order_row(on_time)["late"]


def test_availability_for_order_entry(world: World) -> None:
    world.stock("BUY-A", 5)
    rows = world.db.run(
        lambda s: sales_queries.availability(
            s, [(world.products["BUY-A"], 3), (world.products["BUY-A"], 4), (world.products["BUY-B"], 1)]
        )
    )
    assert (rows[0].available, rows[0].ship_date) == (5, world.today)
    assert rows[1].ship_date == world.today + dt.timedelta(days=5)  # the first line took three of five
    assert rows[2].ship_date == world.today + dt.timedelta(days=10)  # BUY-B's own lead time


def test_cancelled_and_closed_orders_stay_put(world: World) -> None:
    order = world.confirmed_order([("BUY-A", 1)])
    world.db.run(sales.cancel_order, order, reason="changed mind")
    with pytest.raises(InvalidTransition, match="cancelled"):
        world.db.run(sales.cancel_order, order, reason="again")
    with pytest.raises(InvalidTransition):
        world.db.run(sales.confirm_order, order)
