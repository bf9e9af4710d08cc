"""Order entry feel: while a clerk types, the editor asks for availability and the estimated ship date of
every line (server_db.queries.availability, one transaction through Database.run, as the order editor's
worker does). Measured for a 20-line order over a company with open orders, purchase orders and a
production backlog."""

from __future__ import annotations

import time

from sqlalchemy import text

from bench.cluster import BenchCluster
from bench.data import analyze, create_drafts, create_product_set
from bench.pgbench import Ceiling
from bench.report import Figure, median, ms, percentile
from bench.report import progress as report
from server_db.core.db import Database
from server_db.purchasing import services as purchasing
from server_db.sales import queries as sales_queries
from server_db.sales import services as sales

SECTION = "6. Order entry"
CALLS = 300
GOAL_MS = 30.0


def run(cluster: BenchCluster, ceiling: Ceiling) -> list[Figure]:
    name = cluster.new_database("bench_entry")
    admin = Database(cluster.url(name), application_name="erp-bench-admin")
    clerk = Database(cluster.url(name, user="sales"), application_name="erp-bench-clerk")
    try:
        wanted = _company_with_history(admin, clerk)
        report(f"order entry: availability of a {len(wanted)}-line order, {CALLS} times")
        clerk.run(sales_queries.availability, wanted)  # a clerk's connection is open and warm
        floor = _timed(lambda: clerk.run(lambda s: s.execute(text("SELECT 1")).scalar()), CALLS)
        timings = _timed(lambda: clerk.run(sales_queries.availability, wanted), CALLS)
        result = clerk.run(sales_queries.availability, wanted)
        kinds = (
            f"{sum(1 for r in result if r.available >= r.quantity)} in stock, "
            f"{sum(1 for r in result if r.available < r.quantity and r.incoming > 0)} short with goods on order, "
            f"{sum(1 for r in result if r.available < r.quantity and r.incoming == 0)} short or made"
        )
    finally:
        clerk.dispose()
        admin.dispose()
        cluster.drop_database(name)
    p50, p95 = median(timings), percentile(timings, 95)
    return [
        Figure(
            SECTION,
            f"availability + ship date, 20-line order ({kinds})",
            f"median {ms(p50)}, p95 {ms(p95)}",
            goal=f"< {GOAL_MS:.0f} ms",
            baseline=f"empty transaction (SELECT 1) via Database.run: median {ms(median(floor))}; "
            f"pgbench txn {ceiling.latency_1_ms:.2f} ms",
            met=p95 * 1000 < GOAL_MS,
        )
    ]


def _timed(action: object, calls: int) -> list[float]:
    durations = []
    for _ in range(calls):
        started = time.perf_counter()
        action()  # type: ignore[operator]
        durations.append(time.perf_counter() - started)
    return durations


def _company_with_history(admin: Database, clerk: Database) -> list[tuple[int, int]]:
    """Four product families (20 products), 100 confirmed orders on each, half of the resulting purchase
    requests ordered from the supplier. Returns the 20 (product id, quantity) lines of the order being typed."""
    families = [create_product_set(admin, f"E{i}", customers=20) for i in range(4)]
    for i, family in enumerate(families):
        lines = [(family.in_stock, 3), (family.short, 2), (family.made, 1)]
        for order_id in create_drafts(admin, 100, customers=family.customers, lines=lines, reference="history"):
            clerk.run(sales.confirm_order, order_id)
        if i % 2 == 0:  # purchasing has ordered this family's shortages: goods are on their way
            requests = admin.run(
                lambda s, f=family: (
                    s.execute(
                        text("SELECT id FROM erp.purchase_requests WHERE state = 'open' AND product_id = ANY(:ids)"),
                        {"ids": [f.short]},
                    )
                    .scalars()
                    .all()
                )
            )
            first = admin.run(purchasing.create_purchase_orders, request_ids=list(requests)).id
            admin.run(purchasing.send_purchase_order, first)
    analyze(admin)
    wanted: list[tuple[int, int]] = []
    for family in families:
        short_component = next(
            p for p in family.skus if p not in (family.in_stock, family.short, family.made, family.component)
        )
        wanted += [
            (family.in_stock, 5),
            (family.short, 4),
            (family.made, 2),
            (family.component, 7),
            (short_component, 3),
        ]
    return wanted
