"""What sales sees: orders with their money and progress, an order's lines and history, and the
availability of what is being entered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server_db.core.changes import EVENT_COLUMNS, Event, event_from_row
from server_db.core.queries import Row, ids_clause, select_rows

# -- sales ------------------------------------------------------------------------------------------------


def sales_orders(
    session: Session,
    *,
    ids: Iterable[int] | None = None,
    states: Sequence[str] | None = None,
    customer_id: int | None = None,
    search: str | None = None,
    limit: int | None = None,
) -> list[Row]:
    """Orders with customer, dates, money and progress, newest first."""
    params: dict[str, Any] = {}
    where = [ids_clause("s.id", ids, params)]
    if states is not None:
        where.append("s.state = ANY(:states)")
        params["states"] = list(states)
    if customer_id is not None:
        where.append("s.customer_id = :customer_id")
        params["customer_id"] = customer_id
    if search:
        where.append("(s.number ILIKE :search OR s.customer_name ILIKE :search OR s.customer_code ILIKE :search)")
        params["search"] = f"%{search}%"
    sql = f"SELECT s.* FROM erp.sales_order_summary s WHERE {' AND '.join(where)} ORDER BY s.id DESC"
    if limit:
        sql += " LIMIT :limit"
        params["limit"] = limit
    return select_rows(session, sql, **params)


def order_lines(session: Session, order_id: int) -> list[Row]:
    """An order's lines with everything each department needs: ordered, reserved, to purchase, to produce,
    shipped, invoiced, and the money."""
    return select_rows(
        session,
        """
        SELECT f.*, l.unit_price, l.discount_pct, l.tax_rate, l.description, l.below_cost_reason,
               p.sku, p.name AS product_name, p.unit, p.procurement,
               erp.line_net(l.quantity, l.unit_price, l.discount_pct) AS net_amount
          FROM erp.sales_order_line_figures f
          JOIN erp.sales_order_lines l ON l.id = f.line_id
          JOIN erp.products p ON p.id = l.product_id
         WHERE f.order_id = :order_id
         ORDER BY f.line_no
    """,
        order_id=order_id,
    )


def order_timeline(session: Session, order_id: int) -> list[Event]:
    """Everything that happened to an order across all departments, oldest first."""
    rows = session.execute(
        text(f"SELECT {EVENT_COLUMNS} FROM erp.order_events WHERE sales_order_id = :order_id ORDER BY created_at, id"),
        {"order_id": order_id},
    ).all()
    return [event_from_row(row) for row in rows]


@dataclass(frozen=True)
class LineAvailability:
    product_id: int
    quantity: Decimal
    on_hand: Decimal
    reserved: Decimal
    available: Decimal
    incoming: Decimal
    next_receipt: dt.date | None
    ship_date: dt.date


def availability(
    session: Session, lines: Sequence[tuple[int, Any]], *, warehouse_id: int | None = None
) -> list[LineAvailability]:
    """For order entry: per (product id, quantity), the stock picture and the date the line could ship.
    One query for the whole order. Lines of the same product draw on the same free stock in order."""
    if not lines:
        return []
    rows = {
        r["product_id"]: r
        for r in select_rows(
            session,
            """
        SELECT p.id AS product_id, p.procurement, p.hours_per_unit,
               CASE WHEN p.procurement = 'buy' THEN erp.buy_lead_time(p.id) ELSE p.lead_time_days END AS lead_time,
               coalesce(s.on_hand, 0) AS on_hand, coalesce(s.reserved, 0) AS reserved,
               coalesce(i.incoming, 0) AS incoming, i.next_receipt, w.daily_capacity_hours, current_date AS today,
               coalesce(b.backlog, 0) AS backlog
          FROM erp.products p
          JOIN erp.warehouses wh ON wh.id = coalesce(CAST(:warehouse_id AS bigint),
                                                     (SELECT min(id) FROM erp.warehouses))
          LEFT JOIN erp.stock_levels s ON s.product_id = p.id AND s.warehouse_id = wh.id
          LEFT JOIN erp.work_centres w ON w.id = p.work_centre_id
          LEFT JOIN LATERAL (
               SELECT sum(pol.quantity - pol.qty_received) AS incoming, min(po.expected_date) AS next_receipt
                 FROM erp.purchase_order_lines pol JOIN erp.purchase_orders po ON po.id = pol.order_id
                WHERE pol.product_id = p.id AND po.warehouse_id = wh.id
                  AND po.state IN ('draft', 'sent', 'partially_received')) i ON true
          LEFT JOIN LATERAL (  -- the open hours of the work centre, kept by the database as they change
               SELECT sum(wb.hours) AS backlog FROM erp.work_centre_backlog wb
                WHERE wb.work_centre_id = p.work_centre_id
               ) b ON p.procurement = 'make'
         WHERE p.id = ANY(:ids)
    """,
            ids=list({int(p) for p, _ in lines}),
            warehouse_id=warehouse_id,
        )
    }
    drawn: dict[int, Decimal] = {}
    result = []
    for product_id, qty in lines:
        row = rows.get(int(product_id))
        if row is None:
            continue
        qty = Decimal(str(qty))
        free = max(row["on_hand"] - row["reserved"] - drawn.get(product_id, Decimal(0)), Decimal(0))
        drawn[product_id] = drawn.get(product_id, Decimal(0)) + qty
        today: dt.date = row["today"]
        if free >= qty:
            ship = today
        elif row["procurement"] == "buy":
            covered_by_receipt = row["next_receipt"] is not None and row["incoming"] >= qty - free
            ship = max(today, row["next_receipt"]) if covered_by_receipt else today + dt.timedelta(row["lead_time"])
        else:
            hours = (qty - free) * row["hours_per_unit"]
            capacity = row["daily_capacity_hours"] or Decimal(8)
            days = max(int(-(-(row["backlog"] + hours) // capacity)), 1)
            ship = today + dt.timedelta(days=max(days - 1, row["lead_time"]))
        result.append(
            LineAvailability(
                product_id,
                qty,
                row["on_hand"],
                row["reserved"],
                row["on_hand"] - row["reserved"],
                row["incoming"],
                row["next_receipt"],
                ship,
            )
        )
    return result


def order_header(session: Session, order_id: int) -> Row | None:
    rows = select_rows(
        session,
        """
        SELECT o.id, o.number, o.state, o.version, o.customer_id, c.code AS customer_code, c.name AS customer_name,
               coalesce(nullif(o.delivery_address, ''), nullif(c.delivery_address, ''), c.address) AS ship_to,
               o.delivery_address, o.customer_reference, o.notes, o.requested_date, o.promised_date,
               o.estimated_ship_date, o.late, o.order_date, o.cancel_reason, o.created_by, o.confirmed_at
          FROM erp.sales_orders o JOIN erp.customers c ON c.id = o.customer_id
         WHERE o.id = :order_id
    """,
        order_id=order_id,
    )
    return rows[0] if rows else None
