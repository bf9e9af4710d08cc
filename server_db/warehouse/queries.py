"""What the warehouse sees: orders with reserved goods waiting to be picked, and the delivery notes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy.orm import Session

from server_db.core.queries import Row, Where, select_rows
from server_db.sales.states import SALES_ORDER
from server_db.warehouse.states import DELIVERY_NOTE

# -- warehouse --------------------------------------------------------------------------------------------


def pick_queue(session: Session, *, ids: Iterable[int] | None = None) -> list[Row]:
    """Orders with reserved goods waiting to be picked, earliest promised date first."""
    where = Where().any_of("o.state", SALES_ORDER.group("pickable")).ids("o.id", ids)
    return select_rows(
        session,
        f"""
        SELECT o.id, o.number, o.state, o.promised_date, o.late, c.name AS customer_name,
               sum(coalesce(r.quantity, 0)) - coalesce(sum(pk.picked), 0) AS pickable,
               sum(l.quantity - l.qty_shipped) AS to_ship
          FROM erp.sales_orders o
          JOIN erp.customers c ON c.id = o.customer_id
          JOIN erp.sales_order_lines l ON l.order_id = o.id
          LEFT JOIN erp.reservations r ON r.sales_order_line_id = l.id
          LEFT JOIN LATERAL (SELECT sum(dl.quantity) AS picked FROM erp.delivery_note_lines dl
                               JOIN erp.delivery_notes d ON d.id = dl.delivery_note_id
                              WHERE dl.sales_order_line_id = l.id AND d.state = ANY(:unshipped)) pk ON true
         WHERE {where.sql}
         GROUP BY o.id, c.name
        HAVING sum(coalesce(r.quantity, 0)) - coalesce(sum(pk.picked), 0) > 0
         ORDER BY o.promised_date NULLS LAST, o.id
    """,
        unshipped=DELIVERY_NOTE.group("unshipped"),
        **where.params,
    )


def delivery_notes(
    session: Session,
    *,
    ids: Iterable[int] | None = None,
    states: Sequence[str] | None = None,
    order_id: int | None = None,
) -> list[Row]:
    where = Where().ids("d.id", ids).any_of("d.state", states).equals("d.sales_order_id", order_id)
    return select_rows(
        session,
        f"""
        SELECT d.id, d.number, d.state, d.sales_order_id, o.number AS order_number, c.name AS customer_name,
               d.created_at, d.shipped_at, d.print_count, d.printed_at,
               (SELECT sum(quantity) FROM erp.delivery_note_lines WHERE delivery_note_id = d.id) AS quantity
          FROM erp.delivery_notes d
          JOIN erp.sales_orders o ON o.id = d.sales_order_id
          JOIN erp.customers c ON c.id = o.customer_id
         WHERE {where.sql}
         ORDER BY d.id DESC
    """,
        **where.params,
    )
