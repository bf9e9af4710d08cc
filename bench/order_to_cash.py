"""Whole order to cash, per order: sales enters a 3-line order and confirms it, the warehouse picks and ships
it, finance invoices (create and post) and records the payment, after which the order closes.

Each client process holds three logins (a sales clerk, a warehouse clerk, a finance clerk), as three people
at three desks would; every step is the same service call their window makes, in its own transaction.
All three lines are in stock, so the order can ship at once; each client sells its own products.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.clients import ClientRun, run_clients
from bench.cluster import BenchCluster
from bench.data import analyze, count_rows, create_product_set
from bench.pgbench import Ceiling
from bench.report import Figure, median, ms, note, percentile, progress
from server_db.core.db import Database
from server_db.finance import services as finance
from server_db.finance.models import Invoice
from server_db.sales import services as sales
from server_db.warehouse import services as warehouse

SECONDS = 8.0
SECTION = "3. Order to cash"
STEPS = ("enter", "confirm", "ship", "invoice", "pay")


@dataclass(frozen=True)
class Desk:
    urls: dict[str, str]  # department -> URL of its clerk
    customers: tuple[int, ...]
    lines: tuple[tuple[str, int], ...]  # (SKU, quantity)


def order_to_cash(desk: Desk) -> Any:
    """The job of one client process: three clerks, one order after the other."""
    import time

    sales_db, warehouse_db, finance_db = (
        Database(desk.urls[d], application_name=f"erp-bench-{d}", pool_size=1)
        for d in ("sales", "warehouse", "finance")
    )
    for database in (sales_db, warehouse_db, finance_db):
        database.ping()

    def one_order(index: int) -> dict[str, float]:
        times = [time.perf_counter()]
        order_id = sales_db.run(
            sales.create_order,
            customer=desk.customers[index % len(desk.customers)],
            lines=[sales.LineInput(product=sku, quantity=qty) for sku, qty in desk.lines],
        ).id
        times.append(time.perf_counter())
        sales_db.run(sales.confirm_order, order_id)
        times.append(time.perf_counter())
        warehouse_db.run(warehouse.ship_order, order_id)
        times.append(time.perf_counter())
        invoice_id = finance_db.run(finance.invoice_order, order_id).id
        times.append(time.perf_counter())
        finance_db.run(_pay_in_full, invoice_id)
        times.append(time.perf_counter())
        return {step: times[i + 1] - times[i] for i, step in enumerate(STEPS)}

    return one_order


def _pay_in_full(session: Any, invoice_id: int) -> Any:
    """The payment as finance records it: the open amount of the invoice, by bank transfer."""
    invoice = session.get(Invoice, invoice_id)
    return finance.record_payment(
        session,
        invoice_id,
        amount=invoice.gross_total - invoice.amount_paid - invoice.amount_credited,
        reference="bench",
    )


def run(cluster: BenchCluster, ceiling: Ceiling) -> list[Figure]:
    name = cluster.new_database("bench_o2c")
    admin = Database(cluster.url(name), application_name="erp-bench-admin")
    urls = {d: cluster.url(name, user=d) for d in ("sales", "warehouse", "finance")}
    runs: dict[int, ClientRun] = {}
    try:
        for clients in (1, 4):
            desks = []
            for i in range(clients):
                products = create_product_set(admin, f"O{clients}C{i}")
                skus = products.skus
                desks.append(
                    Desk(
                        urls,
                        products.customers,
                        ((skus[products.in_stock], 2), (skus[products.component], 1), (skus[products.in_stock], 1)),
                    )
                )
            # a few orders first, so the tables are not empty and the planner knows it
            warm = run_clients(order_to_cash, desks[:1], [range(30)], seconds=60, what="order to cash warm-up")
            if warm.errors:
                raise RuntimeError(f"order to cash fails: {warm.problems()}")
            analyze(admin)
            progress(f"order to cash: {clients} client{'s' if clients > 1 else ''}, {SECONDS:.0f} s")
            runs[clients] = run_clients(
                order_to_cash,
                desks,
                [range(100_000)] * clients,
                seconds=SECONDS,
                database=admin,
                what=f"order to cash with {clients} clients",
            )
            progress(
                f"order to cash: {clients} clients: {runs[clients].rate:.1f} orders/s, "
                f"median {ms(median(runs[clients].durations))}"
                f"{', ' + runs[clients].problems() if runs[clients].problems() else ''}"
            )
        note(
            "**Order to cash, CPU accounting**:\n\n"
            + "\n".join(
                f"- {run.clients} client{'s' if run.clients > 1 else ''}: {run.cpu_account()}" for run in runs.values()
            )
        )
        closed = count_rows(admin, "SELECT count(*) FROM erp.sales_orders WHERE state = 'closed'")
    finally:
        admin.dispose()
        cluster.drop_database(name)
    return _figures(runs, closed, ceiling)


def _figures(runs: dict[int, ClientRun], closed: int, ceiling: Ceiling) -> list[Figure]:
    figures = []
    for clients, result in runs.items():
        steps = ", ".join(f"{step} {median(result.measure(step)) * 1000:.1f}" for step in STEPS)
        value = (
            f"{result.rate:,.1f} orders/s, median {ms(median(result.durations))}, "
            f"p95 {ms(percentile(result.durations, 95))}; median ms per step: {steps}"
        )
        if result.problems():
            value += f" ({result.problems()})"
        baseline = (
            (f"{result.rate / runs[1].rate:.2f}x 1 client; " if clients > 1 else "")
            + f"= {result.rate * 5 / (ceiling.tps_1 if clients == 1 else ceiling.tps_4):.1%} of pgbench "
            f"{clients} as 5 transactions/order"
        )
        figures.append(
            Figure(
                SECTION,
                f"enter, confirm, ship, invoice, pay: {clients} client process{'es' if clients > 1 else ''}",
                value,
                baseline=baseline,
            )
        )
    figures.append(Figure(SECTION, "orders closed (paid in full) in the run", f"{closed:,}"))
    return figures
