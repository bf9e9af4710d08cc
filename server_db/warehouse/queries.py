"""What the warehouse sees: orders with reserved goods waiting to be picked, and the delivery notes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from server_db.core.queries import Row, ids_clause, select_rows

# -- warehouse --------------------------------------------------------------------------------------------


def pick_queue(session: Session, *, ids: Iterable[int] | None = None) -> list[Row]:
    """Orders with reserved goods waiting to be picked, earliest promised date first."""
    params: dict[str, Any] = {}
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
                              WHERE dl.sales_order_line_id = l.id AND d.state IN ('draft', 'picked')) pk ON true
         WHERE o.state IN ('in_fulfilment', 'ready', 'partially_shipped') AND {ids_clause("o.id", ids, params)}
         GROUP BY o.id, c.name
        HAVING sum(coalesce(r.quantity, 0)) - coalesce(sum(pk.picked), 0) > 0
         ORDER BY o.promised_date NULLS LAST, o.id
    """,
        **params,
    )


def delivery_notes(
    session: Session,
    *,
    ids: Iterable[int] | None = None,
    states: Sequence[str] | None = None,
    order_id: int | None = None,
) -> list[Row]:
    params: dict[str, Any] = {}
    where = [ids_clause("d.id", ids, params)]
    if states is not None:
        where.append("d.state = ANY(:states)")
        params["states"] = list(states)
    if order_id is not None:
        where.append("d.sales_order_id = :order_id")
        params["order_id"] = order_id
    return select_rows(
        session,
        f"""
        SELECT d.id, d.number, d.state, d.sales_order_id, o.number AS order_number, c.name AS customer_name,
               d.created_at, d.shipped_at, d.print_count, d.printed_at,
               (SELECT sum(quantity) FROM erp.delivery_note_lines WHERE delivery_note_id = d.id) AS quantity
          FROM erp.delivery_notes d
          JOIN erp.sales_orders o ON o.id = d.sales_order_id
          JOIN erp.customers c ON c.id = o.customer_id
         WHERE {" AND ".join(where)}
         ORDER BY d.id DESC
    """,
        **params,
    )
