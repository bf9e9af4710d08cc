"""The schema as migrations build it: models agree with it, the state machines agree with Python, and
every illegal state change is refused by the database itself."""

from __future__ import annotations

import itertools

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from server_db.app import migrate
from server_db.core.db import Database
from server_db.core.models import load_all
from server_db.core.workflow import STATES, TRANSITIONS
from tests.factories import World

TABLES = {
    "sales_order": "sales_orders",
    "purchase_request": "purchase_requests",
    "purchase_order": "purchase_orders",
    "production_order": "production_orders",
    "delivery_note": "delivery_notes",
    "invoice": "invoices",
}


def test_models_and_migrations_agree(db: Database) -> None:
    def only_erp(name, type_, parent_names):
        if type_ == "schema":
            return name == "erp"
        if type_ == "table":
            return parent_names.get("schema_name") == "erp"
        return True

    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_schemas": True,
                "include_name": only_erp,
                "compare_type": True,
                "compare_server_default": True,
            },
        )
        differences = compare_metadata(context, load_all().metadata)
    assert differences == []


def test_state_machines_in_python_and_database_agree(db: Database) -> None:
    rows = db.run(
        lambda s: s.execute(text("SELECT document_type, from_state, to_state FROM erp.state_transitions")).all()
    )
    in_database: dict[str, set[tuple[str, str]]] = {}
    for document_type, frm, to in rows:
        in_database.setdefault(document_type, set()).add((frm, to))
    assert in_database == {k: set(v) for k, v in TRANSITIONS.items()}


def _fake_row(session, document_type: str) -> int:
    """A bare row of the table (and the documents it points at), written with triggers off: only its state
    matters here. Master data comes from the `world` fixture."""
    session.execute(text("SET LOCAL session_replication_role = replica"))
    so = session.execute(
        text(
            "INSERT INTO erp.sales_orders (number, customer_id, warehouse_id) "
            "VALUES ('SO-2000-00001', 1, 1) RETURNING id"
        )
    ).scalar_one()
    po = session.execute(
        text(
            "INSERT INTO erp.purchase_orders (number, supplier_id, warehouse_id, expected_date) "
            "VALUES ('PO-2000-00001', 1, 1, current_date) RETURNING id"
        )
    ).scalar_one()
    pol = session.execute(
        text(
            "INSERT INTO erp.purchase_order_lines (order_id, line_no, product_id, quantity, "
            "unit_cost) VALUES (:po, 1, 1, 1, 1) RETURNING id"
        ),
        {"po": po},
    ).scalar_one()
    ids = {
        "sales_order": so,
        "purchase_order": po,
        "purchase_request": session.execute(
            text(
                "INSERT INTO erp.purchase_requests (product_id, warehouse_id, supplier_id, quantity, needed_by, "
                "purchase_order_line_id) VALUES (1, 1, 1, 1, current_date, :pol) RETURNING id"
            ),
            {"pol": pol},
        ).scalar_one(),
        "production_order": session.execute(
            text(
                "INSERT INTO erp.production_orders (number, product_id, warehouse_id, work_centre_id, quantity,"
                " due_date) VALUES ('MO-2000-00001', 1, 1, 1, 1, current_date) RETURNING id"
            )
        ).scalar_one(),
        "delivery_note": session.execute(
            text(
                "INSERT INTO erp.delivery_notes (number, sales_order_id, warehouse_id)"
                " VALUES ('DN-2000-00001', :so, 1) RETURNING id"
            ),
            {"so": so},
        ).scalar_one(),
        "invoice": session.execute(
            text(
                "INSERT INTO erp.invoices (number, sales_order_id, customer_id, invoice_date, due_date) "
                "VALUES ('INV-2000-00001', :so, 1, current_date, current_date) RETURNING id"
            ),
            {"so": so},
        ).scalar_one(),
    }
    session.execute(text("SET LOCAL session_replication_role = origin"))
    return ids[document_type]


@pytest.mark.parametrize("document_type", sorted(TABLES))
def test_database_refuses_every_illegal_state_change(world: World, db: Database, document_type: str) -> None:
    states = [str(s) for s in STATES[document_type]]
    legal = TRANSITIONS[document_type]
    table = TABLES[document_type]
    refused, allowed = 0, 0
    with db.sessions() as session, session.begin():
        row_id = _fake_row(session, document_type)
        for frm, to in itertools.product(states, states):
            if frm == to:
                continue
            session.execute(text("SET LOCAL session_replication_role = replica"))
            session.execute(text(f"UPDATE erp.{table} SET state = :s WHERE id = :id"), {"s": frm, "id": row_id})
            session.execute(text("SET LOCAL session_replication_role = origin"))
            savepoint = session.begin_nested()
            try:
                session.execute(text(f"UPDATE erp.{table} SET state = :s WHERE id = :id"), {"s": to, "id": row_id})
                savepoint.commit()
                ok = True
            except DBAPIError as exc:
                savepoint.rollback()
                assert exc.orig.pgcode == "ER003", exc
                assert "cannot become" in str(exc.orig)
                ok = False
            assert ok == ((frm, to) in legal), (frm, to)
            refused += not ok
            allowed += ok
        session.rollback()
    assert allowed == len([p for p in legal if p[0] != "new"])
    assert refused > 0


@pytest.mark.parametrize("document_type", sorted(TABLES))
def test_state_column_accepts_only_known_states(world: World, db: Database, document_type: str) -> None:
    table = TABLES[document_type]
    with db.sessions() as session, session.begin():
        row_id = _fake_row(session, document_type)
        session.execute(text("SET LOCAL session_replication_role = replica"))
        for state in STATES[document_type]:
            session.execute(text(f"UPDATE erp.{table} SET state = :s WHERE id = :id"), {"s": str(state), "id": row_id})
        with pytest.raises(DBAPIError, match="state_valid"):
            session.execute(text(f"UPDATE erp.{table} SET state = 'bogus' WHERE id = :id"), {"id": row_id})
        session.rollback()


def test_downgrade_and_upgrade_again(db: Database) -> None:
    migrate.downgrade(db.engine, "base")
    assert migrate.current_revision(db.engine) is None
    assert db.run(lambda s: s.execute(text("SELECT count(*) FROM pg_namespace WHERE nspname = 'erp'")).scalar()) == 0
    migrate.upgrade(db.engine)
    assert migrate.current_revision(db.engine) == migrate.head_revision()
    migrate.check_schema(db.engine)
