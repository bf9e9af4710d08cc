"""Departments as PostgreSQL roles, the schema owned by erp_owner, grants per duty, users.

Revision ID: r0002
Revises: r0001
Create Date: 2026-11-25
"""

from alembic import op

from migrations.sql import run_sql_folder

revision = "r0002"
down_revision = "r0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_folder("r0002")


def downgrade() -> None:
    # The roles are shared by every ERP database on the server, so they stay; this database stops using them.
    op.execute("""
        DROP VIEW erp.user_accounts;
        DROP TABLE erp.users;
        DROP FUNCTION erp.my_department(), erp._check_department(text), erp._check_manageable(text),
            erp.create_user(text, text, text, text), erp.set_user_department(text, text),
            erp.set_user_password(text, text), erp.disable_user(text), erp.enable_user(text);
        REVOKE erp_sales, erp_warehouse, erp_purchasing, erp_production, erp_finance, erp_supervisor FROM erp_admin;
        REVOKE ALL ON ALL TABLES IN SCHEMA erp FROM erp_sales, erp_warehouse, erp_purchasing, erp_production,
            erp_finance, erp_supervisor, erp_admin;
        REVOKE ALL ON ALL FUNCTIONS IN SCHEMA erp FROM erp_sales, erp_warehouse, erp_purchasing, erp_production,
            erp_finance, erp_supervisor, erp_admin;
        REVOKE ALL ON SCHEMA erp FROM erp_sales, erp_warehouse, erp_purchasing, erp_production, erp_finance,
            erp_supervisor, erp_admin;
        GRANT USAGE ON SCHEMA erp TO PUBLIC;
        GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA erp TO PUBLIC;
        REASSIGN OWNED BY erp_owner TO CURRENT_USER;
    """)
    cursor = op.get_bind().connection.dbapi_connection.cursor()
    cursor.execute(RECORD_PRINT_R0001)
    cursor.execute("SELECT format('GRANT CONNECT ON DATABASE %I TO PUBLIC', current_database())")
    cursor.execute(cursor.fetchone()[0])


# erp.record_print as revision r0001 defined it, restored on downgrade (the replaceable-object pattern)
RECORD_PRINT_R0001 = """
-- Records a print of a delivery note or invoice; returns how many times it has been printed, so a
-- reprint is marked COPY. The first print (who, when) is kept.
CREATE OR REPLACE FUNCTION erp.record_print(p_document_type text, p_document_id bigint) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    v_count integer;
BEGIN
    IF p_document_type = 'delivery_note' THEN
        UPDATE delivery_notes SET print_count = print_count + 1, printed_at = coalesce(printed_at, now()),
                                  printed_by = coalesce(printed_by, session_user)
         WHERE id = p_document_id RETURNING print_count INTO v_count;
    ELSIF p_document_type = 'invoice' THEN
        UPDATE invoices SET print_count = print_count + 1, printed_at = coalesce(printed_at, now()),
                            printed_by = coalesce(printed_by, session_user)
         WHERE id = p_document_id AND state <> 'draft' RETURNING print_count INTO v_count;
    ELSE
        PERFORM erp.fail('ER001', 'Only delivery notes and invoices are printed.');
    END IF;
    IF v_count IS NULL THEN
        PERFORM erp.fail('ER002', '%s #%s does not exist or cannot be printed yet.',
                         erp.document_label(p_document_type), p_document_id::text);
    END IF;
    RETURN v_count;
END $$;
"""
