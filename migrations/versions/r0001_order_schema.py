"""The order-collaboration schema: master data, documents, stock ledger, workflow, events, audit.

Revision ID: r0001
Revises:
Create Date: 2026-11-25
"""

from alembic import op

from migrations.sql import run_sql_folder

revision = "r0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_folder("r0001")


def downgrade() -> None:
    op.execute("DROP SCHEMA erp CASCADE")
