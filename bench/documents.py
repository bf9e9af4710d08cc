"""Printing speed: one-page invoices per second on one core, and a 200-document batch.

Runs on its own throwaway database with the demo company: `python -m bench.documents`.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from server_db.app import demo, migrate
from server_db.app.embedded import EmbeddedServer
from server_db.core.db import Database
from server_db.finance import services as finance
from server_db.pdf import data as documents
from server_db.pdf import fonts, jobs, pages, render
from server_db.sales import services as sales
from server_db.sales.services import LineInput
from server_db.warehouse import services as warehouse

GOAL_PER_SECOND = 40  # one-page invoices per second on one core
BATCH_ORDERS = 100  # each gives a delivery note and an invoice: 200 documents
CUSTOMERS = ("HUALIAN", "PUDONG-EL", "SZ-ROBOT", "MUELLER")

Row = tuple[str, str, str]


def run(url: str | None = None) -> list[Row]:
    """The figures as (figure, value, goal) rows, measured on a throwaway cluster (or in the empty database
    at `url`, on a cluster someone else runs)."""
    started = time.perf_counter()
    registration = _time_font_registration()
    server = None if url else EmbeddedServer(Path(tempfile.mkdtemp(prefix="erp-bench-documents-")), durable=False)
    if server is not None:
        server.acquire()
    pinned = _pin_to_one_core()  # after the server started: PostgreSQL keeps the other cores
    database = Database(url or server.url(), application_name="erp-bench")  # type: ignore[union-attr]
    try:
        migrate.upgrade(database.engine)
        demo.load(database)
        _log(f"demo loaded after {time.perf_counter() - started:.1f} s; making {2 * BATCH_ORDERS} documents")
        batch = _documents_for_batch(database)
        _log(f"set-up done after {time.perf_counter() - started:.1f} s; measuring")
        rows = _measure(database, batch)
    finally:
        database.dispose()
        if server is not None:
            server.release()
            server.destroy()
    font = fonts.registered_font().description
    return [
        ("font registration, once per process", f"{registration * 1000:.0f} ms", "-"),
        *rows,
        ("measured on", f"one core{'' if pinned else ' (not pinned)'}, {font.split(' (')[0]}", "-"),
    ]


def _measure(database: Database, batch: list[tuple[jobs.DocumentKind, str]]) -> list[Row]:
    number = database.run(documents.unprinted_invoices)[0].number
    invoice = database.run(documents.invoice_data, number)
    assert render.render_invoice(invoice, copy=False).startswith(b"%PDF")  # warm up caches

    # the barcode caches are emptied before every call: each invoice of a day has a different number
    render_only = _rate(lambda: render.render_invoice(invoice, copy=False), before=_forget_barcodes)
    with_data = _rate(
        lambda: render.render_invoice(database.run(documents.invoice_data, number), copy=False), before=_forget_barcodes
    )
    printed = _rate(lambda: database.run(jobs.print_documents, [("invoice", number)]), before=_forget_barcodes)

    start = time.perf_counter()
    result = database.run(jobs.print_documents, batch)
    elapsed = time.perf_counter() - start
    goal = f">= {GOAL_PER_SECOND}/s"
    size = len(result.pdf) / 1e6
    return [
        ("one-page invoice, render only", f"{render_only:.0f}/s ({1000 / render_only:.1f} ms)", goal),
        ("one-page invoice, load + render", f"{with_data:.0f}/s ({1000 / with_data:.1f} ms)", goal),
        ("one-page invoice, load + record + render", f"{printed:.0f}/s ({1000 / printed:.1f} ms)", "-"),
        (
            f"batch of {len(result.printed)} documents (delivery notes + invoices)",
            f"{elapsed:.2f} s, {len(result.printed) / elapsed:.0f} docs/s, {size:.1f} MB",
            goal,
        ),
    ]


def _rate(action: Callable[[], object], *, before: Callable[[], None], seconds: float = 2.0) -> float:
    """Calls per second: the median of five rounds of about seconds/5 each; `before` runs untimed."""
    rounds = []
    for _ in range(5):
        calls, spent = 0, 0.0
        while spent < seconds / 5:
            before()
            start = time.perf_counter()
            action()
            spent += time.perf_counter() - start
            calls += 1
        rounds.append(calls / spent)
    return statistics.median(rounds)


def _forget_barcodes() -> None:
    pages.qr_code_operators.cache_clear()
    pages.code128_operators.cache_clear()
    pages.wrap.cache_clear()


def _documents_for_batch(database: Database) -> list[tuple[jobs.DocumentKind, str]]:
    """Ship and invoice BATCH_ORDERS small orders; their delivery notes and invoices, in that order."""
    for sku, quantity in (("BRG-6204", 800), ("BLT-M8X30", 200), ("SEAL-KIT", 200)):
        database.run(warehouse.adjust_stock, sku, quantity=quantity, reason="benchmark stock")
    notes: list[str] = []
    invoices: list[str] = []
    for index in range(BATCH_ORDERS):
        lines = [LineInput(product="BRG-6204", quantity=4 + index % 5), LineInput(product="BLT-M8X30", quantity=1)]
        if index % 3 == 0:
            lines.append(LineInput(product="SEAL-KIT", quantity=1))
        order = database.run(
            sales.create_order,
            customer=CUSTOMERS[index % len(CUSTOMERS)],
            lines=lines,
            customer_reference=f"BENCH-{index:03d}",
        ).id
        assert order is not None
        database.run(sales.confirm_order, order)
        note = database.run(warehouse.ship_order, order).id
        invoice = database.run(finance.invoice_order, order).id
        assert note is not None and invoice is not None
        notes.append(database.run(documents.delivery_note_data, note).number)
        invoices.append(database.run(documents.invoice_data, invoice).number)
    return [("delivery_note", number) for number in notes] + [("invoice", number) for number in invoices]


def _time_font_registration() -> float:
    start = time.perf_counter()
    fonts.registered_font()
    return time.perf_counter() - start


def _pin_to_one_core() -> bool:
    """Keep this process on one CPU so the figures mean 'per core'."""
    if not hasattr(os, "sched_setaffinity"):
        return False
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    return True


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def print_table(rows: list[Row]) -> None:
    headers = ("figure", "value", "goal")
    widths = [max(len(row[column]) for row in [headers, *rows]) for column in range(3)]
    line = "  ".join("-" * width for width in widths)
    print("  ".join(header.ljust(width) for header, width in zip(headers, widths, strict=True)))
    print(line)
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    print_table(run())
