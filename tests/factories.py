"""A small company for tests to tell stories with, built through the same services the windows use."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text

from server_db.app.fixtures import Clerk, CompanySpec, build
from server_db.core.calls import current_date
from server_db.core.db import Database
from server_db.masterdata.models import Product
from server_db.sales import queries as sales_queries
from server_db.sales.models import SalesOrder
from server_db.stock.models import StockLevel
from server_db.supervisor import board as board_queries

CUSTOMER_NAME = "北京华联商贸有限公司"
CUSTOMER_ADDRESS = "北京市朝阳区建国路 88 号"

TEST_COMPANY = CompanySpec(
    company=dict(name="测试公司 Test Co.", address="上海市"),
    warehouses=[dict(code="MAIN", name="主仓库")],
    work_centres=[dict(code="ASM", name="装配 Assembly", daily_capacity_hours=8)],
    customers=[
        dict(code="CN", name=CUSTOMER_NAME, address=CUSTOMER_ADDRESS, tax_id="911101056000012342"),
        dict(code="LIMIT", name="Small Buyer Ltd", credit_limit="1000"),
    ],
    suppliers=[dict(code="SUP", name="宁波供应商", lead_time_days=5)],
    products=[
        dict(sku="BUY-A", name="Bought A 轴承", procurement="buy", price="10", cost="6", default_supplier="SUP"),
        dict(
            sku="BUY-B",
            name="Bought B",
            procurement="buy",
            price="20",
            cost="12",
            default_supplier="SUP",
            lead_time_days=10,
        ),
        dict(sku="COMP-X", name="Component X", procurement="buy", price="3", cost="2", default_supplier="SUP"),
        dict(
            sku="MADE-Y",
            name="Made Y 泵",
            procurement="make",
            price="100",
            cost="50",
            work_centre="ASM",
            hours_per_unit="2",
            bom=[("COMP-X", 2)],
        ),
    ],
)


@dataclass
class World:
    db: Database
    today: dt.date
    products: dict[str, int] = field(default_factory=dict)
    customers: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.clerk = Clerk(self.db, today=self.today)

    @classmethod
    def build(cls, db: Database) -> World:
        def setup(session: Any) -> World:
            built = build(session, TEST_COMPANY)
            return cls(db, current_date(session), built.products, built.customers)

        return db.run(setup)

    # -- actions -----------------------------------------------------------------------------------------

    def stock(self, sku: str, quantity: Any) -> None:
        self.clerk.adjust_stock({sku: quantity}, reason="test stock")

    def order(self, lines: list[tuple[str, Any]], *, customer: str = "CN", days: int | None = 10, **kwargs: Any) -> int:
        return self.clerk.order(customer, lines, days=days, **kwargs)

    def confirmed_order(self, lines: list[tuple[str, Any]], **kwargs: Any) -> int:
        return self.clerk.confirm(self.order(lines, **kwargs))

    def purchase_and_receive_all(self) -> None:
        assert self.clerk.buy_shortages(receive=True)

    def ship_all(self, order_id: int) -> int:
        return self.clerk.ship(order_id)

    def invoice(self, order_id: int) -> int:
        return self.clerk.invoice(order_id)

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
