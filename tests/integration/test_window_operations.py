"""The operations a window runs as one step and the figures it tells the person afterwards: shipping with
the backorder left, receiving with what is still outstanding, sending and releasing several documents
together (all or none), scheduling with the late orders named."""

from __future__ import annotations

from decimal import Decimal

import pytest

from server_db.core.errors import DomainError
from server_db.production import queries as production_queries
from server_db.production import services as production
from server_db.purchasing import queries as purchasing_queries
from server_db.purchasing import services as purchasing
from server_db.warehouse import services as warehouse
from tests.factories import World


def drafts(world: World) -> list[dict]:
    world.db.run(purchasing.create_purchase_orders)
    return world.db.run(lambda s: purchasing_queries.purchase_orders(s, states=["draft"]))


def test_pick_and_ship_names_the_note_and_the_backorder(world: World) -> None:
    world.stock("BUY-A", 10)
    world.stock("BUY-B", 3)
    order = world.confirmed_order([("BUY-A", 10), ("BUY-B", 3)])
    lines = world.lines(order)
    part = world.db.run(warehouse.pick_and_ship, order, quantities={lines["BUY-A"]["line_id"]: 4})
    number = world.order_row(order)["number"]
    assert part.note_number.startswith("DN-") and part.order_number == number
    assert part.backorder == Decimal(6 + 3)  # BUY-B was not shipped either
    assert part.changes.id == part.note_id and part.note_id in part.changes.delivery_notes
    rest = world.db.run(warehouse.pick_and_ship, order)
    assert rest.backorder == 0 and rest.note_id != part.note_id
    assert world.state(order) == "shipped"


def test_receiving_says_what_is_outstanding_and_which_orders_became_ready(world: World) -> None:
    order = world.confirmed_order([("BUY-A", 8)])
    po = drafts(world)[0]
    assert world.db.run(purchasing_queries.receivable_orders) == []  # a draft waits for nothing yet
    world.db.run(purchasing.send_purchase_orders, [po["id"]])
    waiting = world.db.run(purchasing_queries.receivable_order, po["id"])
    assert waiting.header is not None and waiting.header["outstanding"] == 8
    assert [line["outstanding"] for line in waiting.lines] == [8]
    line = waiting.lines[0]["id"]
    first = world.db.run(purchasing.receive_goods, po["id"], quantities={line: 3})
    assert (first.number, first.outstanding, first.ready_orders) == (po["number"], 5, ())
    second = world.db.run(purchasing.receive_goods, po["id"])
    number = world.order_row(order)["number"]
    assert (second.outstanding, second.ready_orders) == (0, (number,))
    assert world.state(order) == "ready"
    # received in full: it leaves the warehouse's list and its detail says so
    assert world.db.run(purchasing_queries.receivable_orders, ids=[po["id"]]) == []
    assert world.db.run(purchasing_queries.receivable_order, po["id"]).header is None


def test_purchase_order_lines_carry_their_value(world: World) -> None:
    world.confirmed_order([("BUY-A", 5)])
    po = drafts(world)[0]
    lines = world.db.run(purchasing_queries.purchase_order_lines, po["id"])
    assert [line["value"] for line in lines] == [line["quantity"] * line["unit_cost"] for line in lines]
    assert sum(line["value"] for line in lines) == po["value"]


def test_sending_several_purchase_orders_is_all_or_nothing(world: World) -> None:
    world.confirmed_order([("BUY-A", 5)])
    first = drafts(world)[0]
    world.confirmed_order([("BUY-B", 2)])
    second = next(po for po in drafts(world) if po["id"] != first["id"])
    world.db.run(purchasing.send_purchase_order, second["id"])
    with pytest.raises(DomainError):
        world.db.run(purchasing.send_purchase_orders, [first["id"], second["id"]])  # the second is sent already
    assert world.db.run(purchasing_queries.purchase_orders, ids=[first["id"]])[0]["state"] == "draft"
    changes = world.db.run(purchasing.send_purchase_orders, [first["id"]])
    assert changes.purchase_orders == {first["id"]}
    assert [e.new_state for e in changes.became("purchase_order", "sent")] == ["sent"]


def made_orders(world: World, count: int) -> list[int]:
    world.stock("COMP-X", 100)
    for _ in range(count):
        world.confirmed_order([("MADE-Y", 2)], days=30)
    return [row["id"] for row in world.db.run(production_queries.production_orders, states=["planned"])]


def test_releasing_several_production_orders_is_all_or_nothing(world: World) -> None:
    first, second = made_orders(world, 2)
    world.db.run(production.release_production_orders, [second])
    with pytest.raises(DomainError):
        world.db.run(production.release_production_orders, [first, second])
    states = {r["id"]: r["state"] for r in world.db.run(production_queries.production_orders)}
    assert states == {first: "planned", second: "released"}
    changes = world.db.run(production.release_production_orders, [first])
    assert changes.production_orders >= {first}


def test_scheduling_reports_how_many_are_planned_and_which_are_late(world: World) -> None:
    world.stock("COMP-X", 100)
    on_time = world.confirmed_order([("MADE-Y", 1)], days=30)
    late = world.confirmed_order([("MADE-Y", 20)], days=1)  # 40 hours at 8 a day cannot be done by tomorrow
    planned = [row["id"] for row in world.db.run(production_queries.production_orders, states=["planned"])]
    nothing = world.db.run(production.schedule_and_report)
    assert (nothing.planned, nothing.late) == (0, ())
    world.db.run(production.release_production_orders, planned)
    schedule = world.db.run(production.schedule_and_report)
    numbers = {r["sales_order_id"]: r["number"] for r in world.db.run(production_queries.production_orders)}
    assert schedule.planned == 2
    assert schedule.late == (numbers[late],) and numbers[on_time] not in schedule.late
    assert schedule.changes.production_orders == set(planned)
