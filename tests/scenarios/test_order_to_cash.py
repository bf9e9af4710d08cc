"""Orders told as stories, from entry to payment, checking what each department sees at each step."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from server_db.core.errors import InsufficientStock, ValidationError
from server_db.finance import queries as finance_queries
from server_db.finance import services as finance
from server_db.production import queries as production_queries
from server_db.production import services as production
from server_db.purchasing import queries as purchasing_queries
from server_db.purchasing import services as purchasing
from server_db.sales import queries as sales_queries
from server_db.sales import services as sales
from server_db.supervisor import board as board_queries
from server_db.warehouse import queries as warehouse_queries
from server_db.warehouse import services as warehouse
from tests.factories import World


def in_queue(rows: list[dict], order_id: int) -> bool:
    return any(row["id"] == order_id for row in rows)


def test_bought_item_short_in_stock_goes_from_entry_to_payment(world: World) -> None:
    db = world.db
    world.stock("BUY-A", 6)

    # Sales enters the order; nobody else has anything to do yet.
    order = world.order([("BUY-A", 10)])
    assert world.state(order) == "draft"
    assert not in_queue(db.run(warehouse_queries.pick_queue), order)
    assert db.run(purchasing_queries.purchase_requests) == []

    # Sales confirms: six are reserved, four are requested from the supplier.
    db.run(sales.confirm_order, order)
    assert world.state(order) == "in_fulfilment"
    line = world.lines(order)["BUY-A"]
    assert (line["ordered"], line["reserved"], line["to_purchase"]) == (10, 6, 4)
    assert world.level("BUY-A") == (6, 6)
    requests = db.run(purchasing_queries.purchase_requests)
    assert [(r["sku"], r["quantity"], r["supplier_code"], r["sales_order_id"]) for r in requests] == [
        ("BUY-A", 4, "SUP", order)
    ]
    assert in_queue(db.run(warehouse_queries.pick_queue), order)  # the warehouse could ship the six already
    assert db.run(lambda s: board_queries.board_rows(s, ids=[order]))[0]["state"] == "in_fulfilment"

    # Purchasing orders the four, the goods arrive and are reserved for the order.
    po = db.run(purchasing.create_purchase_orders).id
    assert db.run(purchasing_queries.purchase_requests) == []  # nothing left open
    db.run(purchasing.send_purchase_order, po)
    assert db.run(lambda s: purchasing_queries.purchase_orders(s, ids=[po]))[0]["state"] == "sent"
    db.run(purchasing.receive_purchase_order, po)
    assert world.state(order) == "ready"
    assert world.lines(order)["BUY-A"]["reserved"] == 10
    assert db.run(lambda s: purchasing_queries.purchase_requests(s, states=["received"]))[0]["sales_order_id"] == order

    # The warehouse ships everything; finance sees it to invoice.
    note = world.ship_all(order)
    assert world.state(order) == "shipped"
    assert world.level("BUY-A") == (0, 0)
    assert db.run(lambda s: warehouse_queries.delivery_notes(s, ids=[note]))[0]["state"] == "shipped"
    assert not in_queue(db.run(warehouse_queries.pick_queue), order)
    assert in_queue(db.run(finance_queries.to_invoice_queue), order)

    # Finance invoices and is paid; the order closes and leaves the board.
    invoice = world.invoice(order)
    row = db.run(lambda s: finance_queries.invoices(s, ids=[invoice]))[0]
    assert row["number"].startswith(f"INV-{world.today.year}-")
    assert row["gross_total"] == Decimal("113.00")  # 10 x 10.00 + 13 % tax
    assert world.state(order) == "invoiced"
    assert not in_queue(db.run(finance_queries.to_invoice_queue), order)
    assert db.run(finance_queries.receivables_ageing)[0]["total"] == Decimal("113.00")
    db.run(finance.record_payment, invoice, amount="113.00")
    assert world.state(order) == "closed"
    assert not in_queue(db.run(board_queries.board_rows), order)
    assert db.run(finance_queries.receivables_ageing) == []
    steps = [
        e.new_state
        for e in db.run(sales_queries.order_timeline, order)
        if e.document_type == "sales_order" and e.state_changed
    ]
    assert steps == ["confirmed", "in_fulfilment", "ready", "shipped", "invoiced", "paid", "closed"]
    assert world.invariants() == []


def test_made_item_with_short_component_is_purchased_produced_and_shipped(world: World) -> None:
    db = world.db
    world.stock("COMP-X", 3)  # five pumps need ten

    order = world.order([("MADE-Y", 5)], days=30)
    db.run(sales.confirm_order, order)
    assert world.state(order) == "confirmed"
    line = world.lines(order)["MADE-Y"]
    assert (line["reserved"], line["to_produce"], line["to_purchase"]) == (0, 5, 0)

    mo = db.run(lambda s: production_queries.production_orders(s))[0]
    assert (mo["state"], mo["quantity"], mo["order_number"]) == ("planned", 5, world.order_row(order)["number"])
    assert mo["components_missing"] == "7 pcs of COMP-X"
    requests = db.run(purchasing_queries.purchase_requests)
    assert [(r["sku"], r["quantity"]) for r in requests] == [("COMP-X", 7)]
    assert world.level("COMP-X") == (3, 3)  # what there is, is held for the production order

    # Production releases it but cannot start without the components.
    db.run(production.release_production_order, mo["id"])
    assert world.state(order) == "in_fulfilment"
    with pytest.raises(InsufficientStock, match="cannot start: 7 pcs of COMP-X still missing"):
        db.run(production.report_progress, mo["id"], 10)

    # Purchasing brings the components; they go to the production order.
    world.purchase_and_receive_all()
    assert db.run(lambda s: production_queries.production_orders(s, ids=[mo["id"]]))[0]["components_missing"] is None
    db.run(production.schedule_production)
    scheduled = db.run(lambda s: production_queries.production_orders(s, ids=[mo["id"]]))[0]
    assert scheduled["planned_start"] == world.today
    assert scheduled["planned_end"] == world.today + dt.timedelta(days=1)  # 10 h at 8 h/day
    load = db.run(lambda s: production_queries.work_centre_load(s, days=2))
    assert [row["load"] for row in load] == [Decimal("8.00"), Decimal("2.00")]

    db.run(production.report_progress, mo["id"], 50)
    assert db.run(lambda s: production_queries.production_orders(s, ids=[mo["id"]]))[0]["state"] == "in_progress"
    db.run(production.complete_production_order, mo["id"])
    assert world.level("COMP-X") == (0, 0)  # consumed
    assert world.level("MADE-Y") == (5, 5)  # made and held for the order
    assert world.state(order) == "ready"

    world.ship_all(order)
    invoice = world.invoice(order)
    db.run(finance.record_payment, invoice, amount="565.00")
    assert world.state(order) == "closed"
    assert world.invariants() == []


def test_partial_shipment_leaves_a_backorder_that_ships_when_goods_arrive(world: World) -> None:
    db = world.db
    world.stock("BUY-A", 4)
    order = world.confirmed_order([("BUY-A", 10)])
    line_id = world.lines(order)["BUY-A"]["line_id"]

    with pytest.raises(InsufficientStock, match="4 pcs are reserved and not yet picked; 5 cannot be picked"):
        db.run(warehouse.ship_order, order, quantities={line_id: 5})
    db.run(warehouse.ship_order, order, quantities={line_id: 4})
    assert world.state(order) == "partially_shipped"
    line = world.lines(order)["BUY-A"]
    assert (line["shipped"], line["backorder"], line["reserved"], line["to_purchase"]) == (4, 6, 0, 6)

    # finance can invoice what has left already
    first = world.invoice(order)
    assert db.run(lambda s: finance_queries.invoices(s, ids=[first]))[0]["net_total"] == Decimal("40.00")
    assert world.state(order) == "partially_shipped"

    world.purchase_and_receive_all()
    assert in_queue(db.run(warehouse_queries.pick_queue), order)
    world.ship_all(order)
    assert world.state(order) == "shipped"
    second = world.invoice(order)
    assert world.state(order) == "invoiced"
    for invoice in (first, second):
        total = db.run(lambda s, i=invoice: finance_queries.invoices(s, ids=[i]))[0]["gross_total"]
        db.run(finance.record_payment, invoice, amount=total)
    assert world.state(order) == "closed"
    assert world.count("delivery_notes", "state = 'shipped'") == 2
    assert world.invariants() == []


def test_partial_payments_age_and_settle_the_invoice(world: World) -> None:
    db = world.db
    world.stock("BUY-A", 10)
    order = world.confirmed_order([("BUY-A", 10)])
    world.ship_all(order)
    invoice = world.invoice(order)

    db.run(finance.record_payment, invoice, amount="50")
    row = db.run(lambda s: finance_queries.invoices(s, ids=[invoice]))[0]
    assert (row["state"], row["amount_paid"], row["open_amount"]) == ("partially_paid", 50, Decimal("63.00"))
    assert world.state(order) == "invoiced"
    ageing = db.run(finance_queries.receivables_ageing)
    assert (ageing[0]["code"], ageing[0]["current"], ageing[0]["total"]) == ("CN", Decimal("63.00"), Decimal("63.00"))
    # forty days later the balance has moved to the 1-30 bucket (terms are 30 days)
    later = db.run(lambda s: finance_queries.receivables_ageing(s, today=world.today + dt.timedelta(40)))
    assert later[0]["days_1_30"] == Decimal("63.00")

    with pytest.raises(ValidationError, match="more than the 63.00 still open"):
        db.run(finance.record_payment, invoice, amount="63.01")
    db.run(finance.record_payment, invoice, amount="63.00", method="cash", reference="收据 0001")
    assert db.run(lambda s: finance_queries.invoices(s, ids=[invoice]))[0]["state"] == "paid"
    assert world.state(order) == "closed"
    assert world.invariants() == []


def test_cancelling_releases_everything_the_order_held(world: World) -> None:
    db = world.db
    world.stock("BUY-A", 6)
    world.stock("COMP-X", 4)
    order = world.confirmed_order([("BUY-A", 10), ("MADE-Y", 3)])
    waiting = world.confirmed_order([("BUY-A", 5)], days=20)  # nothing left for this one
    assert world.lines(waiting)["BUY-A"]["reserved"] == 0
    assert world.level("COMP-X") == (4, 4)
    assert world.count("production_orders", "state = 'planned'") == 1

    with pytest.raises(ValidationError, match="Say why"):
        db.run(sales.cancel_order, order, reason="  ")
    db.run(sales.cancel_order, order, reason="客户取消")

    assert world.state(order) == "cancelled"
    assert world.count("purchase_requests", "state = 'cancelled'") == 2  # 4 BUY-A and 2 COMP-X
    assert world.count("production_orders", "state = 'cancelled'") == 1
    assert world.level("COMP-X") == (4, 0)
    # the six BUY-A it held go to the order that was waiting
    assert world.lines(waiting)["BUY-A"]["reserved"] == 5
    assert world.state(waiting) == "ready"
    assert world.level("BUY-A") == (6, 5)
    assert world.order_row(order)["state"] == "cancelled"
    assert world.invariants() == []


def test_a_cancelled_purchase_order_does_not_reopen_requests_of_a_cancelled_order(world: World) -> None:
    db = world.db
    kept = world.confirmed_order([("BUY-A", 3)])
    dropped = world.confirmed_order([("BUY-A", 4)])
    po = db.run(purchasing.create_purchase_orders).id
    db.run(purchasing.send_purchase_order, po)
    db.run(sales.cancel_order, dropped, reason="客户取消")  # its 4 are on order already

    db.run(purchasing.cancel_purchase_order, po)

    # only the order still waiting needs the goods bought again
    assert [(r["sales_order_id"], r["quantity"]) for r in db.run(purchasing_queries.purchase_requests)] == [(kept, 3)]
    assert world.count("purchase_requests", "state = 'cancelled'") == 1
    assert world.invariants() == []
