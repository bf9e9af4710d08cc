"""A stock count sets on hand to what was counted: the first stock of a product is an 'initial' move, later
differences are adjustments with the reason; stock that turns up goes to waiting orders."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text

from server_db.core.errors import DomainError, ValidationError
from server_db.stock.services import count_stock
from tests.clerks import Clerk
from tests.factories import World


def moves(world: World, sku: str) -> list[tuple[str, Decimal, str]]:
    return world.db.run(
        lambda s: [
            tuple(r)
            for r in s.execute(
                text("SELECT kind, quantity, reason FROM erp.stock_moves WHERE product_id = :p ORDER BY id"),
                {"p": world.products[sku]},
            )
        ]
    )


def test_first_count_is_initial_then_adjustments(world: World) -> None:
    world.db.run(count_stock, "main", [("BUY-A", 12), ("COMP-X", "0")], "Opening stock")
    assert world.level("BUY-A") == (12, 0) and world.level("COMP-X") == (0, 0)
    world.db.run(count_stock, "MAIN", [("buy-a", "10.5")], "Stocktaking 2026")
    assert world.level("BUY-A")[0] == Decimal("10.5")
    assert moves(world, "BUY-A") == [
        ("initial", Decimal("12.000"), "Opening stock"),
        ("adjustment", Decimal("-1.500"), "Stocktaking 2026"),
    ]
    assert moves(world, "COMP-X") == []  # nothing to book
    assert world.invariants() == []


def test_count_below_reserved_is_refused_naming_the_line(world: World) -> None:
    world.stock("BUY-A", 10)
    world.confirmed_order([("BUY-A", 6)])
    with pytest.raises(DomainError, match="6 pcs of BUY-A are reserved") as refused:
        world.db.run(count_stock, "MAIN", [("BUY-B", 1), ("BUY-A", 5)], "Stocktaking")
    assert refused.value.field == "lines[2].counted"
    assert world.level("BUY-A") == (10, 6)


def test_counted_stock_goes_to_waiting_orders(world: World) -> None:
    order = world.confirmed_order([("BUY-A", 4)])
    assert world.lines(order)["BUY-A"]["reserved"] == 0
    world.db.run(count_stock, "MAIN", [("BUY-A", 9)], "Found in the back room")
    assert world.level("BUY-A") == (9, 4)


def test_bad_input_names_the_line(world: World) -> None:
    with pytest.raises(ValidationError, match="Line 2: there is no product NOPE"):
        world.db.run(count_stock, "MAIN", [("BUY-A", 1), ("NOPE", 1)], "x")
    with pytest.raises(ValidationError) as negative:
        world.db.run(count_stock, "MAIN", [("BUY-A", -1)], "x")
    assert negative.value.field == "lines[1].counted"
    with pytest.raises(DomainError, match="Say why"):
        world.db.run(count_stock, "MAIN", [("BUY-A", 1)], " ")


def test_only_the_warehouse_counts_stock(world: World, clerks: dict[str, Clerk]) -> None:
    product, warehouse = (
        world.products["BUY-A"],
        world.db.run(lambda s: s.execute(text("SELECT id FROM erp.warehouses")).scalar()),
    )
    lines = f'[{{"product_id": {product}, "counted": 3}}]'
    clerks["sales"].refused("SELECT erp.count_stock(%s, %s::jsonb, 'x')", warehouse, lines)
    clerks["warehouse"].sql("SELECT erp.count_stock(%s, %s::jsonb, 'count')", warehouse, lines)
    assert world.level("BUY-A")[0] == 3
