"""One way to build a company and its orders, shared by the demo, the tests and the benchmarks.

A `CompanySpec` says what master data there is, as the values the masterdata services take; `build` creates
it over the caller's Session, in the order the references need (work centres and suppliers before the products
that name them, products before their stock). A `Clerk` then moves orders along through the same services the
windows call, one transaction per step, so that every fixture also walks the real workflow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.orm import Session

from server_db.core.calls import current_date
from server_db.core.changes import Changes
from server_db.core.db import Database
from server_db.finance import services as finance
from server_db.finance.models import Invoice
from server_db.masterdata import services as masterdata
from server_db.production import queries as production_queries
from server_db.production import services as production
from server_db.purchasing import queries as purchasing_queries
from server_db.purchasing import services as purchasing
from server_db.sales import queries as sales_queries
from server_db.sales import services as sales
from server_db.sales.services import LineInput
from server_db.warehouse import services as warehouse

Values = Mapping[str, Any]
Stage = Literal["draft", "confirmed", "shipped"]


@dataclass(frozen=True)
class CompanySpec:
    """Master data to create. Each entry holds the keyword arguments of its masterdata service; a product
    names its `procurement` ("buy" or "make") and, when made, its `bom`. Without `company` the spec adds to
    a company that is already there."""

    company: Values | None = None
    warehouses: Sequence[Values] = ()
    work_centres: Sequence[Values] = ()
    customers: Sequence[Values] = ()
    suppliers: Sequence[Values] = ()
    products: Sequence[Values] = ()
    stock: Mapping[str, Any] = field(default_factory=dict)  # SKU -> opening quantity, default warehouse
    stock_reason: str = "opening stock"


@dataclass(frozen=True)
class BuiltCompany:
    """The ids of what `build` created, by code and by SKU, in creation order."""

    customers: dict[str, int]
    products: dict[str, int]


def build(session: Session, spec: CompanySpec) -> BuiltCompany:
    """Create the master data and opening stock of `spec` through the masterdata and warehouse services."""
    if spec.company is not None:
        masterdata.set_company(session, **spec.company)
    for values in spec.warehouses:
        masterdata.create_warehouse(session, **values)
    for values in spec.work_centres:
        masterdata.create_work_centre(session, **values)
    customers = {values["code"]: _id(masterdata.create_customer(session, **values)) for values in spec.customers}
    for values in spec.suppliers:
        masterdata.create_supplier(session, **values)
    products = {values["sku"]: _id(masterdata.create_product(session, **values)) for values in spec.products}
    for sku, quantity in spec.stock.items():
        warehouse.adjust_stock(session, sku, quantity=quantity, reason=spec.stock_reason)
    return BuiltCompany(customers, products)


class Clerk:
    """Every department's clerk at once: enters, confirms, ships, invoices and buys through the real services,
    one transaction per step as the windows do (so triggers, events and numbering run as they do in use)."""

    def __init__(self, db: Database, *, today: dt.date | None = None) -> None:
        self.db = db
        self._today = today

    @property
    def today(self) -> dt.date:
        """The database's date (read once): requested dates count from it."""
        if self._today is None:
            self._today = self.db.run(current_date)
        return self._today

    def adjust_stock(self, quantities: Mapping[str | int, Any], *, reason: str) -> None:
        """Add stock of each product (SKU or id), one adjustment per product."""
        for product, quantity in quantities.items():
            self.db.run(warehouse.adjust_stock, product, quantity=quantity, reason=reason)

    def order(
        self,
        customer: str | int,
        lines: Sequence[tuple[str | int, Any]],
        *,
        until: Stage = "draft",
        days: int | None = None,
        **header: Any,
    ) -> int:
        """Enter an order of (product, quantity) lines, wanted in `days`, and take it `until` a stage: just
        entered, confirmed, or confirmed and shipped in full. `header`: the other options of create_order.
        Returns the order's id."""
        changes = self.db.run(
            sales.create_order,
            customer=customer,
            lines=[LineInput(product=product, quantity=quantity) for product, quantity in lines],
            requested_date=self.today + dt.timedelta(days=days) if days is not None else None,
            **header,
        )
        order_id = _id(changes)
        if until in ("confirmed", "shipped"):
            self.confirm(order_id)
        if until == "shipped":
            self.ship(order_id)
        return order_id

    def confirm(self, order_id: int) -> int:
        self.db.run(sales.confirm_order, order_id)
        return order_id

    def cancel(self, order_id: int, *, reason: str) -> None:
        self.db.run(sales.cancel_order, order_id, reason=reason)

    def ship(self, order_id: int, quantities: Mapping[str, Any] | None = None) -> int:
        """Pick and ship the order, in full or the given quantities by SKU. Returns the delivery note's id."""
        if quantities is None:
            return _id(self.db.run(warehouse.ship_order, order_id))
        lines = self.db.run(lambda s: {row["sku"]: row["line_id"] for row in sales_queries.order_lines(s, order_id)})
        by_line = {lines[sku]: quantity for sku, quantity in quantities.items()}
        return _id(self.db.run(warehouse.ship_order, order_id, quantities=by_line))

    def invoice(self, order_id: int) -> int:
        """Invoice what was shipped and post the invoice. Returns its id."""
        return _id(self.db.run(finance.invoice_order, order_id))

    def pay(self, invoice_id: int, *, amount: Any = None, reference: str = "") -> None:
        """Record a payment of `amount`, or of all that is still open."""

        def pay(session: Session) -> None:
            paid = _open_amount(session, invoice_id) if amount is None else amount
            finance.record_payment(session, invoice_id, amount=paid, reference=reference)

        self.db.run(pay)

    def buy_shortages(self, *, receive: bool = False) -> Changes:
        """Purchase orders for every open request, sent to the suppliers (and received, with `receive`)."""
        changes = self.db.run(purchasing.create_purchase_orders)
        for po in self.db.run(lambda s: [r["id"] for r in purchasing_queries.purchase_orders(s, states=["draft"])]):
            self.db.run(purchasing.send_purchase_order, po)
            if receive:
                self.db.run(purchasing.receive_purchase_order, po)
        return changes

    def release_production(self) -> None:
        """Release every planned production order, then schedule the work centres."""
        for mo in self.db.run(lambda s: [r["id"] for r in production_queries.production_orders(s, states=["planned"])]):
            self.db.run(production.release_production_order, mo)
        self.db.run(production.schedule_production)


def _id(changes: Changes) -> int:
    assert changes.id is not None
    return changes.id


def _open_amount(session: Session, invoice_id: int) -> Any:
    invoice = session.get(Invoice, invoice_id)
    assert invoice is not None
    return invoice.gross_total - invoice.amount_paid - invoice.amount_credited
