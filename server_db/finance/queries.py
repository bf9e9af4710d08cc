"""What finance sees: orders waiting to be invoiced, invoices and credit notes, receivables by age."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy.orm import Session

from server_db.core.queries import Row, Where, select_rows
from server_db.finance.states import INVOICE
from server_db.sales.states import SALES_ORDER

# -- finance ----------------------------------------------------------------------------------------------


def to_invoice_queue(session: Session, *, ids: Iterable[int] | None = None) -> list[Row]:
    """Orders with shipped quantities not yet invoiced (nor on a draft invoice), with their value."""
    where = Where().any_of("o.state", SALES_ORDER.group("invoiceable")).ids("o.id", ids)
    return select_rows(
        session,
        f"""
        SELECT o.id, o.number, o.state, c.name AS customer_name,
               sum(erp.line_net(l.qty_shipped - l.qty_invoiced, l.unit_price, l.discount_pct)) AS net_amount,
               max(d.shipped_at) AS last_shipped_at
          FROM erp.sales_orders o
          JOIN erp.customers c ON c.id = o.customer_id
          JOIN erp.sales_order_lines l ON l.order_id = o.id
          LEFT JOIN erp.delivery_notes d ON d.sales_order_id = o.id AND d.state = 'shipped'
         WHERE {where.sql}
           AND NOT EXISTS (SELECT 1 FROM erp.invoices i WHERE i.sales_order_id = o.id AND i.state = 'draft')
         GROUP BY o.id, c.name
        HAVING sum(l.qty_shipped - l.qty_invoiced) > 0
         ORDER BY min(d.shipped_at) NULLS LAST, o.id
    """,
        **where.params,
    )


def invoices(
    session: Session,
    *,
    ids: Iterable[int] | None = None,
    states: Sequence[str] | None = None,
    order_id: int | None = None,
) -> list[Row]:
    where = Where().ids("i.id", ids).any_of("i.state", states).equals("i.sales_order_id", order_id)
    return select_rows(
        session,
        f"""
        SELECT i.id, i.number, i.kind, i.state, i.invoice_date, i.due_date, i.net_total, i.tax_total,
               i.gross_total, i.amount_paid, i.amount_credited,
               i.gross_total - i.amount_paid - i.amount_credited AS open_amount,
               i.print_count, i.version, o.id AS sales_order_id, o.number AS order_number,
               c.code AS customer_code, c.name AS customer_name,
               i.due_date < current_date AND i.state = ANY(:unpaid) AS overdue
          FROM erp.invoices i
          JOIN erp.sales_orders o ON o.id = i.sales_order_id
          JOIN erp.customers c ON c.id = i.customer_id
         WHERE {where.sql}
         ORDER BY i.id DESC
    """,
        unpaid=INVOICE.group("unpaid"),
        **where.params,
    )


def receivables_ageing(session: Session, *, today: dt.date | None = None) -> list[Row]:
    """Open invoice balances per customer in age buckets by days past due."""
    return select_rows(
        session,
        """
        WITH open_items AS (
            SELECT i.customer_id, i.gross_total - i.amount_paid - i.amount_credited AS open_amount,
                   coalesce(CAST(:today AS date), current_date) - i.due_date AS days_overdue
              FROM erp.invoices i
             WHERE i.kind = 'invoice' AND i.state = ANY(:unpaid))
        SELECT c.id AS customer_id, c.code, c.name,
               sum(open_amount) FILTER (WHERE days_overdue <= 0) AS current,
               sum(open_amount) FILTER (WHERE days_overdue BETWEEN 1 AND 30) AS days_1_30,
               sum(open_amount) FILTER (WHERE days_overdue BETWEEN 31 AND 60) AS days_31_60,
               sum(open_amount) FILTER (WHERE days_overdue BETWEEN 61 AND 90) AS days_61_90,
               sum(open_amount) FILTER (WHERE days_overdue > 90) AS over_90,
               sum(open_amount) AS total
          FROM open_items JOIN erp.customers c ON c.id = open_items.customer_id
         GROUP BY c.id
         ORDER BY total DESC, c.code
    """,
        today=today,
        unpaid=INVOICE.group("unpaid"),
    )
