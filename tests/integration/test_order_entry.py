"""What order entry asks the database while a clerk types, and its Save: the line money is SQL's
(`erp.line_net`, `erp.line_tax`), the estimate is the latest line's ship date, and a save with confirmation is
one transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from server_db.core.errors import ConcurrentChange, CreditLimitExceeded, NotFound, ValidationError
from server_db.masterdata import services as masterdata
from server_db.sales import queries as sales_queries
from server_db.sales import services as sales
from server_db.sales.services import HeaderInput, LineInput
from tests.factories import World


def test_the_preview_prices_each_line_as_the_saved_order_will_be_priced(world: World) -> None:
    a, b = world.products["BUY-A"], world.products["BUY-B"]
    answer = world.db.run(
        sales_queries.availability,
        [(a, Decimal("3"), None, ""), (b, Decimal("2.5"), "19.99", "12.5"), (a, Decimal("1"), "1,000.01", "0")],
    )
    # BUY-A's list price 10, tax 13 %; round(2.5 * 19.99 * 87.5 / 100, 2) = 43.73 (SQL rounds half away from 0)
    assert [(line.unit_price, line.net, line.tax) for line in answer] == [
        (Decimal("10.00"), Decimal("30.00"), Decimal("3.90")),
        (Decimal("19.99"), Decimal("43.73"), Decimal("5.68")),
        (Decimal("1000.01"), Decimal("1000.01"), Decimal("130.00")),
    ]
    assert answer.net_total == Decimal("1073.74") and answer.tax_total == Decimal("139.58")
    assert answer.gross_total == Decimal("1213.32")
    # the same lines saved: the database's order total agrees to the cent
    order = world.db.run(
        sales.create_order,
        customer="CN",
        lines=[
            LineInput("BUY-A", 3),
            LineInput("BUY-B", "2.5", unit_price="19.99", discount_pct="12.5"),
            LineInput("BUY-A", 1, unit_price="1000.01"),
        ],
    ).id
    assert order is not None
    row = world.order_row(order)
    assert (row["net_total"], row["gross_total"]) == (answer.net_total, answer.gross_total)


def test_a_price_or_discount_that_is_not_a_number_gets_no_net_and_no_error(world: World) -> None:
    a = world.products["BUY-A"]
    typed = ["abc", "NaN", "Infinity", "1e400", "-5", "1.234"]
    answer = world.db.run(
        sales_queries.availability,
        [(a, Decimal(1), price, "") for price in typed] + [(a, Decimal(1), "10", "101"), (a, Decimal(2), "10", "")],
    )
    assert [line.net for line in answer] == [None] * 7 + [Decimal("20.00")]
    assert answer.net_total == Decimal("20.00")  # only what could be priced
    assert all(line.ship_date is not None for line in answer)  # availability is answered regardless


def test_the_estimate_is_the_latest_line_and_says_when_it_misses_the_requested_date(world: World) -> None:
    world.stock("BUY-A", 5)
    lines = [(world.products["BUY-A"], 2), (world.products["BUY-B"], 1)]  # BUY-B: 10 days' lead time
    answer = world.db.run(sales_queries.availability, lines, requested_date=world.today + dt.timedelta(days=3))
    assert [line.ship_date for line in answer] == [world.today, world.today + dt.timedelta(days=10)]
    assert answer.ship_date == world.today + dt.timedelta(days=10)
    assert answer.later_than_requested
    assert [line.short for line in answer] == [False, True]
    relaxed = world.db.run(sales_queries.availability, lines, requested_date=world.today + dt.timedelta(days=30))
    assert not relaxed.later_than_requested
    assert not world.db.run(sales_queries.availability, lines).later_than_requested  # no date asked for
    empty = world.db.run(sales_queries.availability, [])
    assert (len(empty), empty.ship_date, empty.net_total) == (0, None, 0)


def test_saving_a_new_order_with_confirmation_is_one_step(world: World) -> None:
    world.stock("BUY-A", 10)
    saved = world.db.run(
        sales.save_order, None, header=HeaderInput(customer="CN"), lines=[LineInput("BUY-A", 4)], confirm=True
    )
    assert world.state(saved.order_id) == "ready"
    assert saved.version == world.order_row(saved.order_id)["version"]
    assert saved.changes.id == saved.order_id
    # what changed includes the confirmation, which the windows refresh from
    assert {e.new_state for e in saved.changes.events if e.document_type == "sales_order"} >= {"draft", "ready"}


def test_saving_edits_needs_the_version_read_and_a_refused_confirmation_saves_nothing(world: World) -> None:
    order = world.order([("BUY-A", 1)], customer="LIMIT")  # credit limit 1,000
    version = world.order_row(order)["version"]
    saved = world.db.run(
        sales.save_order,
        order,
        header=HeaderInput(customer="LIMIT", notes="call first"),
        lines=[LineInput("BUY-A", 2)],
        expected_version=version,
    )
    assert (saved.order_id, saved.version) == (order, version + 1)
    with pytest.raises(ConcurrentChange):
        world.db.run(sales.save_order, order, header=HeaderInput(customer="LIMIT"), lines=[], expected_version=version)
    with pytest.raises(ValidationError, match="version"):
        world.db.run(sales.save_order, order, header=HeaderInput(customer="LIMIT"), lines=[])
    with pytest.raises(CreditLimitExceeded):
        world.db.run(
            sales.save_order,
            order,
            header=HeaderInput(customer="LIMIT"),
            lines=[LineInput("BUY-A", 200)],
            expected_version=saved.version,
            confirm=True,
        )
    assert world.lines(order)["BUY-A"]["ordered"] == 2 and world.state(order) == "draft"


def test_order_entry_offers_only_active_customers_and_products_and_reads_a_draft(world: World) -> None:
    world.db.run(
        masterdata.create_product,
        sku="OLD-1",
        name="No longer sold",
        procurement="buy",
        default_supplier="SUP",
        active=False,
    )
    order = world.order([("BUY-A", 2)])
    entry = world.db.run(sales_queries.order_entry, order)
    assert entry.header is not None and entry.header["id"] == order
    assert [line["sku"] for line in entry.lines] == ["BUY-A"]
    assert all(c["active"] for c in entry.customers) and all(p["active"] for p in entry.products)
    assert {"CN", "LIMIT"} <= {c["code"] for c in entry.customers}
    assert "OLD-1" not in {p["sku"] for p in entry.products} and "BUY-A" in {p["sku"] for p in entry.products}
    fresh = world.db.run(sales_queries.order_entry, None)
    assert fresh.header is None and fresh.lines == []


def test_an_order_is_found_by_the_number_as_typed(world: World) -> None:
    order = world.order([("BUY-A", 1)])
    number = world.order_row(order)["number"]
    assert world.db.run(sales_queries.find_order, f"  {number.lower()} ") == (order, number)
    with pytest.raises(NotFound, match="no sales order SO-1999-99999"):
        world.db.run(sales_queries.find_order, "so-1999-99999")
    with pytest.raises(ValidationError, match="Type an order number"):
        world.db.run(sales_queries.find_order, "   ")


def test_the_detail_of_an_order_has_its_lines_and_its_story(world: World) -> None:
    world.stock("BUY-A", 3)
    order = world.confirmed_order([("BUY-A", 3)])
    detail = world.db.run(sales_queries.order_detail, order)
    assert detail.header is not None and detail.header["state"] == "ready"
    assert [line["sku"] for line in detail.lines] == ["BUY-A"]
    assert [e.new_state for e in detail.timeline if e.state_changed][-1] == "ready"
    with_lines = world.db.run(sales_queries.order_with_lines, order)
    assert with_lines.header == detail.header and with_lines.lines == detail.lines
