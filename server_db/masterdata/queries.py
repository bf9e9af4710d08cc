"""Master data for pickers and lists: customers, products, work centres."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from server_db.core.queries import Row, Where, select_rows

# -- master data for pickers ------------------------------------------------------------------------------


def customers(session: Session, *, ids: Iterable[int] | None = None) -> list[Row]:
    where = Where().ids("id", ids)
    return select_rows(
        session,
        f"""
        SELECT id, code, name, address, delivery_address, contact, phone, email, tax_id, payment_terms_days,
               credit_limit, active, version
          FROM erp.customers WHERE {where.sql} ORDER BY code
    """,
        **where.params,
    )


def products(session: Session, *, ids: Iterable[int] | None = None) -> list[Row]:
    where = Where().ids("p.id", ids)
    return select_rows(
        session,
        f"""
        SELECT p.id, p.sku, p.name, p.unit, p.procurement, p.price, p.cost, p.tax_rate, p.active, p.version,
               p.lead_time_days, p.reorder_point, s.code AS supplier_code, w.code AS work_centre_code
          FROM erp.products p
          LEFT JOIN erp.suppliers s ON s.id = p.default_supplier_id
          LEFT JOIN erp.work_centres w ON w.id = p.work_centre_id
         WHERE {where.sql} ORDER BY p.sku
    """,
        **where.params,
    )


def work_centres(session: Session) -> list[Row]:
    return select_rows(session, "SELECT id, code, name, daily_capacity_hours FROM erp.work_centres ORDER BY code")
