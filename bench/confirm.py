"""Order confirmation: a 3-line order whose confirmation does all the cross-department work.

Line 1 is in stock (a reservation), line 2 is a bought item that is always short (a purchase request), line 3
is made in-house (a production order; its bill of materials reserves one component and requests the other).
Events and audit rows are written by triggers, as always. Each client is a separate process with its own
Database, logged in as a sales clerk, confirming draft orders created beforehand (untimed) for ~10 s.

Each client sells its own products, made on its own work centre, to its own customers: clerks confirming
different orders at the same time. A second 4-client run has every client sell the *same* products, to show
what queueing on the same stock rows costs.
"""

from __future__ import annotations

import math
import time
from typing import Any

from bench.clients import ClientRun, run_clients
from bench.cluster import BenchCluster
from bench.data import ProductSet, analyze, create_drafts, create_product_set
from bench.pgbench import Ceiling
from bench.profiling import database_profile, python_profile
from bench.report import Figure, median, ms, note, percentile, progress
from server_db.core.db import Database
from server_db.sales import services as sales

SECONDS = 10.0
WARM_UP = 100  # orders confirmed per product set before measuring: the tables are not empty, plans are real
REFERENCE_MS = 790.0  # a well-known open-source ERP: enter, confirm and process a 3-line order
SECTION = "2. Order confirmation"


def lines(products: ProductSet) -> list[tuple[int, int]]:
    return [(products.in_stock, 2), (products.short, 1), (products.made, 1)]


def confirmer(url: str) -> Any:
    """The job of a confirming client (runs in the client process)."""
    database = Database(url, application_name="erp-bench-confirm")
    database.ping()

    def confirm(order_id: int) -> None:
        database.run(sales.confirm_order, order_id)

    return confirm


def run(cluster: BenchCluster, ceiling: Ceiling) -> tuple[list[Figure], float]:
    """The figures, and the rate of one client alone (it sizes the drafts of later parts)."""
    name = cluster.new_database("bench_confirm")
    admin = Database(cluster.url(name), application_name="erp-bench-admin")
    clerk_url = cluster.url(name, user="sales")
    clerk = Database(clerk_url, application_name="erp-bench-clerk")
    try:
        rate_estimate = _warm_up_rate(admin, clerk)
        runs: dict[str, ClientRun] = {}
        for clients, shared in ((1, False), (4, False), (8, False), (4, True)):
            label = f"{clients} shared" if shared else str(clients)
            runs[label] = _measure(admin, clerk, clerk_url, clients, shared=shared, rate_estimate=rate_estimate)
        # one client again: other work on the machine can only slow a run down, so the better of the two
        # runs is the closer estimate of what one client does (and the stricter base for the 4-client goal)
        again = _measure(admin, clerk, clerk_url, 1, shared=False, rate_estimate=rate_estimate, tag="D1B")
        single_rates = [runs["1"].rate, again.rate]
        if again.rate > runs["1"].rate:
            runs["1"] = again
        enter_confirm = _enter_and_confirm(admin, clerk)
        note(
            "**Confirmation, CPU accounting** (what bounds the rate on this machine):\n\n"
            + "\n".join(
                f"- {run.clients} client{'s' if run.clients > 1 else ''}"
                f"{' on the same products' if label.endswith('shared') else ''}: {run.cpu_account()}"
                for label, run in runs.items()
            )
        )
        _profiles(admin, clerk_url)
    finally:
        clerk.dispose()
        admin.dispose()
        cluster.drop_database(name)
    return _figures(runs, single_rates, enter_confirm, ceiling), runs["1"].rate


def _warm_up_rate(admin: Database, clerk: Database) -> float:
    """Orders per second of one client in the warm-up: sizes the stock of drafts."""
    products = create_product_set(admin, "W0")
    drafts = create_drafts(admin, 300, customers=products.customers, lines=lines(products))
    started = time.perf_counter()
    for order_id in drafts:
        clerk.run(sales.confirm_order, order_id)
    return len(drafts) / (time.perf_counter() - started)


def _measure(
    admin: Database, clerk: Database, clerk_url: str, clients: int, *, shared: bool, rate_estimate: float, tag: str = ""
) -> ClientRun:
    tag = tag or f"{'S' if shared else 'D'}{clients}"
    sets = (
        [create_product_set(admin, f"{tag}X")] * clients
        if shared
        else [create_product_set(admin, f"{tag}C{i}") for i in range(clients)]
    )
    for products in dict.fromkeys(sets):
        for order_id in create_drafts(admin, WARM_UP, customers=products.customers, lines=lines(products)):
            clerk.run(sales.confirm_order, order_id)
    # per client at most what one client alone does, with room to spare
    per_client = math.ceil(rate_estimate * SECONDS * 1.5) + 200
    work = [
        create_drafts(admin, per_client, customers=products.customers, lines=lines(products), reference=f"bench {tag}")
        for products in sets
    ]
    analyze(admin)
    progress(
        f"confirmation: {clients} client{'s' if clients > 1 else ''}"
        f"{' on the same products' if shared else ''}, {per_client} drafts each, {SECONDS:.0f} s"
    )
    result = run_clients(
        confirmer,
        [clerk_url] * clients,
        work,
        seconds=SECONDS,
        database=admin,
        what=f"confirmation with {clients} clients",
    )
    progress(
        f"confirmation: {clients} clients: {result.rate:.0f} orders/s, median {ms(median(result.durations))}"
        f"{', ' + result.problems() if result.problems() else ''}"
    )
    return result


def _profiles(admin: Database, clerk_url: str, count: int = 300) -> None:
    """Where one client's time goes, for the notes: the client side under pyinstrument, the database side
    with PostgreSQL timing its functions; both over orders like the measured ones (untimed here)."""
    progress("confirmation: profiling one client (pyinstrument, track_functions)")
    products = create_product_set(admin, "PF")
    drafts = create_drafts(admin, 2 * count, customers=products.customers, lines=lines(products))
    analyze(admin)

    def confirm_all(order_ids: list[int]) -> None:
        database = Database(clerk_url, application_name="erp-bench-profile")
        try:
            for order_id in order_ids:
                database.run(sales.confirm_order, order_id)
        finally:
            database.dispose()

    note(
        "**Confirmation, one client, client side** — "
        + python_profile(lambda: confirm_all(drafts[:count]), per=count, what="`Database.run(sales.confirm_order, id)`")
    )
    note(
        "**Confirmation, database side** — "
        + database_profile(admin, lambda: confirm_all(drafts[count:]), per=count, what="the same confirmations")
    )

    entered: list[int] = []

    def enter_all() -> None:
        database = Database(clerk_url, application_name="erp-bench-profile")
        try:
            for index in range(count // 2):
                entered.append(
                    database.run(
                        sales.create_order,
                        customer=products.customers[index % 50],
                        lines=[sales.LineInput(product=products.skus[p], quantity=q) for p, q in lines(products)],
                    ).id
                )
        finally:
            database.dispose()

    note(
        "**Order entry (saving a 3-line draft), client side** — "
        + python_profile(
            enter_all,
            per=count // 2,
            what="`Database.run(sales.create_order, customer=..., lines=[3 x LineInput(SKU)])`",
        )
    )
    note(
        "**Order entry, database side** — "
        + database_profile(admin, enter_all, per=count // 2, what="the same order entry")
    )


def _enter_and_confirm(admin: Database, clerk: Database, count: int = 200) -> list[float]:
    """What the reference figure covers, done as a clerk does it: enter the 3-line order (products by SKU,
    prices from the product) and confirm it. One client, one order after the other."""
    products = create_product_set(admin, "EC")
    customers, skus = products.customers, products.skus
    durations = []
    for index in range(count):
        started = time.perf_counter()
        order_id = clerk.run(
            sales.create_order,
            customer=customers[index % len(customers)],
            lines=[sales.LineInput(product=skus[product], quantity=quantity) for product, quantity in lines(products)],
        ).id
        clerk.run(sales.confirm_order, order_id)
        durations.append(time.perf_counter() - started)
    return durations


def _figures(
    runs: dict[str, ClientRun], single_rates: list[float], enter_confirm: list[float], ceiling: Ceiling
) -> list[Figure]:
    one = runs["1"]
    goal_one = 0.2 * ceiling.tps_1
    figures = []
    for label, result in runs.items():
        clients = int(label.split()[0])
        shared = label.endswith("shared")
        name = f"confirm, {clients} client process{'es' if clients > 1 else ''}"
        if shared:
            name += ", all on the same products"
        value = (
            f"{result.rate:,.0f} orders/s, median {ms(median(result.durations))}, "
            f"p95 {ms(percentile(result.durations, 95))}"
        )
        if result.problems():
            value += f" ({result.problems()})"
        if label == "1":
            name += ", the better of 2 runs"
            value += f" (runs: {', '.join(f'{rate:,.0f}/s' for rate in single_rates)})"
            figures.append(
                Figure(
                    SECTION,
                    name,
                    value,
                    goal=f">= {goal_one:,.0f}/s (20% of pgbench 1)",
                    baseline=f"{result.rate / ceiling.tps_1:.1%} of pgbench 1 client",
                    met=result.rate >= goal_one,
                )
            )
        elif clients == 4 and not shared:
            figures.append(
                Figure(
                    SECTION,
                    name,
                    value,
                    goal=f">= {2.5 * one.rate:,.0f}/s (2.5x 1 client)",
                    baseline=f"{result.rate / one.rate:.2f}x 1 client; pgbench: {ceiling.tps_4 / ceiling.tps_1:.2f}x",
                    met=result.rate >= 2.5 * one.rate,
                )
            )
        else:
            figures.append(
                Figure(
                    SECTION,
                    name,
                    value,
                    baseline=f"{result.rate / one.rate:.2f}x 1 client; {result.rate / ceiling.tps_4:.1%} of pgbench 4",
                )
            )
    confirm_ms = median(one.durations) * 1000
    both_ms = median(enter_confirm) * 1000
    figures.append(
        Figure(
            SECTION,
            "vs the reference ERP (790 ms to enter, confirm, process a 3-line order): confirm only, 1 client",
            f"{REFERENCE_MS / confirm_ms:,.0f}x faster ({confirm_ms:.1f} ms)",
            goal="> 100x",
            baseline="790 ms (reference)",
            met=REFERENCE_MS / confirm_ms > 100,
        )
    )
    figures.append(
        Figure(
            SECTION,
            "vs the reference ERP: enter (3 lines, by SKU) + confirm, 1 client",
            f"{REFERENCE_MS / both_ms:,.0f}x faster ({both_ms:.1f} ms, p95 {ms(percentile(enter_confirm, 95))})",
            goal="> 100x",
            baseline="790 ms (reference)",
            met=REFERENCE_MS / both_ms > 100,
        )
    )
    return figures
