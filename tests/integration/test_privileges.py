"""What each department may write, column by column, and the workflow columns nobody writes by hand: tried
as a clerk with psql and their own password would, over plain psycopg2 connections."""

from __future__ import annotations

import psycopg2
import psycopg2.extras
import pytest
from sqlalchemy import text

from server_db.core.db import Database
from server_db.core.departments import DEPARTMENTS, role
from server_db.people import services as people
from server_db.sales import services as sales
from tests.clerks import Clerk, fingerprint
from tests.factories import World

CUSTOMER_CONTACT = {"name", "address", "postcode", "delivery_address", "contact", "phone", "email", "tax_id", "active"}
SUPPLIER_DETAILS = {"name", "address", "postcode", "contact", "phone", "email", "tax_id", "lead_time_days", "active"}
PRODUCT = {
    "sku", "name", "unit", "procurement", "price", "cost", "tax_rate", "lead_time_days", "reorder_point",
    "default_supplier_id", "work_centre_id", "hours_per_unit", "active",
}  # fmt: skip

# (table, privilege) -> the columns a department may write; everything not listed: none. The admin is a member
# of every department, so it holds theirs as well as its own.
OWN: dict[str, dict[tuple[str, str], set[str]]] = {
    "sales": {
        ("customers", "INSERT"): CUSTOMER_CONTACT | {"code"},
        ("customers", "UPDATE"): CUSTOMER_CONTACT,
    },
    "finance": {("customers", "UPDATE"): {"credit_limit", "payment_terms_days"}},
    "purchasing": {
        ("suppliers", "INSERT"): SUPPLIER_DETAILS | {"code"},
        ("suppliers", "UPDATE"): SUPPLIER_DETAILS,
    },
    "warehouse": {},
    "production": {},
    "supervisor": {},
    "admin": {
        ("company", "INSERT"): {"id", "name", "address", "tax_id", "phone", "email", "bank_account", "logo_png",
                                "currency"},
        ("company", "UPDATE"): {"name", "address", "tax_id", "phone", "email", "bank_account", "logo_png", "currency"},
        ("customers", "INSERT"): CUSTOMER_CONTACT | {"code", "credit_limit", "payment_terms_days"},
        ("customers", "UPDATE"): CUSTOMER_CONTACT | {"code", "credit_limit", "payment_terms_days"},
        ("suppliers", "INSERT"): SUPPLIER_DETAILS | {"code"},
        ("suppliers", "UPDATE"): SUPPLIER_DETAILS | {"code"},
        ("warehouses", "INSERT"): {"code", "name", "address", "active"},
        ("warehouses", "UPDATE"): {"code", "name", "address", "active"},
        ("work_centres", "INSERT"): {"code", "name", "daily_capacity_hours", "active"},
        ("work_centres", "UPDATE"): {"code", "name", "daily_capacity_hours", "active"},
        ("products", "INSERT"): PRODUCT,
        ("products", "UPDATE"): PRODUCT,
    },
}  # fmt: skip


def expected(department: str) -> dict[tuple[str, str], set[str]]:
    grants = {key: set(columns) for key, columns in OWN[department].items()}
    if department == "admin":
        for other in OWN.values():
            for key, columns in other.items():
                grants.setdefault(key, set()).update(columns)
    return grants


def test_no_department_writes_any_table_directly(db: Database) -> None:
    """Not a column: every write goes through a workflow or master-data function."""
    writable = db.run(
        lambda s: s.execute(
            text("""
                SELECT r.rolname, c.relname, a.attname, p.privilege
                  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid CROSS JOIN pg_roles r
                 CROSS JOIN (VALUES ('INSERT'), ('UPDATE')) p(privilege)
                 WHERE c.relnamespace = 'erp'::regnamespace AND c.relkind IN ('r', 'v') AND a.attnum > 0
                   AND NOT a.attisdropped AND r.rolname = ANY(:roles)
                   AND has_column_privilege(r.rolname, c.oid, a.attnum, p.privilege)
            """),
            {"roles": [role(d) for d in DEPARTMENTS]},
        ).all()
    )
    assert writable == []


SAVE = {
    "customers": "SELECT erp.save_customer(%s, NULL, %s)",
    "suppliers": "SELECT erp.save_supplier(%s, NULL, %s)",
    "products": "SELECT erp.save_product(%s, NULL, %s)",
    "warehouses": "SELECT erp.save_warehouse(%s, NULL, %s)",
    "work_centres": "SELECT erp.save_work_centre(%s, NULL, %s)",
}
NEW_RECORD = {
    "customers": {"code": "NEWC", "name": "新客户有限公司"},
    "suppliers": {"code": "NEWS", "name": "新供应商"},
    "products": {"sku": "NEW-1", "name": "New", "procurement": "buy"},
    "warehouses": {"code": "NEWW", "name": "新仓库"},
    "work_centres": {"code": "NEWWC", "name": "New centre", "daily_capacity_hours": 8},
}


def a_value(table: str, column: str, world: World) -> object:
    """A value the table accepts for the column (on the record the test changes)."""
    return {
        "code": "CHANGED",
        "sku": "CHANGED-1",
        "name": "改过的名字",
        "tax_id": "911101056000012342",
        "email": "someone@example.cn",
        "phone": "138 1234 5678",
        "postcode": "200031",
        "payment_terms_days": 45,
        "credit_limit": 12345,
        "lead_time_days": 3,
        "active": True,
        "daily_capacity_hours": 6,
        "unit": "pcs",
        "procurement": "buy",
        "price": 12,
        "cost": 5,
        "tax_rate": 0.09,
        "reorder_point": 5,
        "default_supplier_id": world.db.run(lambda s: s.execute(text("SELECT min(id) FROM erp.suppliers")).scalar()),
        "work_centre_id": world.db.run(lambda s: s.execute(text("SELECT min(id) FROM erp.work_centres")).scalar()),
        "hours_per_unit": 1,
        "currency": "CNY",
        "logo_png": None,
    }.get(column, "changed")


@pytest.mark.parametrize("department", DEPARTMENTS)
def test_the_write_matrix_role_by_table_by_column(world: World, clerks: dict[str, Clerk], department: str) -> None:
    """For each table of master data and each of its columns: a department may set exactly the columns of its
    duties, through the functions, on a new record and on an existing one; every other column is refused with
    a sentence naming it, and nothing is written."""
    clerk = clerks[department]
    grants = expected(department)
    columns = {table: {c for d in OWN.values() for (t, _), cs in d.items() if t == table for c in cs} for table in SAVE}
    existing = {
        "customers": world.customers["CN"],
        "suppliers": world.db.run(lambda s: s.execute(text("SELECT min(id) FROM erp.suppliers")).scalar()),
        "products": world.products["BUY-A"],
        "warehouses": world.db.run(lambda s: s.execute(text("SELECT min(id) FROM erp.warehouses")).scalar()),
        "work_centres": world.db.run(lambda s: s.execute(text("SELECT min(id) FROM erp.work_centres")).scalar()),
    }
    for table, statement in SAVE.items():
        for column in sorted(columns[table]):
            values = psycopg2.extras.Json({column: a_value(table, column, world)})
            may = column in grants.get((table, "UPDATE"), set())
            clerk.conn.autocommit = False
            try:
                if may:
                    clerk.sql(statement, existing[table], values)
                else:
                    with pytest.raises(psycopg2.Error) as error:
                        clerk.sql(statement, existing[table], values)
                    assert error.value.pgcode in ("42501", "ER007"), (department, table, column, str(error.value))
            finally:
                clerk.conn.rollback()  # each try on its own: nothing stays written
                clerk.conn.autocommit = True
        new = dict(NEW_RECORD[table])
        if table == "products":
            new["default_supplier_id"] = a_value(table, "default_supplier_id", world)
        may_create = set(new) <= grants.get((table, "INSERT"), set())
        clerk.conn.autocommit = False
        try:
            if may_create:
                assert clerk.sql(statement, None, psycopg2.extras.Json(new))[0][0] > 0
            else:
                with pytest.raises(psycopg2.Error) as error:
                    clerk.sql(statement, None, psycopg2.extras.Json(new))
                assert error.value.pgcode in ("42501", "ER007"), (department, table, str(error.value))
        finally:
            clerk.conn.rollback()
            clerk.conn.autocommit = True


def test_a_refusal_names_the_column_and_who_keeps_it(world: World, clerks: dict[str, Clerk]) -> None:
    message = clerks["sales"].refused(
        "SELECT erp.save_customer(%s, NULL, %s)",
        world.customers["CN"],
        psycopg2.extras.Json({"credit_limit": 1}),
        code="ER007",
    )
    assert "Only admin or finance may change the credit limit of customers; you are logged in as sales." in message


def test_no_department_holds_a_whole_table_it_could_lock_or_empty(db: Database) -> None:
    """UPDATE, DELETE or TRUNCATE on a whole table would let a clerk lock it against everyone
    (`LOCK TABLE ... IN ACCESS EXCLUSIVE MODE`) or delete what the workflow wrote."""
    held = db.run(
        lambda s: s.execute(
            text("""
                SELECT r.rolname, c.relname, p.privilege
                  FROM pg_class c CROSS JOIN pg_roles r
                 CROSS JOIN (VALUES ('UPDATE'), ('DELETE'), ('TRUNCATE'), ('TRIGGER'), ('REFERENCES')) p(privilege)
                 WHERE c.relnamespace = 'erp'::regnamespace AND c.relkind IN ('r', 'v', 'S')
                   AND r.rolname = ANY(:roles) AND has_table_privilege(r.rolname, c.oid, p.privilege)
            """),
            {"roles": [role(d) for d in DEPARTMENTS]},
        ).all()
    )
    assert held == []


def test_no_function_is_open_to_everyone(db: Database) -> None:
    """PostgreSQL lets PUBLIC execute every new function; the grants take that back from each one at every
    upgrade, so a function added later is closed until a department's grants open it."""
    open_to_all = db.run(
        lambda s: (
            s.execute(
                text("""
                SELECT p.oid::regprocedure::text FROM pg_proc p
                 WHERE p.pronamespace = 'erp'::regnamespace AND has_function_privilege('public', p.oid, 'EXECUTE')
            """)
            )
            .scalars()
            .all()
        )
    )
    assert open_to_all == []
    callers = db.run(
        lambda s: (
            s.execute(
                text("""
                SELECT r.rolname FROM pg_roles r
                 WHERE r.rolname = ANY(:roles)
                   AND has_function_privilege(r.rolname, 'erp.order_entry_availability(bigint[], numeric[],
                       numeric[], numeric[], boolean[], bigint)', 'EXECUTE')
            """),
                {"roles": [role(d) for d in DEPARTMENTS]},
            )
            .scalars()
            .all()
        )
    )
    assert role("sales") in callers


WORKFLOW_WRITES = [
    # a shipped, never invoiced order marked paid, then closed: never billed
    "UPDATE erp.sales_orders SET state = 'paid' WHERE id = %(shipped)s",
    "UPDATE erp.sales_orders SET state = 'closed' WHERE id = %(shipped)s",
    # confirmed past the credit check by hand
    "UPDATE erp.sales_orders SET state = 'confirmed' WHERE id = %(draft)s",
    # promised earlier, to be served first by the next receipt
    "UPDATE erp.sales_orders SET promised_date = promised_date - 30 WHERE id = %(ready)s",
    "UPDATE erp.sales_orders SET late = false, estimated_ship_date = current_date WHERE id = %(short)s",
    "UPDATE erp.sales_orders SET created_by = 'someone_else' WHERE id = %(draft)s",
    "UPDATE erp.sales_order_lines SET qty_shipped = 0, qty_invoiced = 0",
    "INSERT INTO erp.sales_order_lines (order_id, line_no, product_id, quantity, unit_price, tax_rate, qty_shipped)"
    " VALUES (%(draft)s, 9, %(product)s, 1, 10, 0.13, 1)",
    "DELETE FROM erp.sales_orders WHERE id = %(draft)s",
    "INSERT INTO erp.sales_orders (customer_id, warehouse_id, state) VALUES (1, 1, 'shipped')",
    "UPDATE erp.purchase_orders SET expected_date = current_date - 100",
    "UPDATE erp.production_orders SET late = false, progress_pct = 100",
    "UPDATE erp.delivery_notes SET state = 'shipped'",
    "UPDATE erp.invoices SET amount_paid = gross_total",
    "UPDATE erp.reservations SET quantity = 0",
    "DELETE FROM erp.bom_lines",
    "UPDATE erp.customers SET version = 1, created_at = now() - interval '1 year'",
    "UPDATE erp.products SET version = 1",
]


@pytest.mark.parametrize("department", DEPARTMENTS)
def test_no_department_writes_a_workflow_column_by_hand(
    world: World, clerks: dict[str, Clerk], story: dict, department: str
) -> None:
    clerk = clerks[department]
    before = fingerprint(world)
    for statement in WORKFLOW_WRITES:
        clerk.refused(statement % story)
    assert fingerprint(world) == before
    assert world.invariants() == []


WORKFLOW_TABLES = ("sales_orders", "sales_order_lines", "stock_levels", "stock_moves", "reservations",
                   "purchase_requests", "purchase_orders", "purchase_order_lines", "production_orders",
                   "production_components", "delivery_notes", "delivery_note_lines", "invoices", "invoice_lines",
                   "payments", "bom_lines", "order_events", "audit_log")  # fmt: skip
MASTER_DATA = ("company", "customers", "suppliers", "warehouses", "work_centres", "products")


@pytest.mark.parametrize("department", DEPARTMENTS)
def test_no_department_can_freeze_the_office_with_a_lock(
    world: World, clerks: dict[str, Clerk], story: dict, department: str
) -> None:
    """No lock on any table: without a write privilege on a table, no `LOCK TABLE` and no `SELECT ... FOR UPDATE`
    (which would also stop every foreign-key check of new documents) - and the workflow goes on."""
    clerk = clerks[department]
    clerk.conn.autocommit = False
    try:
        for table in WORKFLOW_TABLES + MASTER_DATA:
            for statement in (
                f"LOCK TABLE erp.{table} IN ACCESS EXCLUSIVE MODE",
                f"LOCK TABLE erp.{table} IN SHARE MODE",
                f"SELECT 1 FROM erp.{table} FOR UPDATE",
                f"SELECT 1 FROM erp.{table} FOR KEY SHARE",
            ):
                with pytest.raises(psycopg2.Error) as error:
                    clerk.sql(statement)
                assert error.value.pgcode == "42501", (statement, str(error.value))
                clerk.conn.rollback()
        clerk.sql("SELECT count(*) FROM erp.sales_orders")  # reading, in a transaction left open
        world.db.run(sales.confirm_order, story["draft"])
        world.ship_all(story["ready"])
        world.invoice(story["ready"])
    finally:
        clerk.conn.rollback()
        clerk.conn.autocommit = True
    assert world.state(story["ready"]) == "invoiced"


def test_every_change_to_a_person_is_in_the_audit_trail_with_who_did_it(
    world: World, clerks: dict[str, Clerk], db_url: str
) -> None:
    victim = clerks["sales"].login
    admin = Database(clerks["admin"].sqlalchemy_url(), pool_size=1)
    try:
        admin.run(people.set_password, victim, "another-pass")
        admin.run(people.set_department, victim, "finance")
        admin.run(people.disable_user, victim)
        admin.run(people.end_sessions, victim)
        admin.run(people.enable_user, victim)
    finally:
        admin.dispose()
    own = Database(Clerk(db_url, victim, "another-pass").sqlalchemy_url(), pool_size=1)
    try:
        own.run(people.change_my_password, "my-own-pass")
    finally:
        own.dispose()
    trail = world.db.run(
        lambda s: s.execute(
            text("SELECT actor, action, before, after FROM erp.audit_log WHERE table_name = 'users' AND row_id = :l"
                 " ORDER BY id"),
            {"l": victim},
        ).all()
    )  # fmt: skip
    changes = [
        (actor, {k: v for k, v in (after or {}).items() if (before or {}).get(k) != v})
        for actor, _, before, after in trail
    ]
    admin_login = clerks["admin"].login
    assert (admin_login, {"password": "set by an administrator"}) in changes
    assert (admin_login, {"department": "finance"}) in changes
    assert (admin_login, {"can_log_in": False}) in changes
    assert (admin_login, {"can_log_in": True}) in changes
    assert (victim, {"password": "changed by the user"}) in changes
    Clerk(db_url, victim, "my-own-pass").conn.close()


def test_a_person_changes_their_own_password_only_by_the_rule(world: World, clerks: dict[str, Clerk]) -> None:
    own = Database(clerks["warehouse"].sqlalchemy_url(), pool_size=1)
    try:
        with pytest.raises(Exception, match="at least 6 characters"):
            own.run(people.change_my_password, "short")
    finally:
        own.dispose()


def test_large_objects_are_not_for_any_department(world: World, clerks: dict[str, Clerk]) -> None:
    for department in DEPARTMENTS:
        for statement in (
            "SELECT lo_from_bytea(0, 'x')",
            "SELECT lo_create(0)",
            "SELECT lo_creat(-1)",
        ):
            clerks[department].refused(statement)


def test_the_health_check_catches_an_order_closed_without_being_billed(world: World, story: dict) -> None:
    """Were a state ever forced by hand (by the schema's owner, the only one who can), `db status` says so."""
    assert world.invariants() == []
    world.db.run(
        lambda s: s.execute(
            text(
                "SET LOCAL session_replication_role = replica;"  # triggers off, as only a superuser can
                " UPDATE erp.sales_orders SET state = 'closed' WHERE id = :o",
            ),
            {"o": story["shipped"]},
        )
    )
    assert [rule for rule, _ in world.invariants()] == ["a closed order was shipped, invoiced and paid in full"]
