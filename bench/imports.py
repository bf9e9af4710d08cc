"""Import speed: 100,000 products, 20,000 customers and 200,000 bill-of-materials lines from XLSX files, each
read, validated set-based and written in one transaction by `run_import` as the superuser (what
`python main.py import` and the import window do), into a fresh database of the run's cluster.

Baseline, in the same run: the same rows COPYed as text into a table with no checks, no triggers and no
indexes (the floor any import pays to get rows into PostgreSQL). Memory: peak RSS of a separate process that
reads, stages and validates a 1,000,000-row CSV of customers (ru_maxrss): the file is never held whole.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m bench.imports
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.cluster import BenchCluster, run_alone
from bench.report import Figure, progress
from server_db.core.db import Database
from server_db.transfer.imports import run_import

SECTION = "9. Import"
PRODUCTS = 100_000
CUSTOMERS = 20_000
BOM_LINES = 200_000
MADE_EVERY = 10  # one product in ten is made
BIG_CSV_ROWS = 1_000_000
GOAL_TOTAL_S = 30.0
GOAL_RATE = 10_000
GOAL_RSS_MB = 500
SUPPLIERS = 50


def _customers(count: int, prefix: str = "K") -> Iterator[list[Any]]:
    yield ["客户编码", "客户名称", "地址", "联系人", "电话", "账期(天)", "信用额度", "是否启用"]
    for i in range(count):
        yield [f"{prefix}{i:07d}", f"客户 {i} 贸易有限公司", f"上海市浦东新区世纪大道 {i} 号", "王经理",
               f"138{i % 100_000_000:08d}", 30 + i % 60, 50_000 + i % 1000, "是"]  # fmt: skip


def _products() -> Iterator[list[Any]]:
    yield ["物料编码", "名称", "单位", "采购/自制", "单价", "成本", "税率", "默认供应商", "工作中心"]
    for i in range(PRODUCTS):
        made = i % MADE_EVERY == 0
        yield [f"P{i:06d}", f"产品 {i} 轴承", "pcs", "自制" if made else "采购", 10 + i % 500, 5 + i % 300,
               "13%", "" if made else f"S{i % SUPPLIERS:03d}", "ASM" if made else ""]  # fmt: skip


def _bom() -> Iterator[list[Any]]:
    """Each made product (one in ten) gets BOM_LINES / 10,000 bought components, none twice."""
    yield ["父项", "子项", "用量"]
    made = [i for i in range(PRODUCTS) if i % MADE_EVERY == 0]
    bought = [i for i in range(PRODUCTS) if i % MADE_EVERY != 0]
    per_product = BOM_LINES // len(made)
    for n, parent in enumerate(made):
        for k in range(per_product):
            component = bought[(n * per_product + k) % len(bought)]
            yield [f"P{parent:06d}", f"P{component:06d}", 1 + k % 4]


def write_xlsx(path: Path, rows: Iterator[list[Any]]) -> int:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("Data")
    count = 0
    for r, row in enumerate(rows):
        sheet.write_row(r, 0, row)
        count = r
    workbook.close()
    return count


def write_csv(path: Path, rows: Iterator[list[Any]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count - 1


def run(cluster: BenchCluster) -> list[Figure]:
    name = cluster.new_database("bench_imports")
    folder = Path(tempfile.mkdtemp(prefix="erp-bench-imports-"))
    database = Database(cluster.url(name), application_name="erp-bench-imports")
    owner = Database(cluster.url(name), application_name="erp-bench-imports")
    try:
        return _measure(cluster, name, database, owner, folder)
    finally:
        database.dispose()
        owner.dispose()
        cluster.drop_database(name)
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()


def _measure(cluster: BenchCluster, name: str, database: Database, owner: Database, folder: Path) -> list[Figure]:
    progress("imports: writing the files (XlsxWriter, constant memory)")
    suppliers = folder / "suppliers.xlsx"
    write_xlsx(suppliers, iter([["编码", "名称"], *[[f"S{i:03d}", f"供应商 {i}"] for i in range(SUPPLIERS)]]))
    centres = folder / "work_centres.xlsx"
    write_xlsx(centres, iter([["编码", "名称", "日产能(小时)"], ["ASM", "装配", 16]]))
    run_import(database, "suppliers", suppliers)
    run_import(database, "work_centres", centres)
    files = [
        ("products", PRODUCTS, _products),
        ("customers", CUSTOMERS, lambda: _customers(CUSTOMERS)),
        ("bom", BOM_LINES, _bom),
    ]
    figures: list[Figure] = []
    total = 0.0
    total_rows = 0
    baseline_total = 0.0
    for kind, _rows, rows in files:
        xlsx = folder / f"{kind}.xlsx"
        text_copy = folder / f"{kind}.csv"
        count = write_xlsx(xlsx, rows())
        write_csv(text_copy, rows())
        progress(f"imports: {kind}, {count:,} rows")
        started = time.perf_counter()
        result = run_import(database, kind, xlsx)
        seconds = time.perf_counter() - started
        if not result.written:
            raise RuntimeError(f"{kind}: {result.problems[:3]}")
        total += seconds
        total_rows += result.rows
        baseline = _plain_copy(owner, text_copy)
        baseline_total += baseline
        rate = result.rows / seconds
        figures.append(
            Figure(
                SECTION,
                f"import {result.rows:,} {kind} from XLSX (validated, committed)",
                f"{seconds:.1f} s, {rate:,.0f} rows/s ({result.inserted:,} new)",
                "-",  # the goal is the three files' together (below)
                f"plain COPY of the same rows, no checks: {baseline:.2f} s",
            )
        )
    again_started = time.perf_counter()
    again = run_import(database, "products", folder / "products.xlsx")
    again_s = time.perf_counter() - again_started
    figures.append(
        Figure(
            SECTION,
            f"the same {again.rows:,} products again (nothing changes)",
            f"{again_s:.1f} s, {again.unchanged:,} unchanged",
        )
    )
    figures.append(
        Figure(
            SECTION,
            f"all three files, {total_rows:,} rows",
            f"{total:.1f} s, {total_rows / total:,.0f} rows/s",
            f"< {GOAL_TOTAL_S:.0f} s, >= {GOAL_RATE:,} rows/s",
            f"plain COPY: {baseline_total:.2f} s",
            total < GOAL_TOTAL_S and total_rows / total >= GOAL_RATE,
        )
    )
    figures.append(_peak_rss(cluster, name, folder))
    return figures


def _plain_copy(owner: Database, path: Path) -> float:
    """COPY the rows as text into an unlogged table without constraints, triggers or indexes."""
    with path.open(encoding="utf-8") as stream:
        width = len(next(csv.reader(stream)))
    raw = owner.engine.raw_connection()
    try:
        cursor = raw.cursor()
        columns = ", ".join(f"c{i} text" for i in range(width))
        cursor.execute(f"DROP TABLE IF EXISTS bench_plain; CREATE UNLOGGED TABLE bench_plain ({columns})")
        raw.commit()
        started = time.perf_counter()
        with path.open(encoding="utf-8") as stream:
            cursor.copy_expert("COPY bench_plain FROM STDIN WITH (FORMAT csv, HEADER true)", stream)
        raw.commit()
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_plain")
        raw.commit()
        return seconds
    finally:
        raw.close()


# The child reads, stages and validates the whole file; the write itself is left out (it happens inside the
# server and costs the client no memory, and 1,000,000 rows through the master-data triggers take minutes).
CHILD = """
import json, resource, sys, time
from server_db.core.db import Database
from server_db.transfer import imports
imports._write = lambda session, plan, result, confirm_orders: (0, 0, 0)
database = Database(sys.argv[1])
started = time.perf_counter()
result = imports.run_import(database, "customers", sys.argv[2], dry_run=True)
print(json.dumps({"seconds": time.perf_counter() - started, "rows": result.rows, "written": result.written,
                  "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def _peak_rss(cluster: BenchCluster, name: str, folder: Path) -> Figure:
    path = folder / "big.csv"
    write_csv(path, _customers(BIG_CSV_ROWS, prefix="B"))
    progress(f"imports: {BIG_CSV_ROWS:,}-row CSV in a separate process ({path.stat().st_size / 1e6:.0f} MB)")
    root = Path(__file__).resolve().parent.parent
    completed = subprocess.run(
        [sys.executable, "-c", CHILD, cluster.url(name), str(path)],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=1800,
    )
    if completed.returncode != 0:
        raise RuntimeError(completed.stderr.strip().splitlines()[-1] if completed.stderr else "child failed")
    measured = json.loads(completed.stdout.strip().splitlines()[-1])
    rss_mb = measured["rss_kb"] / 1024
    return Figure(
        SECTION,
        f"peak RSS reading, staging and validating a {measured['rows']:,}-row CSV ({path.stat().st_size / 1e6:.0f} MB)",
        f"{rss_mb:.0f} MB, {measured['seconds']:.0f} s ({measured['rows'] / measured['seconds']:,.0f} rows/s)",
        f"< {GOAL_RSS_MB} MB",
        "-",
        rss_mb < GOAL_RSS_MB,
    )


if __name__ == "__main__":
    run_alone(run)
