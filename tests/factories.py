"""A small company for tests to tell stories with, built through the same services the windows use."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text

from server_db.core.calls import current_date
from server_db.core.db import Database
from server_db.finance import services as finance
from server_db.masterdata import services as masterdata
from server_db.masterdata.models import Product
from server_db.purchasing import queries as purchasing_queries
from server_db.purchasing import services as purchasing
from server_db.sales import queries as sales_queries
from server_db.sales import services as sales
from server_db.sales.models import SalesOrder
from server_db.sales.services import LineInput
from server_db.stock.models import StockLevel
from server_db.supervisor import board as board_queries
from server_db.warehouse import services as warehouse

CUSTOMER_NAME = "北京华联商贸有限公司"
CUSTOMER_ADDRESS = "北京市朝阳区建国路 88 号"


@dataclass
class World:
    db: Database
    today: dt.date
    products: dict[str, int] = field(default_factory=dict)
    customers: dict[str, int] = field(default_factory=dict)

    @classmethod
    def build(cls, db: Database) -> World:
        def setup(session: Any) -> World:
            masterdata.set_company(session, name="测试公司 Test Co.", address="上海市")
            masterdata.create_warehouse(session, code="MAIN", name="主仓库")
            masterdata.create_work_centre(session, code="ASM", name="装配 Assembly", daily_capacity_hours=8)
            masterdata.create_supplier(session, code="SUP", name="宁波供应商", lead_time_days=5)
            customers = {
                "CN": masterdata.create_customer(
                    session, code="CN", name=CUSTOMER_NAME, address=CUSTOMER_ADDRESS, tax_id="911101056000012342"
                ).id,
                "LIMIT": masterdata.create_customer(
                    session, code="LIMIT", name="Small Buyer Ltd", credit_limit="1000"
                ).id,
            }
            products = {
                "BUY-A": masterdata.create_product(
                    session,
                    sku="BUY-A",
                    name="Bought A 轴承",
                    procurement="buy",
                    price="10",
                    cost="6",
                    default_supplier="SUP",
                ).id,
                "BUY-B": masterdata.create_product(
                    session,
                    sku="BUY-B",
                    name="Bought B",
                    procurement="buy",
                    price="20",
                    cost="12",
                    default_supplier="SUP",
                    lead_time_days=10,
                ).id,
                "COMP-X": masterdata.create_product(
                    session,
                    sku="COMP-X",
                    name="Component X",
                    procurement="buy",
                    price="3",
                    cost="2",
                    default_supplier="SUP",
                ).id,
            }
            products["MADE-Y"] = masterdata.create_product(
                session,
                sku="MADE-Y",
                name="Made Y 泵",
                procurement="make",
                price="100",
                cost="50",
                work_centre="ASM",
                hours_per_unit="2",
                bom=[("COMP-X", 2)],
            ).id
            return cls(db, current_date(session), products, customers)

        return db.run(setup)

    # -- actions -----------------------------------------------------------------------------------------

    def stock(self, sku: str, quantity: Any) -> None:
        self.db.run(warehouse.adjust_stock, sku, quantity=quantity, reason="test stock")

    def order(self, lines: list[tuple[str, Any]], *, customer: str = "CN", days: int | None = 10, **kwargs: Any) -> int:
        changes = self.db.run(
            sales.create_order,
            customer=customer,
            lines=[LineInput(product=sku, quantity=qty) for sku, qty in lines],
            requested_date=self.today + dt.timedelta(days=days) if days is not None else None,
            **kwargs,
        )
        assert changes.id is not None
        return changes.id

    def confirmed_order(self, lines: list[tuple[str, Any]], **kwargs: Any) -> int:
        order_id = self.order(lines, **kwargs)
        self.db.run(sales.confirm_order, order_id)
        return order_id

    def purchase_and_receive_all(self) -> None:
        changes = self.db.run(purchasing.create_purchase_orders)
        for po in self.db.run(lambda s: [r["id"] for r in purchasing_queries.purchase_orders(s, states=["draft"])]):
            self.db.run(purchasing.send_purchase_order, po)
            self.db.run(purchasing.receive_purchase_order, po)
        assert changes

    def ship_all(self, order_id: int) -> int:
        changes = self.db.run(warehouse.ship_order, order_id)
        assert changes.id is not None
        return changes.id

    def invoice(self, order_id: int) -> int:
        changes = self.db.run(finance.invoice_order, order_id)
        assert changes.id is not None
        return changes.id

    # -- views -------------------------------------------------------------------------------------------

    def state(self, order_id: int) -> str:
        return self.db.run(lambda s: s.get(SalesOrder, order_id).state)

    def order_row(self, order_id: int) -> dict[str, Any]:
        return self.db.run(lambda s: sales_queries.sales_orders(s, ids=[order_id])[0])

    def lines(self, order_id: int) -> dict[str, dict[str, Any]]:
        """The order's lines by SKU."""
        return self.db.run(lambda s: {row["sku"]: row for row in sales_queries.order_lines(s, order_id)})

    def level(self, sku: str) -> tuple[Decimal, Decimal]:
        """(on hand, reserved) of a product in the main warehouse."""

        def read(session: Any) -> tuple[Decimal, Decimal]:
            level = session.scalar(select(StockLevel).where(StockLevel.product_id == self.products[sku]))
            return level.on_hand, level.reserved

        return self.db.run(read)

    def product(self, sku: str) -> Product:
        return self.db.run(lambda s: s.get(Product, self.products[sku]))

    def invariants(self) -> list[tuple[str, str]]:
        return self.db.run(board_queries.invariant_violations)

    def count(self, table: str, where: str = "true") -> int:
        return self.db.run(lambda s: s.execute(text(f"SELECT count(*) FROM erp.{table} WHERE {where}")).scalar_one())
