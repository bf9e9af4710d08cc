"""Soak: 20 listening clients and 4 writers running order to cash flat out, for minutes.

    python -m bench.soak [--minutes 10] [--listeners 20] [--writers 4] [--report docs/SOAK.md]

Each listener is a client process as on a supervisor's PC: a Qt event loop (offscreen), LiveUpdates on its
own listening connection, and a table model of the board rows that refetches only the orders an event names.
Every writer transaction notes its transaction id and commit time in shared memory; a listener looks up the
transactions behind each batch it applied, so a sample is *writer commit -> row updated in the model*.
Every 30 s each listener reports its resident memory (VmRSS) and its samples. At the end: a table per
minute (median listener RSS, latency p50/p99/max), the largest memory growth, and whether every listener's
rows equal a fresh query. Goal: p99 under 50 ms, and memory flat.

The run has its own throwaway cluster, removed at the end and on errors.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import datetime as dt
import faulthandler
import math
import multiprocessing
import os
import platform
import queue
import random
import shutil
import signal
import sys
import tempfile
import time
import traceback
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.report import percentile

RING = 1 << 21  # transaction ids remembered (a 10-minute run commits a few hundred thousand)
REPORT_SECONDS = 30.0
WARM_UP_MINUTES = 1  # memory growth is measured from the end of the first minute
GOAL_P99_MS = 50.0
GOAL_GROWTH_MB = 10.0


# -- helpers ------------------------------------------------------------------------------------------------


def rss_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- the company ---------------------------------------------------------------------------------------------

SKUS = [f"SOAK-{n:02}" for n in range(1, 11)]
CUSTOMERS = ["SOAK-C1", "SOAK-C2", "SOAK-C3"]


def create_company(url: str) -> None:
    from server_db.app import migrate
    from server_db.core.db import Database
    from server_db.masterdata import services as masterdata
    from server_db.warehouse import services as warehouse

    db = Database(url)
    try:
        migrate.upgrade(db.engine)

        def setup(session: Any) -> None:
            masterdata.set_company(session, name="耐久测试公司 Soak Co.", address="上海市")
            masterdata.create_warehouse(session, code="MAIN", name="主仓库")
            masterdata.create_work_centre(session, code="ASM", name="装配", daily_capacity_hours=8)
            masterdata.create_supplier(session, code="SUP", name="宁波供应商", lead_time_days=5)
            for n, code in enumerate(CUSTOMERS, start=1):
                masterdata.create_customer(session, code=code, name=f"华联商贸 {n} 号有限公司", address="北京市朝阳区")
            for n, sku in enumerate(SKUS, start=1):
                masterdata.create_product(
                    session,
                    sku=sku,
                    name=f"轴承 Bearing {n}",
                    procurement="buy",
                    price=str(10 + n),
                    cost=str(5 + n),
                    default_supplier="SUP",
                )

        db.run(setup)
        for sku in SKUS:  # enough for every order of a long run: writers never wait for goods
            db.run(warehouse.adjust_stock, sku, quantity=5_000_000, reason="soak stock")
    finally:
        db.dispose()


# -- a writer: order to cash, flat out -----------------------------------------------------------------------


def writer_main(url: str, seed: int, ring_xid: Any, ring_time: Any, started: float, stop: Any, out: Any) -> None:
    try:
        _writer(url, seed, ring_xid, ring_time, started, stop, out)
    except Exception:
        out.put(("error", f"writer {seed}", traceback.format_exc()))


def _writer(url: str, seed: int, ring_xid: Any, ring_time: Any, started: float, stop: Any, out: Any) -> None:
    from sqlalchemy import text

    from server_db.core.db import Database
    from server_db.core.errors import DomainError
    from server_db.finance import services as finance
    from server_db.sales import services as sales
    from server_db.sales.services import LineInput
    from server_db.warehouse import services as warehouse

    rng = random.Random(seed)
    db = Database(url, pool_size=1)
    per_minute: Counter[int] = Counter()
    orders: Counter[int] = Counter()
    refusals: Counter[str] = Counter()

    def step(session: Any, function: Any, *args: Any, **kwargs: Any) -> tuple[Any, int]:
        """The operation's Changes and its transaction's id (every step writes events, which carry it)."""
        changes = function(session, *args, **kwargs)
        return changes, changes.events[0].xid

    def committed(xid: int) -> None:
        now = time.time()
        slot = xid % RING
        ring_time[slot] = now
        ring_xid[slot] = xid
        per_minute[int((now - started) // 60)] += 1

    while not stop.is_set():
        try:
            lines = [LineInput(product=sku, quantity=rng.randint(1, 5)) for sku in rng.sample(SKUS, rng.randint(1, 3))]
            created, xid = db.run(step, sales.create_order, customer=rng.choice(CUSTOMERS), lines=lines)
            committed(xid)
            order = created.id
            for function in (sales.confirm_order, warehouse.ship_order):
                committed(db.run(step, function, order)[1])
            invoiced, xid = db.run(step, finance.invoice_order, order)
            committed(xid)
            amount = db.run(
                lambda s, invoice=invoiced.id: s.execute(
                    text("SELECT gross_total FROM erp.invoices WHERE id = :id"), {"id": invoice}
                ).scalar_one()
            )
            committed(db.run(step, finance.record_payment, invoiced.id, amount=Decimal(amount))[1])
            orders[int((time.time() - started) // 60)] += 1
        except DomainError as refusal:  # not expected with plenty of stock; counted, not fatal
            refusals[type(refusal).__name__] += 1
    db.dispose()
    out.put(("writer", seed, dict(per_minute), dict(orders), dict(refusals)))


# -- a listener: a Qt client with the board's model ----------------------------------------------------------


def listener_main(
    url: str, number: int, ring_xid: Any, ring_time: Any, started: Any, stop: Any, out: Any, ballast: int
) -> None:
    faulthandler.enable()  # a crash in a C extension leaves its stack in the log
    add_references(ballast)
    try:
        _listener(url, number, ring_xid, ring_time, started, stop, out, ballast)
    except Exception:
        out.put(("error", f"listener {number}", traceback.format_exc()))


def add_references(count: int) -> None:
    """PySide6 6.12.0 on Python 3.11 drops a reference to True on every Python-side signal emit (and to None
    on some calls); a client aborts ("bool_dealloc") once True's count reaches zero. With --ballast N a
    listener gives True, False and None N references it never takes back, so the run can go on; the loss is
    measured and reported either way."""
    for constant in (True, False, None):
        ctypes.c_ssize_t.from_address(id(constant)).value += count


def _listener(
    url: str, number: int, ring_xid: Any, ring_time: Any, started: Any, stop: Any, out: Any, ballast: int
) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer

    from erp_desktop.app import make_application
    from erp_desktop.live import CONNECTED, LiveUpdates
    from erp_desktop.operations import Operations
    from erp_desktop.table_models import NewestAnswers, RecordTableModel
    from erp_desktop.windows.board import BOARD_COLUMNS
    from server_db.core.changes import Changes
    from server_db.core.db import Database
    from server_db.supervisor import board as board_queries

    app = make_application(["soak-listener"])
    db = Database(url, pool_size=2)
    operations = Operations(db)
    live = LiveUpdates(url, operations)
    model = RecordTableModel(BOARD_COLUMNS)
    model.reset(db.run(board_queries.board_rows))
    state: dict[str, Any] = {
        "announced": False,
        "batches": 0,
        "events": 0,
        "references_at_start": (sys.getrefcount(True) - ballast, sys.getrefcount(None) - ballast),
    }
    applied: list[tuple[int, float]] = []  # (writer transaction id, when its rows were in the model)
    waiting: list[tuple[int, float]] = []  # not yet noted by the writer (it notes right after its commit)

    answers = NewestAnswers()  # as the windows' lists do: refetches may finish out of order

    def on_changes(changes: Changes) -> None:
        ids = sorted(changes.sales_orders)
        state["events"] += len(changes.events)
        if not ids:
            return
        xids = {event.xid for event in changes.events if event.sales_order_id is not None}
        ticket = answers.ask(ids)
        operations.run(board_queries.board_rows, ids=ids, on_done=lambda rows: merged(ticket, ids, rows, xids))

    deferred: dict[int, set[int]] = {}  # order -> writer transactions waiting for a newer refetch of it

    def merged(ticket: int, ids: list[int], rows: list[dict[str, Any]], xids: set[int]) -> None:
        current = answers.answered(ticket, ids)
        model.replace_subset(current, [row for row in rows if row["id"] in current])
        now = time.time()
        superseded = set(ids) - current
        credited = set() if superseded else set(xids)  # else they count when the newer answer is in
        for key in superseded:
            deferred.setdefault(key, set()).update(xids)
        for key in current:
            credited |= deferred.pop(key, set())
        applied.extend((xid, now) for xid in credited)
        state["batches"] += 1

    def on_status(status: str) -> None:
        if status == CONNECTED and not state["announced"]:
            state["announced"] = True
            out.put(("ready", number))

    def samples() -> tuple[array, array]:
        """Latencies (s) and their commit times (s since start) of the samples noted since the last report."""
        latencies, commits = array("d"), array("d")
        pending, applied[:] = applied + waiting, []
        waiting.clear()
        for xid, at in pending:
            slot = xid % RING
            if ring_xid[slot] == xid:
                commit = ring_time[slot]
                latencies.append(max(0.0, at - commit))
                commits.append(commit - started.value)
            elif time.time() - at < 2 * REPORT_SECONDS:
                waiting.append((xid, at))
        return latencies, commits

    def report(final: bool = False) -> None:
        latencies, commits = samples()
        stale = -1
        if final:
            fresh = {row["id"]: {f: row[f] for f in model.fields} for row in db.run(board_queries.board_rows)}
            mine = {key: model.record_by_id(key) for key in model.ids()}
            differing = sorted(key for key in fresh.keys() | mine.keys() if fresh.get(key) != mine.get(key))
            stale = len(differing)
            for key in differing[:3]:
                log(f"listener {number}: order {key} shows {mine.get(key)}, fresh: {fresh.get(key)}")
        elif not started.value:
            return  # the writers have not started yet
        references = (sys.getrefcount(True) - ballast, sys.getrefcount(None) - ballast)
        out.put(
            (
                "report",
                number,
                time.time() - started.value,
                rss_kb(),
                latencies.tobytes(),
                commits.tobytes(),
                model.rowCount(),
                stale,
                final,
                {**state, "references": references},
            )
        )

    def check_stop() -> None:
        if stop.is_set():
            poll.stop()
            reporter.stop()
            live.stop()
            for _ in range(3):  # refetches still running, then their results merged on this thread
                operations.wait(10000)
                app.processEvents()
            report(final=True)
            app.quit()

    live.changed.connect(on_changes)
    live.status_changed.connect(on_status)
    reporter = QTimer(interval=int(REPORT_SECONDS * 1000))
    reporter.timeout.connect(report)
    poll = QTimer(interval=200)
    poll.timeout.connect(check_stop)
    live.start()
    reporter.start()
    poll.start()
    app.exec()
    db.dispose()


# -- the run -------------------------------------------------------------------------------------------------


@dataclass
class Results:
    minutes: float
    latency: dict[int, array] = field(default_factory=lambda: defaultdict(lambda: array("d")))
    rss: dict[int, list[tuple[float, int]]] = field(default_factory=lambda: defaultdict(list))  # listener -> (t, kB)
    writer_tx: Counter[int] = field(default_factory=Counter)
    writer_orders: Counter[int] = field(default_factory=Counter)
    refusals: Counter[str] = field(default_factory=Counter)
    stale: dict[int, int] = field(default_factory=dict)
    rows: dict[int, int] = field(default_factory=dict)
    events: dict[int, int] = field(default_factory=dict)
    references: dict[int, list[tuple[float, int, int]]] = field(default_factory=lambda: defaultdict(list))
    references_at_start: dict[int, tuple[int, int]] = field(default_factory=dict)
    crashed: dict[int, int] = field(default_factory=dict)  # listener -> exit code
    errors: list[str] = field(default_factory=list)

    def take(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "report":
            _, number, at, rss, latencies, commits, rows, stale, final, state = message
            self.rss[number].append((at, rss))
            self.references[number].append((at, *state["references"]))
            self.references_at_start[number] = state["references_at_start"]
            lat, com = array("d"), array("d")
            lat.frombytes(latencies)
            com.frombytes(commits)
            for latency, commit in zip(lat, com, strict=True):
                self.latency[int(commit // 60)].append(latency)
            if final:
                self.stale[number] = stale
                self.rows[number] = rows
                self.events[number] = state["events"]
        elif kind == "writer":
            _, _, per_minute, orders, refusals = message
            self.writer_tx.update(per_minute)
            self.writer_orders.update(orders)
            self.refusals.update(refusals)
        elif kind == "error":
            self.errors.append(f"{message[1]}: {message[2]}")


def collect(results: Results, messages: Any, *, until: float) -> None:
    while time.monotonic() < until:
        with contextlib.suppress(queue.Empty):
            results.take(messages.get(timeout=max(0.01, min(1.0, until - time.monotonic()))))


def run(url: str, *, minutes: float, listeners: int, writers: int, ballast: int) -> Results:
    context = multiprocessing.get_context("spawn")
    ring_xid = context.Array("q", RING, lock=False)
    ring_time = context.Array("d", RING, lock=False)
    started = context.Value("d", 0.0, lock=False)
    stop_writers, stop_listeners = context.Event(), context.Event()
    messages = context.Queue()
    results = Results(minutes)
    processes = []
    try:
        log(f"starting {listeners} listening clients")
        for number in range(listeners):
            process = context.Process(
                target=listener_main,
                name=f"listener-{number}",
                args=(url, number, ring_xid, ring_time, started, stop_listeners, messages, ballast),
            )
            process.start()
            processes.append(process)
        ready = 0
        deadline = time.monotonic() + 300
        while ready < listeners:
            message = messages.get(timeout=max(1.0, deadline - time.monotonic()))
            if message[0] == "ready":
                ready += 1
            else:
                results.take(message)
                if message[0] == "error":
                    raise RuntimeError(results.errors[-1])
        started.value = time.time()
        log(f"{listeners} listening; starting {writers} writers for {minutes:g} min")
        writer_processes = []
        for seed in range(writers):
            process = context.Process(
                target=writer_main,
                name=f"writer-{seed}",
                args=(url, seed, ring_xid, ring_time, started.value, stop_writers, messages),
            )
            process.start()
            writer_processes.append(process)
        processes += writer_processes
        end = time.monotonic() + minutes * 60
        while time.monotonic() < end:
            collect(results, messages, until=min(end, time.monotonic() + 60))
            elapsed = time.time() - started.value
            log(
                f"{elapsed / 60:4.1f} min: {len(results.errors)} errors, "
                f"{sum(len(v) for v in results.latency.values())} latency samples so far"
            )
        stop_writers.set()
        # read while the writers finish: a process cannot exit before its queued messages are read
        writers_due = time.monotonic() + 120
        while time.monotonic() < writers_due and any(p.is_alive() for p in writer_processes):
            collect(results, messages, until=time.monotonic() + 0.5)
        collect(results, messages, until=time.monotonic() + 3)  # listeners catch up with the last commits
        stop_listeners.set()
        finals_due = time.monotonic() + 120
        listener_processes = processes[:listeners]
        while time.monotonic() < finals_due and any(
            number not in results.stale and process.is_alive() for number, process in enumerate(listener_processes)
        ):
            collect(results, messages, until=time.monotonic() + 1)
        collect(results, messages, until=time.monotonic() + 1)
        for process in processes:
            process.join(30)
        for number, process in enumerate(processes[:listeners]):
            if process.exitcode not in (0, None):
                results.crashed[number] = process.exitcode
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join(5)
    return results


# -- the report ----------------------------------------------------------------------------------------------


def table(results: Results) -> tuple[list[str], dict[str, Any]]:
    minutes = max([*results.latency.keys(), *results.writer_tx.keys(), 0]) + 1
    minutes = min(minutes, math.ceil(results.minutes))
    lines = [
        "| minute | writer tx | orders to cash | listener RSS median (MB) | samples | p50 (ms) | p99 (ms) | max (ms) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    summary: dict[str, Any] = {}
    all_latencies = array("d")
    worst_p99 = 0.0
    for minute in range(minutes):
        rss_now = [kb for series in results.rss.values() for at, kb in series if minute * 60 <= at < (minute + 1) * 60]
        latencies = results.latency.get(minute, array("d"))
        all_latencies.extend(latencies)
        p50, p99, top = (
            percentile(latencies, 50) * 1000,
            percentile(latencies, 99) * 1000,
            max(latencies, default=math.nan) * 1000,
        )
        if latencies:
            worst_p99 = max(worst_p99, p99)
        median_rss = percentile(rss_now, 50) / 1024 if rss_now else math.nan
        lines.append(
            f"| {minute + 1} | {results.writer_tx.get(minute, 0):,} "
            f"| {results.writer_orders.get(minute, 0):,} "
            f"| {median_rss:.1f} | {len(latencies):,} | {p50:.1f} | {p99:.1f} | {top:.1f} |"
        )
    growth = []
    for series in results.rss.values():
        after_warm_up = [kb for at, kb in series if at >= WARM_UP_MINUTES * 60] or [kb for _, kb in series]
        if after_warm_up:
            growth.append((after_warm_up[-1] - after_warm_up[0]) / 1024)
    first = [series[0][1] / 1024 for series in results.rss.values() if series]
    last = [series[-1][1] / 1024 for series in results.rss.values() if series]
    summary.update(
        p50=percentile(all_latencies, 50) * 1000,
        p99=percentile(all_latencies, 99) * 1000,
        max=max(all_latencies, default=math.nan) * 1000,
        samples=len(all_latencies),
        worst_minute_p99=worst_p99,
        max_growth=max(growth, default=math.nan),
        median_growth=percentile(growth, 50),
        rss_first=percentile(first, 50),
        rss_last=percentile(last, 50),
        tx=sum(results.writer_tx.values()),
        orders=sum(results.writer_orders.values()),
        stale=sum(v for v in results.stale.values() if v > 0),
        listeners_final=len(results.stale),
    )
    losses, lifetimes = [], []
    for number, series in results.references.items():
        start_true = results.references_at_start[number][0]
        at, true_now, _ = series[-1]
        if at > 0 and start_true > true_now:
            per_minute = (start_true - true_now) / (at / 60)
            losses.append(per_minute)
            lifetimes.append(start_true / per_minute)
    summary.update(
        true_lost_per_minute=percentile(losses, 50),
        minutes_to_abort=percentile(lifetimes, 50),
        true_at_start=percentile([v[0] for v in results.references_at_start.values()], 50),
        crashed=len(results.crashed),
    )
    return lines, summary


def machine() -> dict[str, str]:
    cpu = "?"
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as info:
            cpu = next((ln.split(":", 1)[1].strip() for ln in info if ln.startswith("model name")), "?")
    except OSError:
        pass
    memory = "?"
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            memory = f"{int(info.readline().split()[1]) / 1024 / 1024:.1f} GB"
    except OSError:
        pass
    import PySide6
    import sqlalchemy

    return {
        "CPU": f"{cpu}, {os.cpu_count()} logical cores",
        "memory": memory,
        "system": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "PySide6": PySide6.__version__,
        "SQLAlchemy": sqlalchemy.__version__,
    }


def crashes(results: Results) -> str:
    """Which listeners died, how, and when they last reported."""
    return ", ".join(
        f"listener {number} (exit code {code}, last report at {results.rss[number][-1][0] / 60:.1f} min)"
        if results.rss.get(number)
        else f"listener {number} (exit code {code}, before its first report)"
        for number, code in sorted(results.crashed.items())
    )


def verdicts(summary: dict[str, Any], results: Results) -> list[str]:
    latency_ok = summary["worst_minute_p99"] < GOAL_P99_MS
    memory_ok = summary["max_growth"] < GOAL_GROWTH_MB
    consistent = summary["stale"] == 0 and not results.errors
    if summary["true_lost_per_minute"] > 0:
        stability = (
            f"- Stability: {summary['crashed']} listener(s) crashed"
            + (f": {crashes(results)}" if results.crashed else "")
            + ". A listener lost "
            f"{summary['true_lost_per_minute']:,.0f} references to `True` per minute (median; it starts with "
            f"{summary['true_at_start']:,.0f}): without the ballast it aborts with `bool_dealloc` "
            "after about "
            f"{summary['minutes_to_abort']:.1f} min — **NOT ok** (PySide6 6.12.0 on Python 3.11)."
        )
    else:
        stability = (
            f"- Stability: {summary['crashed']} listener(s) crashed"
            + (f": {crashes(results)}" if results.crashed else "")
            + f"; no references lost — **{'NOT ok' if results.crashed else 'ok'}**."
        )
    return [
        stability,
        f"- Latency: p99 over the whole run {summary['p99']:.1f} ms, "
        f"worst minute {summary['worst_minute_p99']:.1f} ms "
        f"(goal: under {GOAL_P99_MS:.0f} ms) — **{'met' if latency_ok else 'missed'}**.",
        f"- Memory: a listener's RSS grew by at most {summary['max_growth']:.1f} MB after the first minute "
        f"(median {summary['median_growth']:.1f} MB; first report {summary['rss_first']:.1f} MB, last "
        f"{summary['rss_last']:.1f} MB; goal: flat, under {GOAL_GROWTH_MB:.0f} MB) — "
        f"**{'flat' if memory_ok else 'growing'}**.",
        f"- Consistency: {summary['listeners_final']} listeners reported at the end; "
        "rows differing from a fresh "
        f"query: {summary['stale']}; errors: {len(results.errors)} — **{'ok' if consistent else 'NOT ok'}**.",
    ]


def write_report(
    path: Path,
    command: str,
    facts: dict[str, str],
    settings: str,
    lines: list[str],
    summary: dict[str, Any],
    results: Results,
    pg_version: str,
    duration: float,
) -> None:
    text = [
        "# Soak run: 20 listening clients, 4 writers",
        "",
        "Written by `bench/soak.py` (`make soak`). Each listener is a client process with a Qt event loop "
        "(offscreen), LiveUpdates on its own listening connection and a table model of the supervisor board "
        "that refetches only the orders an event names. Writers run order to cash (enter, confirm, ship, "
        "invoice, pay) flat out, one transaction per step. Latency is *writer commit → row updated in the "
        "listener's model*, for every writer transaction in every listener. RSS is VmRSS of the listener "
        "processes, reported every 30 s.",
        "",
        f"- Command: `{command}`",
        f"- Run: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {duration / 60:.1f} min in all",
        *[f"- {key}: {value}" for key, value in facts.items()],
        f"- PostgreSQL {pg_version}, private throwaway cluster (durable=False, as the tests), Unix socket",
        f"- {settings}",
        "",
        "## Per minute",
        "",
        *lines,
        "",
        f"Whole run: {summary['tx']:,} writer transactions ({summary['orders']:,} orders to cash), "
        f"{summary['samples']:,} latency samples: p50 {summary['p50']:.1f} ms, p99 {summary['p99']:.1f} ms, "
        f"max {summary['max']:.1f} ms.",
        "",
        "## Verdict",
        "",
        *verdicts(summary, results),
        "",
    ]
    if results.errors:
        text += ["## Errors", "", "```", *results.errors[:5], "```", ""]
    path.write_text("\n".join(text), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--listeners", type=int, default=20)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--report", default="docs/SOAK.md", help="write the report there ('' for none)")
    parser.add_argument(
        "--ballast",
        type=int,
        default=0,
        help="extra references to True/False/None each listener holds, so that PySide6's reference "
        "leak does not abort it during the run (0: run as a real client does)",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # killed politely: clean up as on Ctrl+C
    load_before = os.getloadavg()

    import psycopg2

    from server_db.app.embedded import EmbeddedServer
    from server_db.core.events import psycopg2_dsn

    began = time.monotonic()
    base = Path(tempfile.mkdtemp(prefix="erp-soak-"))
    server = EmbeddedServer(base, durable=False)
    try:
        log(f"private cluster in {base}")
        server.acquire()
        conn = psycopg2.connect(psycopg2_dsn(server.url("postgres")))
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute("CREATE DATABASE soak")
        conn.close()
        url = server.url("soak")
        create_company(url)
        results = run(url, minutes=args.minutes, listeners=args.listeners, writers=args.writers, ballast=args.ballast)
        pg_version = server.binaries.version
    finally:
        try:
            server.release()
        finally:
            server.destroy()
            shutil.rmtree(base, ignore_errors=True)

    lines, summary = table(results)
    settings = (
        f"{args.listeners} listeners, {args.writers} writers, {args.minutes:g} min, "
        f"reports every {REPORT_SECONDS:.0f} s, ballast {args.ballast:,} references per listener"
    )
    print("\n".join(lines))
    print(
        f"\nwhole run: {summary['tx']:,} transactions, {summary['orders']:,} orders; "
        f"p50 {summary['p50']:.1f} ms, "
        f"p99 {summary['p99']:.1f} ms, max {summary['max']:.1f} ms"
    )
    print("\n".join(verdicts(summary, results)))
    for error in results.errors[:5]:
        print(error, file=sys.stderr)
    if args.report:
        command = " ".join(["python -m bench.soak", *(argv if argv is not None else sys.argv[1:])])
        facts = machine()
        facts["load average (1/5/15 min) before; after"] = (
            " / ".join(f"{v:.1f}" for v in load_before) + "; " + " / ".join(f"{v:.1f}" for v in os.getloadavg())
        )
        write_report(
            Path(args.report),
            command,
            facts,
            settings,
            lines,
            summary,
            results,
            pg_version,
            time.monotonic() - began,
        )
        log(f"report written to {args.report}")
    return 1 if results.errors else 0


if __name__ == "__main__":
    sys.exit(main())
