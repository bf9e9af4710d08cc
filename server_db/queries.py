"""What each department sees: read-only queries that feed the windows, the command line and the tests.

Every list query takes optional `ids` so a window can refetch just the rows an event named.
Rows come back as dicts (column name -> value).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server_db.changes import EVENT_COLUMNS, Event, event_from_row

Row = dict[str, Any]


def _rows(session: Session, sql: str, **params: Any) -> list[Row]:
    return [dict(row) for row in session.execute(text(sql), params).mappings().all()]


def _ids_clause(column: str, ids: Iterable[int] | None, params: dict[str, Any]) -> str:
    if ids is None:
        return "true"
    params["ids"] = list(ids)
    return f"{column} = ANY(:ids)"


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
    where = [_ids_clause("s.id", ids, params)]
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
    return _rows(session, sql, **params)


def order_lines(session: Session, order_id: int) -> list[Row]:
    """An order's lines with everything each department needs: ordered, reserved, to purchase, to produce,
    shipped, invoiced, and the money."""
    return _rows(
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
        for r in _rows(
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


# -- warehouse --------------------------------------------------------------------------------------------


def pick_queue(session: Session, *, ids: Iterable[int] | None = None) -> list[Row]:
    """Orders with reserved goods waiting to be picked, earliest promised date first."""
    params: dict[str, Any] = {}
    return _rows(
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
         WHERE o.state IN ('in_fulfilment', 'ready', 'partially_shipped') AND {_ids_clause("o.id", ids, params)}
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
    where = [_ids_clause("d.id", ids, params)]
    if states is not None:
        where.append("d.state = ANY(:states)")
        params["states"] = list(states)
    if order_id is not None:
        where.append("d.sales_order_id = :order_id")
        params["order_id"] = order_id
    return _rows(
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


def stock_levels(
    session: Session,
    *,
    product_ids: Iterable[int] | None = None,
    search: str | None = None,
    warehouse_id: int | None = None,
) -> list[Row]:
    """Per product: on hand, reserved, available, incoming from open purchase orders, in production,
    and whether it is below its reorder point."""
    params: dict[str, Any] = {"warehouse_id": warehouse_id}
    where = [_ids_clause("p.id", product_ids, params)]
    if search:
        where.append("(p.sku ILIKE :search OR p.name ILIKE :search)")
        params["search"] = f"%{search}%"
    return _rows(
        session,
        f"""
        SELECT p.id AS product_id, p.sku, p.name, p.unit, p.procurement, p.reorder_point,
               s.warehouse_id, s.on_hand, s.reserved, s.on_hand - s.reserved AS available,
               coalesce((SELECT sum(pol.quantity - pol.qty_received) FROM erp.purchase_order_lines pol
                           JOIN erp.purchase_orders po ON po.id = pol.order_id
                          WHERE pol.product_id = p.id AND po.warehouse_id = s.warehouse_id
                            AND po.state IN ('draft', 'sent', 'partially_received')), 0) AS incoming,
               coalesce((SELECT sum(m.quantity) FROM erp.production_orders m
                          WHERE m.product_id = p.id AND m.warehouse_id = s.warehouse_id
                            AND m.state IN ('planned', 'released', 'in_progress')), 0) AS in_production,
               s.on_hand - s.reserved < p.reorder_point AS below_reorder_point
          FROM erp.products p
          JOIN erp.stock_levels s ON s.product_id = p.id
         WHERE s.warehouse_id = coalesce(CAST(:warehouse_id AS bigint), (SELECT min(id) FROM erp.warehouses))
           AND {" AND ".join(where)}
         ORDER BY p.sku
    """,
        **params,
    )


# -- purchasing -------------------------------------------------------------------------------------------


def purchase_requests(
    session: Session, *, ids: Iterable[int] | None = None, states: Sequence[str] | None = ("open",)
) -> list[Row]:
    """Requests with their supplier, product and the order they serve; grouped by supplier."""
    params: dict[str, Any] = {}
    where = [_ids_clause("q.id", ids, params)]
    if states is not None:
        where.append("q.state = ANY(:states)")
        params["states"] = list(states)
    return _rows(
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
         WHERE {" AND ".join(where)}
         ORDER BY s.code, q.needed_by, q.id
    """,
        **params,
    )


def purchase_orders(
    session: Session, *, ids: Iterable[int] | None = None, states: Sequence[str] | None = None
) -> list[Row]:
    """Purchase orders with outstanding quantity and whether they are overdue."""
    params: dict[str, Any] = {}
    where = [_ids_clause("po.id", ids, params)]
    if states is not None:
        where.append("po.state = ANY(:states)")
        params["states"] = list(states)
    return _rows(
        session,
        f"""
        SELECT po.id, po.number, po.state, po.order_date, po.expected_date, po.version,
               s.code AS supplier_code, s.name AS supplier_name,
               sum(pol.quantity) AS ordered, sum(pol.qty_received) AS received,
               sum(pol.quantity * pol.unit_cost) AS value,
               po.expected_date < current_date AND po.state IN ('sent', 'partially_received') AS overdue
          FROM erp.purchase_orders po
          JOIN erp.suppliers s ON s.id = po.supplier_id
          LEFT JOIN erp.purchase_order_lines pol ON pol.order_id = po.id
         WHERE {" AND ".join(where)}
         GROUP BY po.id, s.code, s.name
         ORDER BY po.id DESC
    """,
        **params,
    )


def purchase_order_lines(session: Session, po_id: int) -> list[Row]:
    return _rows(
        session,
        """
        SELECT pol.id, pol.line_no, pol.quantity, pol.qty_received, pol.quantity - pol.qty_received AS outstanding,
               pol.unit_cost, p.sku, p.name AS product_name, p.unit
          FROM erp.purchase_order_lines pol JOIN erp.products p ON p.id = pol.product_id
         WHERE pol.order_id = :po_id ORDER BY pol.line_no
    """,
        po_id=po_id,
    )


# -- production -------------------------------------------------------------------------------------------


def production_orders(
    session: Session,
    *,
    ids: Iterable[int] | None = None,
    states: Sequence[str] | None = None,
    work_centre_id: int | None = None,
) -> list[Row]:
    params: dict[str, Any] = {}
    where = [_ids_clause("m.id", ids, params)]
    if states is not None:
        where.append("m.state = ANY(:states)")
        params["states"] = list(states)
    if work_centre_id is not None:
        where.append("m.work_centre_id = :work_centre_id")
        params["work_centre_id"] = work_centre_id
    return _rows(
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
         WHERE {" AND ".join(where)}
         ORDER BY m.planned_start NULLS LAST, m.due_date, m.id
    """,
        **params,
    )


def work_centre_load(session: Session, *, start: dt.date | None = None, days: int = 14) -> list[Row]:
    """Scheduled hours against capacity, per work centre and day."""
    return _rows(
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


# -- finance ----------------------------------------------------------------------------------------------


def to_invoice_queue(session: Session, *, ids: Iterable[int] | None = None) -> list[Row]:
    """Orders with shipped quantities not yet invoiced (nor on a draft invoice), with their value."""
    params: dict[str, Any] = {}
    return _rows(
        session,
        f"""
        SELECT o.id, o.number, o.state, c.name AS customer_name,
               sum(erp.line_net(l.qty_shipped - l.qty_invoiced, l.unit_price, l.discount_pct)) AS net_amount,
               max(d.shipped_at) AS last_shipped_at
          FROM erp.sales_orders o
          JOIN erp.customers c ON c.id = o.customer_id
          JOIN erp.sales_order_lines l ON l.order_id = o.id
          LEFT JOIN erp.delivery_notes d ON d.sales_order_id = o.id AND d.state = 'shipped'
         WHERE o.state IN ('partially_shipped', 'shipped', 'invoiced') AND {_ids_clause("o.id", ids, params)}
           AND NOT EXISTS (SELECT 1 FROM erp.invoices i WHERE i.sales_order_id = o.id AND i.state = 'draft')
         GROUP BY o.id, c.name
        HAVING sum(l.qty_shipped - l.qty_invoiced) > 0
         ORDER BY min(d.shipped_at) NULLS LAST, o.id
    """,
        **params,
    )


def invoices(
    session: Session,
    *,
    ids: Iterable[int] | None = None,
    states: Sequence[str] | None = None,
    order_id: int | None = None,
) -> list[Row]:
    params: dict[str, Any] = {}
    where = [_ids_clause("i.id", ids, params)]
    if states is not None:
        where.append("i.state = ANY(:states)")
        params["states"] = list(states)
    if order_id is not None:
        where.append("i.sales_order_id = :order_id")
        params["order_id"] = order_id
    return _rows(
        session,
        f"""
        SELECT i.id, i.number, i.kind, i.state, i.invoice_date, i.due_date, i.net_total, i.tax_total,
               i.gross_total, i.amount_paid, i.amount_credited,
               i.gross_total - i.amount_paid - i.amount_credited AS open_amount,
               i.print_count, i.version, o.id AS sales_order_id, o.number AS order_number,
               c.code AS customer_code, c.name AS customer_name,
               i.due_date < current_date AND i.state IN ('posted', 'partially_paid') AS overdue
          FROM erp.invoices i
          JOIN erp.sales_orders o ON o.id = i.sales_order_id
          JOIN erp.customers c ON c.id = i.customer_id
         WHERE {" AND ".join(where)}
         ORDER BY i.id DESC
    """,
        **params,
    )


def receivables_ageing(session: Session, *, today: dt.date | None = None) -> list[Row]:
    """Open invoice balances per customer in age buckets by days past due."""
    return _rows(
        session,
        """
        WITH open_items AS (
            SELECT i.customer_id, i.gross_total - i.amount_paid - i.amount_credited AS open_amount,
                   coalesce(CAST(:today AS date), current_date) - i.due_date AS days_overdue
              FROM erp.invoices i
             WHERE i.kind = 'invoice' AND i.state IN ('posted', 'partially_paid'))
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
    )


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
    if ids is None:
        return _rows(
            session,
            f"""
            {_BOARD_COLUMNS}
              LEFT JOIN (SELECT l.order_id, sum(l.quantity) AS ordered, sum(l.qty_shipped) AS shipped,
                                sum(coalesce(r.quantity, 0)) AS reserved
                           FROM erp.sales_order_lines l
                           JOIN erp.sales_orders oo ON oo.id = l.order_id
                           LEFT JOIN erp.reservations r ON r.sales_order_line_id = l.id
                          WHERE oo.state NOT IN ('closed', 'cancelled')
                          GROUP BY l.order_id) t ON t.order_id = o.id
             WHERE o.state NOT IN ('closed', 'cancelled')
             ORDER BY o.id
        """,
        )
    params: dict[str, Any] = {}
    return _rows(
        session,
        f"""
        {_BOARD_COLUMNS}
          LEFT JOIN LATERAL (SELECT sum(l.quantity) AS ordered, sum(l.qty_shipped) AS shipped,
                                    sum(coalesce(r.quantity, 0)) AS reserved
                               FROM erp.sales_order_lines l
                               LEFT JOIN erp.reservations r ON r.sales_order_line_id = l.id
                              WHERE l.order_id = o.id) t ON true
         WHERE o.state NOT IN ('closed', 'cancelled') AND {_ids_clause("o.id", ids, params)}
         ORDER BY o.id
    """,
        **params,
    )


def kpis(session: Session) -> Row:
    """The numbers on the supervisor's tiles."""
    row = (
        session.execute(
            text("""
        SELECT (SELECT count(*) FROM erp.sales_orders WHERE state NOT IN ('closed', 'cancelled')) AS open_orders,
               (SELECT count(*) FROM erp.sales_orders
                 WHERE late AND state NOT IN ('closed', 'cancelled')) AS late_orders,
               (SELECT count(*) FROM erp.stock_levels s JOIN erp.products p ON p.id = s.product_id
                 WHERE s.on_hand - s.reserved < p.reorder_point) AS below_reorder_point,
               (SELECT count(DISTINCT l.product_id) FROM erp.sales_order_lines l
                  JOIN erp.sales_orders o ON o.id = l.order_id
                  LEFT JOIN erp.reservations r ON r.sales_order_line_id = l.id
                 WHERE o.state IN ('confirmed', 'in_fulfilment', 'ready', 'partially_shipped')
                   AND l.quantity - l.qty_shipped > coalesce(r.quantity, 0)) AS short_products,
               (SELECT coalesce(sum(gross_total - amount_paid - amount_credited), 0) FROM erp.invoices
                 WHERE kind = 'invoice' AND state IN ('posted', 'partially_paid') AND due_date < current_date)
                   AS overdue_receivables,
               (SELECT count(*) FROM erp.production_orders
                 WHERE late AND state IN ('planned', 'released', 'in_progress')) AS late_production
    """)
        )
        .mappings()
        .one()
    )
    return dict(row)


def orders_per_state(session: Session) -> dict[str, int]:
    return {
        state: n
        for state, n in session.execute(text("SELECT state, count(*) FROM erp.sales_orders GROUP BY state")).all()
    }


def document_state_counts(session: Session) -> list[Row]:
    """How many documents of each kind are in each state."""
    return _rows(
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


# -- master data for pickers ------------------------------------------------------------------------------


def customers(session: Session, *, ids: Iterable[int] | None = None) -> list[Row]:
    params: dict[str, Any] = {}
    return _rows(
        session,
        f"""
        SELECT id, code, name, address, delivery_address, contact, phone, email, tax_id, payment_terms_days,
               credit_limit, active, version
          FROM erp.customers WHERE {_ids_clause("id", ids, params)} ORDER BY code
    """,
        **params,
    )


def products(session: Session, *, ids: Iterable[int] | None = None) -> list[Row]:
    params: dict[str, Any] = {}
    return _rows(
        session,
        f"""
        SELECT p.id, p.sku, p.name, p.unit, p.procurement, p.price, p.cost, p.tax_rate, p.active, p.version,
               p.lead_time_days, p.reorder_point, s.code AS supplier_code, w.code AS work_centre_code
          FROM erp.products p
          LEFT JOIN erp.suppliers s ON s.id = p.default_supplier_id
          LEFT JOIN erp.work_centres w ON w.id = p.work_centre_id
         WHERE {_ids_clause("p.id", ids, params)} ORDER BY p.sku
    """,
        **params,
    )


def order_header(session: Session, order_id: int) -> Row | None:
    rows = _rows(
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


def dashboard(session: Session, *, days: int = 7) -> Row:
    """Everything on the supervisor's tiles and charts, in one round of queries."""
    return {
        "kpis": kpis(session),
        "orders_per_state": orders_per_state(session),
        "load": _rows(
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
        "ageing": _rows(
            session,
            """
            SELECT coalesce(sum(open) FILTER (WHERE age <= 0), 0) AS current,
                   coalesce(sum(open) FILTER (WHERE age BETWEEN 1 AND 30), 0) AS days_1_30,
                   coalesce(sum(open) FILTER (WHERE age BETWEEN 31 AND 60), 0) AS days_31_60,
                   coalesce(sum(open) FILTER (WHERE age BETWEEN 61 AND 90), 0) AS days_61_90,
                   coalesce(sum(open) FILTER (WHERE age > 90), 0) AS over_90
              FROM (SELECT gross_total - amount_paid - amount_credited AS open, current_date - due_date AS age
                      FROM erp.invoices WHERE kind = 'invoice' AND state IN ('posted', 'partially_paid')) i
        """,
        )[0],
    }


def work_centres(session: Session) -> list[Row]:
    return _rows(session, "SELECT id, code, name, daily_capacity_hours FROM erp.work_centres ORDER BY code")
