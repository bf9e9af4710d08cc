"""Functions, views, triggers and grants become replaceable objects defined beside their documents
(server_db/*/sql); state and department CHECKs read the one definition of each.

Revision ID: r0003
Revises: r0002
Create Date: 2026-11-30
"""

from alembic import op

from server_db.core import schema

revision = "r0003"
down_revision = "r0002"
branch_labels = None
depends_on = None

# the documents with a state column when this revision was written
STATE_TABLES = {
    "sales_orders": "sales_order",
    "purchase_requests": "purchase_request",
    "purchase_orders": "purchase_order",
    "production_orders": "production_order",
    "delivery_notes": "delivery_note",
    "invoices": "invoice",
}


def upgrade() -> None:
    op.execute("""
        CREATE TABLE erp.replaceable_objects (
            name text NOT NULL,
            kind text NOT NULL,
            checksum text NOT NULL,
            source text NOT NULL,
            fingerprint text,
            applied_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_replaceable_objects PRIMARY KEY (name)
        );
        ALTER TABLE erp.replaceable_objects OWNER TO erp_owner;
        -- the administrator's view of who holds whom up reads every session's state and statement
        GRANT pg_read_all_stats TO erp_owner;
    """)
    schema.require(op.get_bind(), "erp.states", "erp.departments")
    for table, document_type in STATE_TABLES.items():
        op.execute(
            f"ALTER TABLE erp.{table} DROP CONSTRAINT ck_{table}_state_valid,"
            f" ADD CONSTRAINT ck_{table}_state_valid CHECK (state = ANY (erp.states('{document_type}')))"
        )
    op.execute(
        "ALTER TABLE erp.users DROP CONSTRAINT ck_users_department_valid,"
        " ADD CONSTRAINT ck_users_department_valid CHECK (department = ANY (erp.departments()))"
    )


def downgrade() -> None:
    op.execute("DROP TABLE erp.replaceable_objects")
