"""Roles enforced by PostgreSQL, tried as an attacker would: each person's own login through a plain
psycopg2 connection, not the app."""

from __future__ import annotations

import uuid

import psycopg2
import psycopg2.errors
import pytest
from sqlalchemy import text

from server_db.core.db import Database
from server_db.core.departments import DEPARTMENTS
from server_db.core.errors import PermissionDenied
from server_db.finance import services as finance
from server_db.masterdata import services as masterdata
from server_db.people import services as people
from server_db.purchasing import services as purchasing
from server_db.sales import services as sales
from tests.clerks import PASSWORD, Clerk, fingerprint
from tests.factories import World

FORBIDDEN = {
    "sales": [
        "SELECT erp.post_invoice(%(invoice)s)",
        "SELECT erp.record_payment(%(invoice)s, 1, current_date, 'cash', '')",
        "SELECT erp.adjust_stock(%(product)s, 1, 100, 'free stock')",
        "UPDATE erp.products SET price = 1",
        "UPDATE erp.stock_levels SET on_hand = 1000",
        "INSERT INTO erp.stock_moves (product_id, warehouse_id, quantity, kind) VALUES (%(product)s, 1, 50, 'initial')",
        "UPDATE erp.customers SET credit_limit = 999999999",
        "UPDATE erp.invoices SET amount_paid = gross_total",
        "SELECT erp.pick_sales_order(%(ready)s, NULL)",
    ],
    "warehouse": [
        "UPDATE erp.products SET price = 1",
        "UPDATE erp.sales_order_lines SET unit_price = 1",
        "UPDATE erp.invoices SET gross_total = 1",
        "UPDATE erp.invoice_lines SET unit_price = 1",
        "SELECT erp.post_invoice(%(invoice)s)",
        "SELECT erp.confirm_sales_order(%(draft)s, NULL)",
        "SELECT erp.create_purchase_orders(NULL)",
    ],
    "finance": [
        "SELECT erp.pick_sales_order(%(ready)s, NULL)",
        "SELECT erp.ship_delivery_note(1)",
        "SELECT erp.adjust_stock(%(product)s, 1, 5, 'x')",
        "SELECT erp.confirm_sales_order(%(draft)s, NULL)",
        "UPDATE erp.invoices SET gross_total = 1",
        "UPDATE erp.customers SET name = 'x'",
    ],
    "production": [
        "UPDATE erp.sales_orders SET notes = 'x'",
        "INSERT INTO erp.sales_orders (customer_id, warehouse_id) VALUES (1, 1)",
        "SELECT erp.confirm_sales_order(%(draft)s, NULL)",
        "UPDATE erp.production_orders SET progress_pct = 100",
        "SELECT erp.post_invoice(%(invoice)s)",
    ],
    "purchasing": [
        "SELECT erp.receive_purchase_order(1, NULL)",
        "SELECT erp.post_invoice(%(invoice)s)",
        "SELECT erp.adjust_stock(%(product)s, 1, 5, 'x')",
        "UPDATE erp.products SET cost = 0",
    ],
    "supervisor": [
        "INSERT INTO erp.sales_orders (customer_id, warehouse_id) VALUES (1, 1)",
        "UPDATE erp.sales_orders SET notes = 'x'",
        "SELECT erp.confirm_sales_order(%(draft)s, NULL)",
        "SELECT erp.adjust_stock(%(product)s, 1, 5, 'x')",
        "SELECT erp.record_payment(%(invoice)s, 1, current_date, 'cash', '')",
        "UPDATE erp.customers SET credit_limit = 1",
        "SELECT erp.create_user('mallory', '', 'admin', 'password1')",
    ],
}

EVERYONE_FORBIDDEN = [
    "SELECT rolpassword FROM pg_authid",
    "SELECT passwd FROM pg_shadow",
    "GRANT erp_admin TO CURRENT_USER",
    "SET ROLE erp_owner",
    "SELECT erp.emit_event('x', NULL, 'x', 1, NULL, NULL, NULL, '{}')",
    "SELECT erp._next_gapless_number('INV')",
    "UPDATE erp.audit_log SET actor = 'nobody'",
    "DELETE FROM erp.audit_log",
    "DELETE FROM erp.stock_moves",
    "INSERT INTO erp.order_events (event_type, document_type, document_id) VALUES ('fake', 'x', 1)",
    "CREATE TABLE erp.mine (x int)",
]


@pytest.mark.parametrize("department", sorted(FORBIDDEN))
def test_forbidden_writes_fail_and_change_nothing(world: World, clerks: dict, story: dict, department: str) -> None:
    clerk = clerks[department]
    before = fingerprint(world)
    for statement in FORBIDDEN[department]:
        clerk.refused(statement % story)
    assert fingerprint(world) == before
    assert world.invariants() == []


@pytest.mark.parametrize("department", DEPARTMENTS)
def test_nobody_reads_passwords_changes_their_role_or_touches_the_audit(
    world: World, clerks: dict, department: str
) -> None:
    clerk = clerks[department]
    before = fingerprint(world)
    for statement in EVERYONE_FORBIDDEN:
        with pytest.raises(psycopg2.Error) as error:
            clerk.sql(statement)
        # permission denied, or (for the admin, who holds the grants) the audit trail's own refusal
        assert error.value.pgcode in ("42501", "ER001"), (statement, str(error.value))
    with pytest.raises(psycopg2.Error):
        clerk.sql(f"ALTER ROLE {clerk.login} CREATEROLE")
    assert fingerprint(world) == before


def test_each_department_can_do_its_own_duty(world: World, clerks: dict, story: dict) -> None:
    def as_clerk(department: str) -> Database:
        return Database(clerks[department].sqlalchemy_url(), pool_size=1)

    sales_db = as_clerk("sales")
    order = sales_db.run(sales.create_order, customer="CN", lines=[sales.LineInput("BUY-A", 1)]).id
    sales_db.run(sales.confirm_order, order)
    warehouse = clerks["warehouse"]
    note = warehouse.sql("SELECT erp.pick_sales_order(%s, NULL)", order)[0][0]
    warehouse.sql("SELECT erp.ship_delivery_note(%s)", note)
    warehouse.sql("SELECT erp.adjust_stock(%s, 1, 2, 'count difference')", story["product"])
    finance_db = as_clerk("finance")
    invoice = finance_db.run(finance.invoice_order, order).id
    finance_db.run(finance.record_payment, invoice, amount="11.30")
    finance_db.run(masterdata.update_customer, world.customers["CN"], credit_limit="5000")
    purchasing_db = as_clerk("purchasing")
    po = purchasing_db.run(purchasing.create_purchase_orders).id
    purchasing_db.run(purchasing.send_purchase_order, po)
    warehouse.sql("SELECT erp.receive_purchase_order(%s, NULL)", po)
    clerks["production"].sql("SELECT erp.release_production_order(%s)", story["mo"])
    clerks["supervisor"].sql("SELECT count(*) FROM erp.audit_log")
    assert world.state(order) == "closed"
    assert world.invariants() == []
    for db in (sales_db, finance_db, purchasing_db):
        db.dispose()


def test_a_refusal_in_the_app_names_the_duty_and_the_user(world: World, clerks: dict, story: dict) -> None:
    warehouse_db = Database(clerks["warehouse"].sqlalchemy_url(), pool_size=1)
    with pytest.raises(PermissionDenied, match="^Finance may post invoices; you are logged in as warehouse.$"):
        warehouse_db.run(finance.post_invoice, story["invoice"])
    warehouse_db.dispose()


def test_prints_are_recorded_only_by_their_department(world: World, clerks: dict, story: dict) -> None:
    message = clerks["warehouse"].refused("SELECT erp.record_print('invoice', %s)", story["invoice"], code="ER007")
    assert "Finance prints invoices; you are logged in as warehouse." in message
    assert clerks["finance"].sql("SELECT erp.record_print('invoice', %s)", story["invoice"]) == [(1,)]


def test_a_disabled_user_is_refused_at_once_even_in_open_sessions(world: World, clerks: dict, db_url: str) -> None:
    victim = clerks["sales"]
    assert victim.sql("SELECT 1") == [(1,)]
    assert world.db.run(people.disable_user, victim.login) >= 1  # open sessions, ended once that has committed
    assert world.db.run(people.end_sessions, victim.login) >= 1
    with pytest.raises(psycopg2.Error):
        victim.sql("SELECT 1")
    with pytest.raises(psycopg2.OperationalError, match="not permitted to log in"):
        Clerk(db_url, victim.login)
    world.db.run(people.enable_user, victim.login)
    Clerk(db_url, victim.login).conn.close()


def test_a_user_with_no_department_cannot_connect(world: World, db_url: str, pg) -> None:
    login = f"t{uuid.uuid4().hex[:6]}_nobody"
    pg.execute(f"CREATE ROLE {login} LOGIN PASSWORD '{PASSWORD}'")
    with pytest.raises(psycopg2.OperationalError, match="permission denied for database|CONNECT privilege"):
        Clerk(db_url, login)


def test_a_wrong_password_is_refused(world: World, clerks: dict, db_url: str) -> None:
    try:
        Clerk(db_url, clerks["sales"].login, password="wrong-password").conn.close()
    except psycopg2.OperationalError as error:
        assert "password authentication failed" in str(error)
    else:
        pytest.skip("this server trusts every connection (no password checking is configured)")


def test_passwords_are_stored_as_scram_verifiers(world: World, clerks: dict) -> None:
    stored = world.db.run(
        lambda s: s.execute(
            text("SELECT rolpassword FROM pg_authid WHERE rolname = :r"), {"r": clerks["sales"].login}
        ).scalar()
    )
    assert stored.startswith("SCRAM-SHA-256$") and PASSWORD not in stored


INJECTIONS = [
    "'); DROP TABLE erp.customers; --",
    "x' OR '1'='1",
    '"; DELETE FROM erp.products; --',
    "$$; DROP SCHEMA erp CASCADE; $$",
    "北京'; TRUNCATE erp.audit_log; --",
]


def test_sql_in_text_fields_is_stored_as_text(world: World) -> None:
    from server_db.masterdata import services as masterdata
    from server_db.sales import queries as sales_queries
    from server_db.warehouse import services as warehouse

    for n, attack in enumerate(INJECTIONS):
        customer = world.db.run(
            masterdata.create_customer, code=f"INJ{n}", name=attack, address=attack, contact=attack[:100]
        ).id
        order = world.db.run(
            sales.create_order,
            customer=customer,
            lines=[sales.LineInput("BUY-A", 1, description=attack)],
            notes=attack,
            customer_reference=attack[:100],
            delivery_address=attack,
        ).id
        world.db.run(warehouse.adjust_stock, "BUY-A", quantity=1, reason=attack)
        world.db.run(sales.confirm_order, order)
        world.db.run(sales.cancel_order, order, reason=attack)
        row = world.db.run(lambda s, o=order: sales_queries.sales_orders(s, ids=[o]))[0]
        assert row["customer_name"] == attack
        assert world.lines(order)["BUY-A"]["description"] == attack
        found = world.db.run(lambda s, a=attack: sales_queries.sales_orders(s, search=a))
        assert [r["id"] for r in found] == [order]
    assert world.count("customers") == 2 + len(INJECTIONS)
    assert world.count("products") == 4
    assert world.invariants() == []


def test_a_user_reconnecting_while_being_disabled_is_not_left_in(world: World, clerks: dict, db_url: str) -> None:
    """The administrator's transaction is slow: the user reconnects before it commits (still allowed then);
    once it has committed, the sessions are ended, the new one included, and no login is let in."""
    victim = clerks["sales"]
    admin = Database(clerks["admin"].sqlalchemy_url(), pool_size=1)
    try:
        with admin.sessions() as session, session.begin():
            assert people.disable_user(session, victim.login) >= 1
            quick = Clerk(db_url, victim.login)  # in before the refusal of new logins has committed
            assert quick.sql("SELECT 1") == [(1,)]
        assert admin.run(people.end_sessions, victim.login) >= 2
    finally:
        admin.dispose()
    for conn in (victim, quick):
        with pytest.raises(psycopg2.Error):
            conn.sql("SELECT 1")
    with pytest.raises(psycopg2.OperationalError, match="not permitted to log in"):
        Clerk(db_url, victim.login)
