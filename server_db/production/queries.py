"""What production sees: production orders with what they wait for, and the load of each work centre."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy.orm import Session

from server_db.core.queries import Row, Where, select_rows

# -- production -------------------------------------------------------------------------------------------


def production_orders(
    session: Session,
    *,
    ids: Iterable[int] | None = None,
    states: Sequence[str] | None = None,
    work_centre_id: int | None = None,
) -> list[Row]:
    where = Where().ids("m.id", ids).any_of("m.state", states).equals("m.work_centre_id", work_centre_id)
    return select_rows(
        session,
        f"""
        SELECT m.id, m.number, m.state, m.quantity, m.due_date, m.planned_start, m.planned_end, m.progress_pct,
               m.remaining_hours, m.late, m.version, p.sku, p.name AS product_name, p.unit,
               w.id AS work_centre_id, w.code AS work_centre_code, w.name AS work_centre_name,
               o.id AS sales_order_id, o.number AS order_number,
               erp._components_missing(m.id) AS components_missing
          FROM erp.production_orders m
          JOIN erp.products p ON p.id = m.product_id
          JOIN erp.work_centres w ON w.id = m.work_centre_id
          LEFT JOIN erp.sales_order_lines l ON l.id = m.sales_order_line_id
          LEFT JOIN erp.sales_orders o ON o.id = l.order_id
         WHERE {where.sql}
         ORDER BY m.planned_start NULLS LAST, m.due_date, m.id
    """,
        **where.params,
    )


def work_centre_load(session: Session, *, start: dt.date | None = None, days: int = 14) -> list[Row]:
    """Scheduled hours against capacity, per work centre and day."""
    return select_rows(
        session,
        """
        SELECT w.id AS work_centre_id, w.code, w.name, w.daily_capacity_hours AS capacity, d.day::date AS day,
               coalesce(sum(ps.hours), 0) AS load
          FROM erp.work_centres w
          CROSS JOIN generate_series(coalesce(CAST(:start AS date), current_date),
                                     coalesce(CAST(:start AS date), current_date) + (:days - 1), '1 day') d(day)
          LEFT JOIN erp.production_schedule ps ON ps.work_centre_id = w.id AND ps.day = d.day::date
         GROUP BY w.id, d.day
         ORDER BY w.code, d.day
    """,
        start=start,
        days=days,
    )
