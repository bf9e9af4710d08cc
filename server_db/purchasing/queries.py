"""What purchasing sees: open purchase requests by supplier, purchase orders and their lines."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy.orm import Session

from server_db.core.queries import Document, Row, Where, select_rows
from server_db.purchasing.states import PURCHASE_ORDER

# -- purchasing -------------------------------------------------------------------------------------------


def purchase_requests(
    session: Session, *, ids: Iterable[int] | None = None, states: Sequence[str] | None = ("open",)
) -> list[Row]:
    """Requests with their supplier, product and the order they serve; grouped by supplier."""
    where = Where().ids("q.id", ids).any_of("q.state", states)
    return select_rows(
        session,
        f"""
        SELECT q.id, q.state, q.quantity, q.needed_by, q.reason, q.created_at,
               s.id AS supplier_id, s.code AS supplier_code, s.name AS supplier_name,
               p.id AS product_id, p.sku, p.name AS product_name, p.unit,
               o.id AS sales_order_id, o.number AS order_number,
               po.number AS purchase_order_number
          FROM erp.purchase_requests q
          JOIN erp.suppliers s ON s.id = q.supplier_id
          JOIN erp.products p ON p.id = q.product_id
          LEFT JOIN erp.sales_order_lines l ON l.id = q.sales_order_line_id
          LEFT JOIN erp.sales_orders o ON o.id = l.order_id
          LEFT JOIN erp.purchase_order_lines pol ON pol.id = q.purchase_order_line_id
          LEFT JOIN erp.purchase_orders po ON po.id = pol.order_id
         WHERE {where.sql}
         ORDER BY s.code, q.needed_by, q.id
    """,
        **where.params,
    )


def purchase_orders(
    session: Session, *, ids: Iterable[int] | None = None, states: Sequence[str] | None = None
) -> list[Row]:
    """Purchase orders with outstanding quantity and whether they are overdue."""
    where = Where().ids("po.id", ids).any_of("po.state", states)
    return select_rows(
        session,
        f"""
        SELECT po.id, po.number, po.state, po.order_date, po.expected_date, po.version,
               s.code AS supplier_code, s.name AS supplier_name,
               sum(pol.quantity) AS ordered, sum(pol.qty_received) AS received,
               coalesce(sum(pol.quantity - pol.qty_received), 0) AS outstanding,
               sum(pol.quantity * pol.unit_cost) AS value,
               po.expected_date < current_date AND po.state = ANY(:receivable) AS overdue
          FROM erp.purchase_orders po
          JOIN erp.suppliers s ON s.id = po.supplier_id
          LEFT JOIN erp.purchase_order_lines pol ON pol.order_id = po.id
         WHERE {where.sql}
         GROUP BY po.id, s.code, s.name
         ORDER BY po.id DESC
    """,
        receivable=PURCHASE_ORDER.group("receivable"),
        **where.params,
    )


def purchase_order_lines(session: Session, po_id: int) -> list[Row]:
    return select_rows(
        session,
        """
        SELECT pol.id, pol.line_no, pol.quantity, pol.qty_received, pol.quantity - pol.qty_received AS outstanding,
               pol.unit_cost, pol.quantity * pol.unit_cost AS value, p.sku, p.name AS product_name, p.unit
          FROM erp.purchase_order_lines pol JOIN erp.products p ON p.id = pol.product_id
         WHERE pol.order_id = :po_id ORDER BY pol.line_no
    """,
        po_id=po_id,
    )


def receivable_orders(session: Session, *, ids: Iterable[int] | None = None) -> list[Row]:
    """Purchase orders waiting for goods (sent or partly received); refetched, one that has left those
    states comes back empty."""
    return purchase_orders(session, ids=ids, states=PURCHASE_ORDER.group("receivable"))


def receivable_order(session: Session, po_id: int) -> Document:
    """A purchase order waiting for goods, with its lines; the header is None if it waits for nothing."""
    rows = receivable_orders(session, ids=[po_id])
    return Document(rows[0] if rows else None, purchase_order_lines(session, po_id))
