"""Departments as PostgreSQL roles, the schema owned by erp_owner, the people.

Revision ID: r0002
Revises: r0001
Create Date: 2026-11-25
"""

from alembic import op

from migrations.sql import run_sql_folder
from server_db.core import schema

revision = "r0002"
down_revision = "r0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    schema.require(op.get_bind(), "erp.departments")  # the users table's CHECK calls it
    run_sql_folder("r0002")
    # the department groups, created by erp_owner so that it may grant their membership to new users
    schema.require(op.get_bind(), "roles: departments")


def downgrade() -> None:
    # The roles are shared by every ERP database on the server, so they stay; this database stops using them.
    op.execute("""
        DROP TABLE erp.users;
        REASSIGN OWNED BY erp_owner TO CURRENT_USER;
    """)
    cursor = op.get_bind().connection.dbapi_connection.cursor()
    cursor.execute("SELECT format('GRANT CONNECT ON DATABASE %I TO PUBLIC', current_database())")
    cursor.execute(cursor.fetchone()[0])
