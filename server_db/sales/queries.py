"""What sales sees: orders with their money and progress, an order's lines and history, and the
availability of what is being entered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, overload

from sqlalchemy import text
from sqlalchemy.orm import Session

from server_db.core import validation
from server_db.core.changes import EVENT_COLUMNS, Event, event_from_row
from server_db.core.errors import NotFound, ValidationError
from server_db.core.queries import Document, Row, Where, select_rows
from server_db.masterdata import queries as masterdata_queries

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
    where = (
        Where()
        .ids("s.id", ids)
        .any_of("s.state", states)
        .equals("s.customer_id", customer_id)
        .search(("s.number", "s.customer_name", "s.customer_code"), search)
    )
    sql = f"SELECT s.* FROM erp.sales_order_summary s WHERE {where.sql} ORDER BY s.id DESC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return select_rows(session, sql, **where.params)


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
    """One line being entered: the stock picture of its product, the date it could ship, and its money as
    the database computes it (`erp.line_net`, `erp.line_tax`)."""

    product_id: int
    quantity: Decimal
    on_hand: Decimal
    reserved: Decimal
    available: Decimal
    incoming: Decimal
    next_receipt: dt.date | None
    ship_date: dt.date
    unit_price: Decimal | None = None  # the price entered, or the product's list price when none was
    net: Decimal | None = None  # None when the price or discount entered is not a usable number
    tax: Decimal | None = None

    @property
    def short(self) -> bool:
        """Less is free than the line asks for: it waits for goods or production."""
        return self.available < self.quantity


@dataclass(frozen=True)
class Availability(Sequence[LineAvailability]):
    """The answer to order entry's preview: a LineAvailability per line (in the order asked, products that do
    not exist left out), the order's money, and the date the whole order could ship (its latest line)."""

    lines: tuple[LineAvailability, ...] = ()
    net_total: Decimal = Decimal(0)
    tax_total: Decimal = Decimal(0)
    ship_date: dt.date | None = None
    later_than_requested: bool = False

    @property
    def gross_total(self) -> Decimal:
        return self.net_total + self.tax_total

    @overload
    def __getitem__(self, index: int) -> LineAvailability: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[LineAvailability]: ...

    def __getitem__(self, index: int | slice) -> LineAvailability | Sequence[LineAvailability]:
        return self.lines[index]

    def __len__(self) -> int:
        return len(self.lines)


_NOT_A_NUMBER = object()


def _entered(value: Any, parse: Callable[[Any], Decimal], *, empty: Decimal | None) -> Any:
    """A price or discount as typed: `empty` when nothing was typed, _NOT_A_NUMBER when it cannot be used."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return empty
    try:
        return parse(value)
    except ValidationError:
        return _NOT_A_NUMBER


def availability(
    session: Session,
    lines: Sequence[tuple[Any, ...]],
    *,
    warehouse_id: int | None = None,
    requested_date: dt.date | None = None,
) -> Availability:
    """For order entry: per line (product id, quantity[, unit price[, discount %]]), the stock picture, the
    date the line could ship and its net and tax; for the order, the totals and the date it could ship.
    A price of None takes the product's list price. One call of `erp.order_entry_availability` for the whole
    order (the rules live there). Lines of the same product draw on the same free stock in order."""
    if not lines:
        return Availability()
    wanted = []
    for line in lines:
        product_id, qty = int(line[0]), Decimal(str(line[1]))
        price = _entered(line[2] if len(line) > 2 else None, _price, empty=None)
        discount = _entered(line[3] if len(line) > 3 else None, _discount, empty=Decimal(0))
        priced = price is not _NOT_A_NUMBER and discount is not _NOT_A_NUMBER
        wanted.append((product_id, qty, price if priced else None, discount if priced else Decimal(0), priced))
    rows = select_rows(
        session,
        "SELECT * FROM erp.order_entry_availability(CAST(:products AS bigint[]), CAST(:quantities AS numeric[]),"
        " CAST(:prices AS numeric[]), CAST(:discounts AS numeric[]), CAST(:priced AS boolean[]),"
        " CAST(:warehouse_id AS bigint))",
        products=[w[0] for w in wanted],
        quantities=[w[1] for w in wanted],
        prices=[w[2] for w in wanted],
        discounts=[w[3] for w in wanted],
        priced=[w[4] for w in wanted],
        warehouse_id=warehouse_id,
    )
    result = []
    for row in rows:
        product_id, qty, ship = row["product_id"], row["quantity"], row["ship_date"]
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
                unit_price=row["unit_price"],
                net=row["net"],
                tax=row["tax"],
            )
        )
    latest = max((line.ship_date for line in result), default=None)
    return Availability(
        tuple(result),
        net_total=sum((line.net for line in result if line.net is not None), Decimal(0)),
        tax_total=sum((line.tax for line in result if line.tax is not None), Decimal(0)),
        ship_date=latest,
        later_than_requested=latest is not None and requested_date is not None and latest > requested_date,
    )


def _price(value: Any) -> Decimal:
    return validation.money(value, field="unit_price", label="The price")


def _discount(value: Any) -> Decimal:
    return validation.percent(value, field="discount_pct", label="The discount")


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


def order_with_lines(session: Session, order_id: int) -> Document:
    """An order's header and lines, as the warehouse picks and ships it."""
    return Document(order_header(session, order_id), order_lines(session, order_id))


@dataclass(frozen=True)
class OrderDetail:
    """What sales shows under the chosen order: the header, the lines and the timeline across departments."""

    header: Row | None
    lines: list[Row] = field(default_factory=list)
    timeline: list[Event] = field(default_factory=list)


def order_detail(session: Session, order_id: int) -> OrderDetail:
    return OrderDetail(
        order_header(session, order_id), order_lines(session, order_id), order_timeline(session, order_id)
    )


@dataclass(frozen=True)
class OrderEntry:
    """What order entry starts from: the customers and products that can be chosen (active ones) and, when a
    draft is edited, its header and lines."""

    customers: list[Row]
    products: list[Row]
    header: Row | None = None
    lines: list[Row] = field(default_factory=list)


def order_entry(session: Session, order_id: int | None = None) -> OrderEntry:
    customers = [c for c in masterdata_queries.customers(session) if c["active"]]
    products = [p for p in masterdata_queries.products(session) if p["active"]]
    if order_id is None:
        return OrderEntry(customers, products)
    return OrderEntry(customers, products, order_header(session, order_id), order_lines(session, order_id))


def find_order(session: Session, number: str) -> tuple[int, str]:
    """(id, number) of the sales order a person typed, e.g. 'so-2026-00001'; a sentence if there is none."""
    typed = (number or "").strip() if isinstance(number, str) else ""
    if not typed:
        raise ValidationError("Type an order number, e.g. SO-2026-00001.", field="order")
    rows = select_rows(session, "SELECT id, number FROM erp.sales_orders WHERE number = :number", number=typed.upper())
    if not rows:
        raise NotFound(f"There is no sales order {typed.upper()}.")
    return rows[0]["id"], rows[0]["number"]
