"""The benchmark data: the template's company and users, one product set per client built with the shared
fixture builder, draft orders in bulk, and the row counts and statistics the figures rely on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from server_db.app.fixtures import CompanySpec, build
from server_db.core.db import Database
from server_db.people import services as people

PASSWORD = "bench-pass-1"
DEPARTMENTS = ("sales", "warehouse", "finance", "supervisor")
TEMPLATE_COMPANY = CompanySpec(
    company=dict(name="基准测试公司 Bench Co.", address="上海市浦东新区"),
    warehouses=[dict(code="MAIN", name="主仓库")],
    suppliers=[dict(code="SUP", name="宁波供应商", lead_time_days=5)],
)
OPENING_STOCK = "benchmark opening stock"


def login(department: str) -> str:
    return f"bench_{department}"


def template_data(session: Any) -> None:
    """What every benchmark database starts with: the company, its main warehouse and supplier, and a user
    per department."""
    build(session, TEMPLATE_COMPANY)
    for department in DEPARTMENTS:
        people.create_user(
            session, login=login(department), department=department, password=PASSWORD, full_name=f"Bench {department}"
        )


@dataclass(frozen=True, eq=False)
class ProductSet:
    """The products one client's orders use: one kept in stock, one bought and always short, one made
    (its bill of materials: a component in stock and one always short) on the client's own work centre."""

    in_stock: int
    short: int
    made: int
    component: int
    customers: tuple[int, ...]
    skus: dict[int, str]


def create_product_set(db: Database, tag: str, *, customers: int = 50, stock: int = 10_000_000) -> ProductSet:
    """Master data for one client, through the same services an administrator uses. Customers have a
    credit limit, so confirmation checks it; there are many of them, as in life each has a few open orders."""
    bought = {
        f"STK-{tag}": "轴承 in stock",
        f"SHT-{tag}": "电机 short",
        f"CMA-{tag}": "钢板 component in stock",
        f"CMB-{tag}": "密封件 component short",
    }
    spec = CompanySpec(
        work_centres=[dict(code=f"WC-{tag}", name=f"装配 {tag}", daily_capacity_hours=16)],
        customers=[
            dict(
                code=f"C{tag}-{i:03d}",
                name=f"客户 {tag}-{i:03d} 有限公司",
                address="北京市朝阳区建国路 88 号",
                credit_limit="1000000000",
            )
            for i in range(customers)
        ],
        products=[
            *(
                dict(sku=sku, name=f"{name} {tag}", procurement="buy", price="20", cost="10", default_supplier="SUP")
                for sku, name in bought.items()
            ),
            dict(
                sku=f"MADE-{tag}",
                name=f"离心泵 {tag}",
                procurement="make",
                price="500",
                cost="200",
                work_centre=f"WC-{tag}",
                hours_per_unit="0.01",
                bom=[(f"CMA-{tag}", 2), (f"CMB-{tag}", 1)],
            ),
        ],
        stock={f"STK-{tag}": stock, f"CMA-{tag}": stock},
        stock_reason=OPENING_STOCK,
    )
    ids = db.run(build, spec)
    products = ids.products
    return ProductSet(
        in_stock=products[f"STK-{tag}"],
        short=products[f"SHT-{tag}"],
        made=products[f"MADE-{tag}"],
        component=products[f"CMA-{tag}"],
        customers=tuple(ids.customers.values()),
        skus={product_id: sku for sku, product_id in products.items()},
    )


DRAFTS_SQL = """
WITH orders AS (
    INSERT INTO erp.sales_orders (customer_id, warehouse_id, requested_date, customer_reference)
    SELECT (:customers)[1 + (g % cardinality(CAST(:customers AS bigint[])))], w.id, current_date + 30, :reference
      FROM generate_series(1, :count) g, (SELECT min(id) AS id FROM erp.warehouses) w
    RETURNING id
), lines AS (
    INSERT INTO erp.sales_order_lines (order_id, line_no, product_id, quantity, unit_price, tax_rate)
    SELECT o.id, l.line_no, p.id, l.quantity, p.price, p.tax_rate
      FROM orders o
     CROSS JOIN unnest(CAST(:products AS bigint[]), CAST(:quantities AS numeric[])) WITH ORDINALITY
                AS l(product_id, quantity, line_no)
      JOIN erp.products p ON p.id = l.product_id
    RETURNING order_id
)
SELECT DISTINCT order_id FROM lines ORDER BY order_id
"""


def create_drafts(
    db: Database, count: int, *, customers: Sequence[int], lines: Sequence[tuple[int, int]], reference: str = "bench"
) -> list[int]:
    """`count` draft orders with the given (product id, quantity) lines, set-based (untimed preparation).
    They are what sales.create_order writes: the same columns, the list price and tax rate of the product;
    the triggers (number, audit, events) run as for any insert."""
    ids: list[int] = []
    for start in range(0, count, 2000):
        batch = min(2000, count - start)
        with db.engine.begin() as connection:
            ids += (
                connection.execute(
                    text(DRAFTS_SQL),
                    {
                        "customers": list(customers),
                        "count": batch,
                        "reference": reference,
                        "products": [p for p, _ in lines],
                        "quantities": [q for _, q in lines],
                    },
                )
                .scalars()
                .all()
            )
    return ids


def count_rows(db: Database, sql: str, **params: Any) -> int:
    with db.engine.begin() as connection:
        return int(connection.execute(text(sql), params).scalar_one())


def analyze(db: Database) -> None:
    """Fresh planner statistics, as autovacuum keeps them on a database in use (a 10-second run is too short
    for it to notice that tables which were empty a moment ago now hold thousands of rows)."""
    with db.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
