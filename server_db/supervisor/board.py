"""What the supervisor's board shows: every open order with its stage and progress, the tiles, the
charts, and the health checks."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.orm import Session

from server_db.core.queries import Row, Where, select_rows
from server_db.finance.states import INVOICE
from server_db.production.states import PRODUCTION_ORDER
from server_db.sales.states import SALES_ORDER

# -- supervisor -------------------------------------------------------------------------------------------


_BOARD_COLUMNS = """SELECT o.id, o.number, o.state, o.promised_date, o.estimated_ship_date, o.late, o.customer_id,
               c.name AS customer_name, o.updated_at,
               coalesce(round(100 * t.shipped / nullif(t.ordered, 0)), 0) AS shipped_pct,
               coalesce(round(100 * (t.shipped + t.reserved) / nullif(t.ordered, 0)), 0) AS ready_pct
          FROM erp.sales_orders o
          JOIN erp.customers c ON c.id = o.customer_id"""


def board_rows(session: Session, *, ids: Iterable[int] | None = None) -> list[Row]:
    """Every open order with its stage, promised date, progress and late flag. Light enough for 100,000:
    the full board aggregates the open orders' lines in one pass; a refetch of a few ids looks them up."""
    finished = SALES_ORDER.outside("open")
    if ids is None:
        return select_rows(
            session,
            f"""
            {_BOARD_COLUMNS}
              LEFT JOIN (SELECT l.order_id, sum(l.quantity) AS ordered, sum(l.qty_shipped) AS shipped,
                                sum(coalesce(r.quantity, 0)) AS reserved
                           FROM erp.sales_order_lines l
                           JOIN erp.sales_orders oo ON oo.id = l.order_id
                           LEFT JOIN erp.reservations r ON r.sales_order_line_id = l.id
                          WHERE oo.state <> ALL(:finished)
                          GROUP BY l.order_id) t ON t.order_id = o.id
             WHERE o.state <> ALL(:finished)
             ORDER BY o.id
        """,
            finished=finished,
        )
    where = Where().none_of("o.state", finished).ids("o.id", ids)
    return select_rows(
        session,
        f"""
        {_BOARD_COLUMNS}
          LEFT JOIN LATERAL (SELECT sum(l.quantity) AS ordered, sum(l.qty_shipped) AS shipped,
                                    sum(coalesce(r.quantity, 0)) AS reserved
                               FROM erp.sales_order_lines l
                               LEFT JOIN erp.reservations r ON r.sales_order_line_id = l.id
                              WHERE l.order_id = o.id) t ON true
         WHERE {where.sql}
         ORDER BY o.id
    """,
        **where.params,
    )


def kpis(session: Session) -> Row:
    """The numbers on the supervisor's tiles."""
    return select_rows(
        session,
        """
        SELECT (SELECT count(*) FROM erp.sales_orders WHERE state <> ALL(:finished)) AS open_orders,
               (SELECT count(*) FROM erp.sales_orders WHERE late AND state <> ALL(:finished)) AS late_orders,
               (SELECT count(*) FROM erp.stock_levels s JOIN erp.products p ON p.id = s.product_id
                 WHERE s.on_hand - s.reserved < p.reorder_point) AS below_reorder_point,
               (SELECT count(DISTINCT l.product_id) FROM erp.sales_order_lines l
                  JOIN erp.sales_orders o ON o.id = l.order_id
                  LEFT JOIN erp.reservations r ON r.sales_order_line_id = l.id
                 WHERE o.state = ANY(:active)
                   AND l.quantity - l.qty_shipped > coalesce(r.quantity, 0)) AS short_products,
               (SELECT coalesce(sum(gross_total - amount_paid - amount_credited), 0) FROM erp.invoices
                 WHERE kind = 'invoice' AND state = ANY(:unpaid) AND due_date < current_date) AS overdue_receivables,
               (SELECT count(*) FROM erp.production_orders WHERE late AND state = ANY(:open_production))
                   AS late_production
    """,
        finished=SALES_ORDER.outside("open"),
        active=SALES_ORDER.group("active"),
        unpaid=INVOICE.group("unpaid"),
        open_production=PRODUCTION_ORDER.group("open"),
    )[0]


def orders_per_state(session: Session) -> dict[str, int]:
    return {
        state: n
        for state, n in session.execute(text("SELECT state, count(*) FROM erp.sales_orders GROUP BY state")).all()
    }


def document_state_counts(session: Session) -> list[Row]:
    """How many documents of each kind are in each state."""
    return select_rows(
        session,
        """
        SELECT 'sales order' AS document, state, count(*) AS count FROM erp.sales_orders GROUP BY state
        UNION ALL SELECT 'purchase request', state, count(*) FROM erp.purchase_requests GROUP BY state
        UNION ALL SELECT 'purchase order', state, count(*) FROM erp.purchase_orders GROUP BY state
        UNION ALL SELECT 'production order', state, count(*) FROM erp.production_orders GROUP BY state
        UNION ALL SELECT 'delivery note', state, count(*) FROM erp.delivery_notes GROUP BY state
        UNION ALL SELECT CASE WHEN kind = 'invoice' THEN 'invoice' ELSE 'credit note' END, state, count(*)
                    FROM erp.invoices GROUP BY kind, state
    """,
    )


def invariant_violations(session: Session) -> list[tuple[str, str]]:
    """Every broken invariant as (rule, detail); empty when the data is healthy."""
    return [tuple(row) for row in session.execute(text("SELECT rule, detail FROM erp.check_invariants()")).all()]


def dashboard(session: Session, *, days: int = 7) -> Row:
    """Everything on the supervisor's tiles and charts, in one round of queries."""
    return {
        "kpis": kpis(session),
        "orders_per_state": orders_per_state(session),
        "load": select_rows(
            session,
            """
            SELECT w.code, w.name, w.daily_capacity_hours * :days AS capacity, coalesce(sum(ps.hours), 0) AS load
              FROM erp.work_centres w
              LEFT JOIN erp.production_schedule ps ON ps.work_centre_id = w.id
                    AND ps.day BETWEEN current_date AND current_date + (:days - 1)
             GROUP BY w.id ORDER BY w.code
        """,
            days=days,
        ),
        "ageing": select_rows(
            session,
            """
            SELECT coalesce(sum(open) FILTER (WHERE age <= 0), 0) AS current,
                   coalesce(sum(open) FILTER (WHERE age BETWEEN 1 AND 30), 0) AS days_1_30,
                   coalesce(sum(open) FILTER (WHERE age BETWEEN 31 AND 60), 0) AS days_31_60,
                   coalesce(sum(open) FILTER (WHERE age BETWEEN 61 AND 90), 0) AS days_61_90,
                   coalesce(sum(open) FILTER (WHERE age > 90), 0) AS over_90
              FROM (SELECT gross_total - amount_paid - amount_credited AS open, current_date - due_date AS age
                      FROM erp.invoices WHERE kind = 'invoice' AND state = ANY(:unpaid)) i
        """,
            unpaid=INVOICE.group("unpaid"),
        )[0],
    }
