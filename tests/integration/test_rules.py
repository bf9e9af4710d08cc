"""Rules the database enforces for any writer, tried the way psql would: plain SQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from server_db.core import errors
from server_db.core.db import Database
from server_db.finance import services as finance
from tests.factories import World


def sql(db: Database, statement: str, **params) -> object:
    return db.run(
        lambda s: (
            s.execute(text(statement), params).all()
            if statement.lstrip().upper().startswith(("SELECT", "WITH")) or "RETURNING" in statement.upper()
            else s.execute(text(statement), params).rowcount
        )
    )


def refused(db: Database, statement: str, match: str, **params) -> Exception:
    with pytest.raises((errors.DomainError, DBAPIError)) as caught:
        sql(db, statement, **params)
    assert match in str(caught.value), str(caught.value)
    return caught.value


def test_reserved_can_never_exceed_on_hand(world: World) -> None:
    world.stock("BUY-A", 5)
    order = world.order([("BUY-A", 6)])
    line = world.lines(order)["BUY-A"]["line_id"]
    error = refused(
        world.db,
        "INSERT INTO erp.reservations (product_id, warehouse_id, sales_order_line_id, quantity) VALUES (:p, 1, :l, 6)",
        "Not enough stock",
        p=world.products["BUY-A"],
        l=line,
    )
    assert isinstance(error, errors.InsufficientStock)
    assert world.level("BUY-A") == (5, 0)


def test_quantities_must_be_positive(world: World) -> None:
    order = world.order([("BUY-A", 1)])
    refused(world.db, "UPDATE erp.sales_order_lines SET quantity = 0 WHERE order_id = :o", "more than zero", o=order)
    refused(world.db, "UPDATE erp.sales_order_lines SET quantity = -5 WHERE order_id = :o", "more than zero", o=order)


def test_stock_moves_are_a_ledger(world: World) -> None:
    world.stock("BUY-A", 5)
    refused(world.db, "UPDATE erp.stock_moves SET quantity = 50", "record an adjustment instead")
    refused(world.db, "DELETE FROM erp.stock_moves", "record an adjustment instead")
    assert world.level("BUY-A") == (5, 0)


def test_on_hand_follows_the_ledger_for_any_writer(world: World) -> None:
    sql(
        world.db,
        "INSERT INTO erp.stock_moves (product_id, warehouse_id, quantity, kind, reason) "
        "VALUES (:p, 1, 7, 'adjustment', 'found in psql')",
        p=world.products["BUY-A"],
    )
    assert world.level("BUY-A") == (7, 0)
    refused(
        world.db,
        "INSERT INTO erp.stock_moves (product_id, warehouse_id, quantity, kind) VALUES (:p, 1, -1, 'receipt')",
        "sign_matches_kind",
        p=world.products["BUY-A"],
    )
    assert world.invariants() == []


def test_confirmed_orders_cannot_be_edited_or_deleted(world: World) -> None:
    world.stock("BUY-A", 5)
    order = world.confirmed_order([("BUY-A", 2)])
    refused(
        world.db,
        "UPDATE erp.sales_order_lines SET unit_price = 1 WHERE order_id = :o",
        "can no longer be changed",
        o=order,
    )
    refused(world.db, "UPDATE erp.sales_orders SET customer_id = 2 WHERE id = :o", "can no longer be changed", o=order)
    refused(world.db, "DELETE FROM erp.sales_orders WHERE id = :o", "only drafts can be deleted", o=order)
    refused(world.db, "UPDATE erp.sales_orders SET state = 'draft' WHERE id = :o", "cannot become draft", o=order)


def test_price_below_cost_needs_a_reason_even_from_psql(world: World) -> None:
    order = world.order([("BUY-A", 1)])
    refused(world.db, "UPDATE erp.sales_order_lines SET unit_price = 5 WHERE order_id = :o", "below its cost", o=order)
    sql(
        world.db,
        "UPDATE erp.sales_order_lines SET unit_price = 5, below_cost_reason = 'clearance' WHERE order_id = :o",
        o=order,
    )


def test_posted_invoices_are_immutable(world: World) -> None:
    world.stock("BUY-A", 10)
    order = world.confirmed_order([("BUY-A", 10)])
    world.ship_all(order)
    invoice = world.invoice(order)
    refused(
        world.db,
        "UPDATE erp.invoices SET gross_total = 1, net_total = 1, tax_total = 0 WHERE id = :i",
        "issue a credit note",
        i=invoice,
    )
    refused(
        world.db, "UPDATE erp.invoice_lines SET unit_price = 1 WHERE invoice_id = :i", "issue a credit note", i=invoice
    )
    refused(world.db, "DELETE FROM erp.invoices WHERE id = :i", "cannot be deleted", i=invoice)
    with pytest.raises(errors.ValidationError, match="cannot be deleted"):
        world.db.run(finance.delete_draft_invoice, invoice)
    # settlement still moves on
    world.db.run(finance.record_payment, invoice, amount="10")


def test_credit_note_corrects_a_posted_invoice(world: World) -> None:
    world.stock("BUY-A", 10)
    order = world.confirmed_order([("BUY-A", 10)])
    world.ship_all(order)
    invoice = world.invoice(order)
    line = world.db.run(
        lambda s: s.execute(text("SELECT id FROM erp.invoice_lines WHERE invoice_id = :i"), {"i": invoice}).scalar_one()
    )
    with pytest.raises(errors.ValidationError, match="reason is required"):
        world.db.run(finance.create_credit_note, invoice, reason="")
    note = world.db.run(finance.create_credit_note, invoice, reason="price error", quantities={line: 4}).id
    rows = sql(world.db, "SELECT number, state, gross_total FROM erp.invoices WHERE id = :n", n=note)
    assert rows[0][0].startswith("CN-") and rows[0][1] == "paid" and str(rows[0][2]) == "45.20"
    assert world.lines(order)["BUY-A"]["invoiced"] == 6
    assert world.state(order) == "shipped"  # four to invoice again
    with pytest.raises(errors.ValidationError, match="only 67.80 unpaid"):
        world.db.run(finance.create_credit_note, invoice, reason="again")
    again = world.invoice(order)
    world.db.run(finance.record_payment, invoice, amount="67.80")
    world.db.run(finance.record_payment, again, amount="45.20")
    assert world.state(order) == "closed"
    assert world.invariants() == []


def test_invoice_numbers_have_no_gaps_even_when_a_posting_fails(world: World) -> None:
    world.stock("BUY-A", 30)
    numbers = []
    for attempt in range(3):
        order = world.confirmed_order([("BUY-A", 10)])
        world.ship_all(order)
        draft = world.db.run(finance.create_invoice, order).id

        def post_then_fail(session, draft=draft):
            finance.post_invoice(session, draft)
            raise RuntimeError("printer on fire")

        if attempt == 1:
            with pytest.raises(RuntimeError):
                world.db.run(post_then_fail)
        world.db.run(finance.post_invoice, draft)
        numbers.append(sql(world.db, "SELECT number FROM erp.invoices WHERE id = :i", i=draft)[0][0])
    assert [int(n.split("-")[2]) for n in numbers] == [1, 2, 3]


def test_audit_trail_records_who_and_cannot_be_rewritten(world: World) -> None:
    world.stock("BUY-A", 3)
    order = world.confirmed_order([("BUY-A", 2)])
    rows = sql(
        world.db,
        "SELECT actor, action, before ->> 'state', after ->> 'state' FROM erp.audit_log "
        "WHERE table_name = 'sales_orders' AND row_id = :o ORDER BY id",
        o=str(order),
    )
    assert rows[0][1] == "insert" and rows[0][3] == "draft"
    assert ("draft", "confirmed") in [(r[2], r[3]) for r in rows]
    assert all(r[0] == "postgres" for r in rows)
    refused(world.db, "UPDATE erp.audit_log SET actor = 'nobody'", "audit trail cannot be changed")
    refused(world.db, "DELETE FROM erp.audit_log", "audit trail cannot be changed")
    refused(world.db, "TRUNCATE erp.audit_log", "audit trail cannot be changed")


def test_psql_writes_produce_events(world: World) -> None:
    order = world.order([("BUY-A", 1)])
    before = world.count("order_events")
    sql(world.db, "UPDATE erp.sales_orders SET notes = 'call before delivery' WHERE id = :o", o=order)
    rows = sql(
        world.db,
        "SELECT event_type, document_type, document_id, sales_order_id FROM erp.order_events ORDER BY id DESC LIMIT 1",
    )
    assert world.count("order_events") == before + 1
    assert tuple(rows[0]) == ("updated", "sales_order", order, order)
