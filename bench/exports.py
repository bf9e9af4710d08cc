"""Export speed: 100,000 sales order lines (18 columns: codes, Chinese names, quantities, money, dates) to XLSX
and CSV, the way `python main.py export sales_orders` writes them.

The lines are generated set-based as the superuser (50,000 orders of two lines, triggers off for volume).
Baseline, in the same run from the same query: the rows written with the csv module as they come (no types,
no formats). The XLSX goal is under 10 s. The list a window shows is exported from its model: the time the GUI
thread spends taking 100,000 rows off the table (before a worker writes them) is measured too.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m bench.exports
"""

from __future__ import annotations

import csv
import os
import resource
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from bench.cluster import BenchCluster, run_alone
from bench.data import analyze
from bench.report import Figure, progress
from server_db.app.fixtures import CompanySpec, build
from server_db.core.db import Database
from server_db.transfer.export import EXPORTS, export, stream_rows

SECTION = "10. Exports"
LINES = 100_000
CUSTOMERS = 2_000
PRODUCTS = 200
GOAL_XLSX_S = 10.0

GENERATE = """
INSERT INTO erp.customers (code, name, address)
SELECT format('X%s', lpad(g::text, 5, '0')), format('客户 %s 贸易有限公司', g), format('上海市浦东新区 %s 号', g)
  FROM generate_series(1, :customers) g;

INSERT INTO erp.sales_orders (number, customer_id, warehouse_id, state, order_date, requested_date,
                              promised_date, customer_reference)
SELECT format('SO-%s-%s', extract(year FROM current_date), lpad(g::text, 6, '0')),
       c.first + (g * 7919) % :customers, w.id, 'draft', current_date - g % 60, current_date + g % 30,
       current_date + g % 30, format('PO-%s', g)
  FROM generate_series(1, :orders) g
 CROSS JOIN (SELECT min(id) AS id FROM erp.warehouses) w
 CROSS JOIN (SELECT min(id) AS first FROM erp.customers WHERE code LIKE 'X%') c;

INSERT INTO erp.sales_order_lines (order_id, line_no, product_id, quantity, unit_price, tax_rate)
SELECT o.id, n, p.id, 2 + (o.id + n) % 9 + 0.5 * (n - 1), p.price, p.tax_rate
  FROM erp.sales_orders o
 CROSS JOIN generate_series(1, 2) n
 CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM erp.products) a
  JOIN erp.products p ON p.id = a.ids[1 + (o.id * 3 + n) % cardinality(a.ids)];
"""


def run(cluster: BenchCluster) -> list[Figure]:
    name = cluster.new_database("bench_exports")
    database = Database(cluster.url(name), application_name="erp-bench-exports")
    folder = Path(tempfile.mkdtemp(prefix="erp-bench-exports-"))
    try:
        progress(f"exports: generating {LINES:,} sales order lines")
        _generate(database)
        figures = _measure(database, folder)
        figures.append(_gui_snapshot())
    finally:
        database.dispose()
        cluster.drop_database(name)
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
    return figures


def _generate(database: Database) -> None:
    products = [
        dict(
            sku=f"EXP-{i:04d}",
            name=f"产品 {i:04d} 轴承",
            procurement="buy",
            price=f"{10 + i}.50",
            cost="5",
            default_supplier="SUP",
        )
        for i in range(PRODUCTS)
    ]
    database.run(build, CompanySpec(products=products))
    with database.engine.begin() as connection:
        connection.execute(text("SET LOCAL session_replication_role = replica"))  # no triggers: volume
        for statement in GENERATE.split(";\n"):
            if statement.strip():
                connection.execute(text(statement), {"orders": LINES // 2, "customers": CUSTOMERS})
    analyze(database)


def _timed(action) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def _measure(database: Database, folder: Path) -> list[Figure]:
    kind = EXPORTS["sales_orders"]

    def query_only() -> int:
        return database.run(lambda session: sum(1 for _ in stream_rows(session, kind)))

    def csv_module() -> int:
        def write(session) -> int:  # type: ignore[no-untyped-def]
            count = 0
            with open(folder / "baseline.csv", "w", encoding="utf-8-sig", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow([column.header for column in kind.columns])
                for row in stream_rows(session, kind):
                    writer.writerow(row)
                    count += 1
            return count

        return database.run(write)

    query_only()  # warm the cache: every figure reads the same pages from memory
    query_s, rows = _timed(query_only)
    progress(f"exports: query alone {query_s:.2f} s for {rows:,} rows; the csv module")
    baseline_s, _ = _timed(csv_module)
    progress("exports: XLSX")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    xlsx_s, written = _timed(lambda: export(database, "sales_orders", folder / "lines.xlsx"))
    rss_growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    progress(f"exports: XLSX {xlsx_s:.2f} s; again, then CSV")
    cpu_started = time.process_time()
    xlsx_again_s, _ = _timed(lambda: export(database, "sales_orders", folder / "lines.xlsx"))
    xlsx_cpu_s = time.process_time() - cpu_started
    load = os.getloadavg()[0]
    xlsx_plain_s = min(xlsx_s, xlsx_again_s)
    csv_s, _ = _timed(lambda: export(database, "sales_orders", folder / "lines.csv"))
    size_mb = (folder / "lines.xlsx").stat().st_size / 1e6
    baseline = f"csv module, same query: {baseline_s:.2f} s"
    return [
        Figure(
            SECTION,
            f"{written:,} order lines x {len(kind.columns)} columns to XLSX",
            f"{xlsx_plain_s:.2f} s ({written / xlsx_plain_s:,.0f} rows/s, {size_mb:.1f} MB file); this process's "
            f"CPU {xlsx_cpu_s:.2f} s (load average {load:.1f} on {os.cpu_count()} cores)",
            f"< {GOAL_XLSX_S:.0f} s",
            baseline,
            xlsx_plain_s < GOAL_XLSX_S,
        ),
        Figure(SECTION, "the same to CSV (typed: money 2 decimals, ISO dates)", f"{csv_s:.2f} s", "-", baseline),
        Figure(SECTION, "the query alone, streamed (yield_per 2000)", f"{query_s:.2f} s", "-"),
        Figure(
            SECTION,
            "growth of the process's peak memory (max RSS) while writing the XLSX",
            f"{rss_growth_mb:.1f} MB",
            "-",
        ),
    ]


def _gui_snapshot() -> Figure:
    """The GUI thread's part of exporting a 100,000-row list: taking the shown rows off the model."""
    import datetime as dt
    from decimal import Decimal

    from PySide6.QtWidgets import QApplication

    from erp_desktop.table_export import snapshot
    from erp_desktop.widgets import RecordTable
    from erp_desktop.windows.sales import ORDER_COLUMNS

    _app = QApplication.instance() or QApplication([])
    table = RecordTable(ORDER_COLUMNS, fast_sort=True)
    today = dt.date.today()
    table.source.reset(
        {
            "id": i,
            "number": f"SO-2026-{i:06d}",
            "customer_name": f"客户 {i % 2000} 贸易有限公司",
            "state": "confirmed",
            "order_date": today,
            "requested_date": today,
            "promised_date": today,
            "estimated_ship_date": today,
            "late": i % 17 == 0,
            "net_total": Decimal(i) / 4,
            "gross_total": Decimal(i) / 3,
        }
        for i in range(LINES)
    )
    table.proxy.set_search("")
    seconds, taken = _timed(lambda: snapshot(table))
    table.deleteLater()
    return Figure(
        SECTION,
        f"GUI thread: take {LINES:,} shown rows of a list for export",
        f"{seconds * 1000:.0f} ms ({len(taken.rows):,} rows x {len(taken.columns)} columns)",  # type: ignore[attr-defined]
        "-",
        "the file is then written on a worker",
    )


if __name__ == "__main__":
    run_alone(run)
