"""Data standards at entry: the table of units, postcodes, warehouses and work centres that can be
deactivated and carry a version, and the indexes the duplicate check reads.

Revision ID: r0004
Revises: r0003
Create Date: 2026-11-30
"""

from alembic import op

from migrations.sql import run_sql_folder
from server_db.core import schema

revision = "r0004"
down_revision = "r0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # the expression indexes of the duplicate check call these; `sync` keeps them up to date afterwards
    schema.require(op.get_bind(), "erp.name_key", "erp.phone_key")
    run_sql_folder("r0004")


def downgrade() -> None:
    op.execute("""
        DROP INDEX erp.ix_customers_name_key, erp.ix_customers_phone_key, erp.ix_customers_tax_id,
                   erp.ix_suppliers_name_key, erp.ix_suppliers_phone_key, erp.ix_suppliers_tax_id;
        ALTER TABLE erp.customers DROP COLUMN postcode;
        ALTER TABLE erp.suppliers DROP COLUMN postcode;
        ALTER TABLE erp.warehouses DROP COLUMN active, DROP COLUMN version;
        ALTER TABLE erp.work_centres DROP COLUMN active, DROP COLUMN version;
        DROP TABLE erp.units;
    """)
