"""Bad input for every service: a sentence a clerk can read, and the database exactly as it was."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from server_db.core.errors import DomainError
from server_db.finance import services as finance
from server_db.masterdata import services as masterdata
from server_db.production import services as production
from server_db.purchasing import services as purchasing
from server_db.sales import services as sales
from server_db.sales.services import LineInput
from server_db.warehouse import services as warehouse
from tests.factories import World

YESTERDAY = dt.date.today() - dt.timedelta(days=2)


def fingerprint(world: World) -> tuple:
    """Every write leaves an audit row or an event, so equal counts mean nothing was written."""
    return world.db.run(
        lambda s: s.execute(
            text(
                "SELECT (SELECT count(*) FROM erp.audit_log), (SELECT count(*) FROM erp.order_events), "
                "(SELECT coalesce(sum(on_hand), 0) FROM erp.stock_levels)"
            )
        ).one()
    )


@pytest.fixture
def story(world: World) -> dict:
    """One of everything to point bad input at."""
    world.stock("BUY-A", 5)
    draft = world.order([("BUY-A", 1)])
    confirmed = world.confirmed_order([("BUY-A", 2), ("MADE-Y", 1)])
    shipped = world.confirmed_order([("BUY-A", 3)])
    note = world.ship_all(shipped)
    invoice = world.invoice(shipped)
    po = world.db.run(purchasing.create_purchase_orders).id
    mo = world.db.run(lambda s: s.execute(text("SELECT min(id) FROM erp.production_orders")).scalar_one())
    return dict(
        world=world, draft=draft, confirmed=confirmed, shipped=shipped, note=note, invoice=invoice, po=po, mo=mo
    )


def cases(s: dict) -> list[tuple[str, object]]:
    w: World = s["world"]
    version = w.order_row(s["draft"])["version"]
    return [
        ("unknown customer", lambda db: sales.create_order(db, customer="NOPE", lines=[LineInput("BUY-A", 1)])),
        ("unknown product", lambda db: sales.create_order(db, customer="CN", lines=[LineInput("NOPE-1", 1)])),
        ("zero quantity", lambda db: sales.create_order(db, customer="CN", lines=[LineInput("BUY-A", 0)])),
        ("negative quantity", lambda db: sales.create_order(db, customer="CN", lines=[LineInput("BUY-A", -3)])),
        ("text quantity", lambda db: sales.create_order(db, customer="CN", lines=[LineInput("BUY-A", "lots")])),
        ("past date", lambda db: sales.create_order(db, customer="CN", lines=[], requested_date=YESTERDAY)),
        ("bad date", lambda db: sales.create_order(db, customer="CN", requested_date="31/12/2026")),
        ("below cost", lambda db: sales.create_order(db, customer="CN", lines=[LineInput("BUY-A", 1, unit_price="1")])),
        (
            "discount over 100",
            lambda db: sales.create_order(db, customer="CN", lines=[LineInput("BUY-A", 1, discount_pct=101)]),
        ),
        ("NUL in notes", lambda db: sales.create_order(db, customer="CN", notes="a\x00b")),
        ("huge notes", lambda db: sales.create_order(db, customer="CN", notes="x" * 10_000)),
        ("SQL as customer", lambda db: sales.create_order(db, customer="'; DROP TABLE erp.customers; --")),
        ("stale version", lambda db: sales.update_order(db, s["draft"], expected_version=version - 1, lines=[])),
        (
            "edit confirmed",
            lambda db: sales.update_order(
                db, s["confirmed"], expected_version=w.order_row(s["confirmed"])["version"], lines=[]
            ),
        ),
        ("confirm twice", lambda db: sales.confirm_order(db, s["confirmed"])),
        ("confirm missing", lambda db: sales.confirm_order(db, 999_999)),
        ("confirm bad id", lambda db: sales.confirm_order(db, "1")),
        ("cancel shipped", lambda db: sales.cancel_order(db, s["shipped"], reason="x")),
        ("cancel without reason", lambda db: sales.cancel_order(db, s["confirmed"], reason="")),
        ("receive draft PO", lambda db: purchasing.receive_purchase_order(db, s["po"])),
        ("receive foreign line", lambda db: purchasing.receive_purchase_order(db, s["po"], quantities={999: 1})),
        ("receive nothing", lambda db: purchasing.receive_purchase_order(db, s["po"], quantities={1: 0})),
        ("order no requests", lambda db: purchasing.create_purchase_orders(db, request_ids=[])),
        (
            "send twice",
            lambda db: (purchasing.send_purchase_order(db, s["po"]), purchasing.send_purchase_order(db, s["po"])),
        ),
        ("progress over 100", lambda db: production.report_progress(db, s["mo"], 150)),
        ("progress unreleased", lambda db: production.report_progress(db, s["mo"], 10)),
        ("complete planned", lambda db: production.complete_production_order(db, s["mo"])),
        ("cancel MO of open order", lambda db: production.cancel_production_order(db, s["mo"])),
        ("pick draft order", lambda db: warehouse.pick_order(db, s["draft"])),
        ("pick too much", lambda db: warehouse.pick_order(db, s["confirmed"], quantities={999_999: 1})),
        ("ship shipped note", lambda db: warehouse.ship_delivery_note(db, s["note"])),
        ("adjust zero", lambda db: warehouse.adjust_stock(db, "BUY-A", quantity=0, reason="x")),
        ("adjust without reason", lambda db: warehouse.adjust_stock(db, "BUY-A", quantity=1, reason=" ")),
        ("remove reserved stock", lambda db: warehouse.adjust_stock(db, "BUY-A", quantity=-5, reason="lost")),
        ("invoice draft order", lambda db: finance.create_invoice(db, s["draft"])),
        ("invoice twice", lambda db: finance.create_invoice(db, s["shipped"])),
        ("pay negative", lambda db: finance.record_payment(db, s["invoice"], amount="-5")),
        ("pay too much", lambda db: finance.record_payment(db, s["invoice"], amount="1000000")),
        ("pay 3 decimals", lambda db: finance.record_payment(db, s["invoice"], amount="1.005")),
        (
            "pay future",
            lambda db: finance.record_payment(db, s["invoice"], amount="1", paid_on=dt.date.today() + dt.timedelta(5)),
        ),
        ("pay by barter", lambda db: finance.record_payment(db, s["invoice"], amount="1", method="goats")),
        ("credit too much", lambda db: finance.create_credit_note(db, s["invoice"], reason="x", quantities={999: 1})),
        ("bad USCC", lambda db: masterdata.create_customer(db, code="NEW", name="新客户", tax_id="911101056000012343")),
        ("duplicate code", lambda db: masterdata.create_customer(db, code="CN", name="Again")),
        (
            "bad SKU",
            lambda db: masterdata.create_product(db, sku="轴承", name="x", procurement="buy", default_supplier="SUP"),
        ),
        ("buy without supplier", lambda db: masterdata.create_product(db, sku="NEW-1", name="x", procurement="buy")),
        ("self in BOM", lambda db: masterdata.set_bill_of_materials(db, w.products["MADE-Y"], [("MADE-Y", 1)])),
        ("long name", lambda db: masterdata.create_customer(db, code="LONG", name="名" * 10_000)),
    ]


def test_every_bad_input_is_refused_with_a_sentence_and_changes_nothing(story: dict) -> None:
    world: World = story["world"]
    before = fingerprint(world)
    for name, call in cases(story):
        with pytest.raises(DomainError) as refusal:
            world.db.run(call)
        message = str(refusal.value)
        assert message and "\n" not in message and len(message) < 300, (name, message)
        assert not any(word in message for word in ("psycopg2", "Traceback", "CONTEXT", "erp.")), (name, message)
        assert fingerprint(world) == before, name
    assert world.invariants() == []
    assert world.count("customers") == 2  # the SQL fragment stayed text
