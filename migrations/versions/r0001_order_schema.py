"""The order-collaboration schema: master data, documents, stock ledger, outbox and audit tables.

Revision ID: r0001
Revises:
Create Date: 2026-11-25
"""

from alembic import op

from migrations.sql import run_sql_folder
from server_db.core import schema

revision = "r0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS erp")
    # what the tables' CHECK constraints and defaults call; `sync` keeps them up to date afterwards
    schema.require(op.get_bind(), "erp.fail", "erp.is_valid_uscc", "erp.states", "erp.next_number")
    run_sql_folder("r0001")


def downgrade() -> None:
    op.execute("DROP SCHEMA erp CASCADE")
