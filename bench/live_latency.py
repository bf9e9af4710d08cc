"""Live latency: from a writer's commit to the row updated in another client's table model.

Writers are 4 processes confirming draft orders flat out (as sales clerks; then, a second time with 20
listeners, at a steady 40 orders a second in all); each reports (order id, the wall
clock right after its commit). Listeners are separate processes, each a Qt event loop (offscreen) with the
client's live path: erp_desktop.live.LiveUpdates (a QSocketNotifier on the LISTEN connection, reading the
outbox) feeding the order board's LiveList (board columns, board_queries.board_rows, refetching only the orders
an event names, off the GUI thread) and its RecordTableModel. A listener notes the wall clock when the
model announces (dataChanged) the order's row with its new state. Same machine, same clock.

The baseline is PostgreSQL's own LISTEN/NOTIFY round trip between two processes on the same cluster.
"""

from __future__ import annotations

import math
import os
import select
import time
from typing import Any

from bench.clients import ClientRun, collect, run_clients, spawn, stop_processes
from bench.cluster import BenchCluster
from bench.confirm import lines
from bench.data import analyze, create_drafts, create_product_set
from bench.profiling import Spy, spy_summary
from bench.pyside_bug import pyside_dropped_references
from bench.report import Figure, median, ms, note, percentile, progress
from server_db.app.embedded import PORT, SUPERUSER
from server_db.core.db import Database
from server_db.sales import services as sales

SECTION = "4. Live latency"
WRITERS = 4
SECONDS = 8.0
GRACE = 20.0  # after the writers stop, time for listeners to catch up before what is missing counts as lost
GOAL_P99_MS = 50.0
PACED = 10.0  # orders per second per writer in the steady-load scenario: 40 confirmations a second in all


# -- the listening client (runs in its own process) -------------------------------------------------------

LISTENER_ACTIVITIES = (  # the first marker found in a sampled stack names the activity
    ("rows_changed", "the benchmark's own dataChanged probe"),
    (
        "RecordTableModel.remove",
        "merging a refetch: RecordTableModel.remove (rows that left the board; returns at once when none did)",
    ),
    ("upsert", "merging a refetch: RecordTableModel.upsert"),
    ("_fade", "flashing changed rows: RecordTableModel._fade, a repaint of the visible rows every 100 ms"),
    ("board_rows", "refetching the orders an event names: board_queries.board_rows via Database.run (worker thread)"),
    ("_Job.run", "the worker thread's other work (Database.run, session, relay)"),
    ("server_db/events.py", "reading the outbox: EventListener.fetch (query, rows -> Events, jsonb payloads)"),
    ("from_events", "Changes.from_events"),
    ("live.py", "LiveUpdates, other"),
    ("operations.py", "Operations: results relayed to the GUI thread"),
)


class _Runner:
    """What LiveList needs of its window: run a query off the GUI thread, like RoleWindow.run."""

    def __init__(self, operations: Any) -> None:
        self.operations = operations

    def run(self, function: Any, *args: Any, on_done: Any = None, **kwargs: Any) -> None:
        self.operations.run(function, *args, on_done=on_done, **kwargs)


def listener_process(number: int, url: str, ready: Any, results: Any, stop: Any, counts: Any) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer

    from erp_desktop.app import make_application
    from erp_desktop.live import CONNECTED, LiveUpdates
    from erp_desktop.operations import Operations
    from erp_desktop.windows.base import LiveList
    from erp_desktop.windows.board import BOARD_COLUMNS, STAGES
    from server_db.supervisor import board as board_queries

    app = make_application([])
    pyside_dropped_references()  # and if the binding drops references, survive it (see bench.pyside_bug)
    database = Database(url, application_name=f"erp-bench-listener-{number}")
    operations = Operations(database)
    live = LiveUpdates(url, operations)
    board = LiveList(
        _Runner(operations),
        BOARD_COLUMNS,
        board_queries.board_rows,  # type: ignore[arg-type]
        lambda changes: changes.sales_orders,
        states=STAGES,
        sort=None,
        fast_sort=True,
    )
    live.changed.connect(board.apply)
    model = board.table.source
    seen: dict[int, float] = {}

    def rows_changed(top: Any, bottom: Any, *_: Any) -> None:
        now = time.time()
        for row in range(top.row(), bottom.row() + 1):
            order_id = model.value(row, "id")
            if order_id not in seen and model.value(row, "state") != "draft":
                seen[order_id] = now
        counts[number] = len(seen)

    model.dataChanged.connect(rows_changed)
    model.rowsInserted.connect(lambda _parent, first, last: rows_changed(model.index(first, 0), model.index(last, 0)))
    announced = False
    cpu = 0.0

    def poll() -> None:
        nonlocal announced
        nonlocal cpu
        if not announced and board.loaded and live.status == CONNECTED:
            announced = True
            cpu = time.process_time()
            ready.put((number, model.rowCount(), os.getpid()))
        if stop.is_set():
            live.stop()
            results.put((number, seen, time.process_time() - cpu))
            app.quit()

    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(20)
    live.start()
    board.load()
    app.exec()
    operations.wait(10000)
    database.dispose()


# -- the writers ------------------------------------------------------------------------------------------


def writer(config: tuple[str, float | None]) -> Any:
    """A writer confirming orders flat out, or with a pace (orders per second), evenly spaced."""
    url, pace = config
    database = Database(url, application_name="erp-bench-writer")
    database.ping()
    slot = [0.0]

    def confirm(order_id: int) -> dict[str, float]:
        if pace:
            now = time.monotonic()
            slot[0] = max(slot[0] + 1 / pace, now)
            time.sleep(max(0.0, slot[0] - now))
        database.run(sales.confirm_order, order_id)
        return {"committed_at": time.time(), "order_id": float(order_id)}

    return confirm


# -- the baseline: LISTEN/NOTIFY alone --------------------------------------------------------------------


def notify_listener(socket_dir: str, database: str, count: int, ready: Any, results: Any) -> None:
    import psycopg2

    conn = psycopg2.connect(host=socket_dir, port=PORT, user=SUPERUSER, dbname=database)
    conn.autocommit = True
    conn.cursor().execute("LISTEN bench_ping")
    ready.put(True)
    latencies = []
    while len(latencies) < count:
        if select.select([conn], [], [], 10) == ([], [], []):
            break
        conn.poll()
        now = time.time()
        while conn.notifies:
            latencies.append(now - float(conn.notifies.pop(0).payload))
    results.put(latencies)


def _notify_baseline(cluster: BenchCluster, database: str, count: int = 200) -> list[float]:
    import psycopg2

    context = spawn()
    ready, results = context.Queue(), context.Queue()
    process = context.Process(
        target=notify_listener, args=(cluster.socket_dir, database, count, ready, results), daemon=True
    )
    process.start()
    try:
        collect(ready, 1, timeout=60, what="the NOTIFY listener", processes=[process])
        conn = psycopg2.connect(host=cluster.socket_dir, port=PORT, user=SUPERUSER, dbname=database)
        conn.autocommit = True
        with conn.cursor() as cursor:
            for _ in range(count):
                cursor.execute("SELECT pg_notify('bench_ping', %s)", (repr(time.time()),))
                time.sleep(0.005)
        conn.close()
        return collect(results, 1, timeout=30, what="NOTIFY latencies", processes=[process])[0]
    finally:
        stop_processes([process])


# -- the run ----------------------------------------------------------------------------------------------


def run(cluster: BenchCluster, single_rate: float) -> list[Figure]:
    name = cluster.new_database("bench_live")
    admin = Database(cluster.url(name), application_name="erp-bench-admin")
    clerk = Database(cluster.url(name, user="sales"), application_name="erp-bench-clerk")
    product_sets = [create_product_set(admin, f"L{i}") for i in range(WRITERS)]
    for products in product_sets:  # some history, so the planner knows the tables are not empty
        for order_id in create_drafts(admin, 50, customers=products.customers, lines=lines(products)):
            clerk.run(sales.confirm_order, order_id)
    clerk.dispose()
    figures: list[Figure] = []
    try:
        progress("live latency: NOTIFY baseline")
        notify = _notify_baseline(cluster, name)
        baseline = (
            f"bare LISTEN/NOTIFY, idle: p50 {ms(median(notify))}, p99 {ms(percentile(notify, 99))}, "
            f"max {ms(max(notify))}"
        )
        # flat out, as the goal asks; then the same 20 listeners under a steady office load, which leaves
        # the 2 cores some room: what a listener's path costs when it is not waiting for a core
        for listeners, pace in ((1, None), (20, None), (20, PACED)):
            figures.append(_scenario(cluster, admin, name, product_sets, listeners, single_rate, baseline, pace))
    finally:
        admin.dispose()
        cluster.drop_database(name)
    return figures


def _scenario(
    cluster: BenchCluster,
    admin: Database,
    name: str,
    product_sets: list[Any],
    listeners: int,
    single_rate: float,
    baseline: str,
    pace: float | None = None,
) -> Figure:
    per_writer = math.ceil((pace or single_rate) * SECONDS * 1.5) + 200
    work = [
        create_drafts(admin, per_writer, customers=p.customers, lines=lines(p), reference="live") for p in product_sets
    ]
    analyze(admin)
    progress(f"live latency: starting {listeners} listening client{'s' if listeners > 1 else ''}")
    context = spawn()
    ready, results, stop = context.Queue(), context.Queue(), context.Event()
    counts = context.Array("i", listeners, lock=False)
    url = cluster.url(name, user="supervisor")
    processes = [
        context.Process(target=listener_process, args=(i, url, ready, results, stop, counts), daemon=True)
        for i in range(listeners)
    ]
    try:
        for process in processes:
            process.start()
        loaded = collect(ready, listeners, timeout=300, what="listeners to load the board", processes=processes)
        progress(
            f"live latency: {listeners} listeners ready ({loaded[0][1]:,} rows each); "
            f"{_writers(pace)} for {SECONDS:.0f} s"
        )
        spy = Spy(loaded[0][2], seconds=SECONDS + 30).start()  # one listener, sampled while writers run
        writers = run_clients(
            writer,
            [(cluster.url(name, user="sales"), pace)] * WRITERS,
            work,
            seconds=SECONDS,
            database=admin,
            what="live latency writers",
        )
        samples = spy.stop()
        committed = len(writers.measure("order_id"))
        deadline = time.monotonic() + GRACE
        while min(counts) < committed and time.monotonic() < deadline:
            time.sleep(0.1)
        stop.set()
        seen = collect(results, listeners, timeout=120, what="listeners' observations", processes=processes)
    finally:
        stop.set()
        stop_processes(processes, timeout=30)
    orders = max(writers.done, 1)
    listener_cpu = sum(cpu for _, _, cpu in seen)
    note(
        f"**Live latency with {listeners} listening client{'s' if listeners > 1 else ''}, {_writers(pace)}, "
        "CPU accounting**: "
        f"{WRITERS} writers confirmed {writers.done:,} orders ({writers.rate:,.0f}/s); CPU per order: writers "
        f"{writers.client_cpu / orders * 1000:.2f} ms, the {listeners} listener process"
        f"{'es' if listeners > 1 else ''} {listener_cpu / orders * 1000:.2f} ms "
        f"({listener_cpu / orders / listeners * 1000:.2f} ms each), all PostgreSQL backends of the database "
        f"(writers' and listeners') {writers.server_cpu / orders * 1000:.2f} ms; the machine was "
        f"{writers.machine_busy:.0%} busy. One listener sampled with py-spy (the thread holding the GIL) while the "
        f"writers ran:\n\n" + spy_summary(samples, LISTENER_ACTIVITIES, per=orders, unit="order")
    )
    return _figure(writers, [(number, observed) for number, observed, _ in seen], listeners, baseline, pace)


def _writers(pace: float | None) -> str:
    return f"{WRITERS} writers flat out" if not pace else f"{WRITERS} writers at {WRITERS * pace:.0f} orders/s in all"


def _figure(
    writers: ClientRun,
    seen: list[tuple[int, dict[int, float]]],
    listeners: int,
    baseline: str,
    pace: float | None = None,
) -> Figure:
    committed = dict(zip((int(i) for i in writers.measure("order_id")), writers.measure("committed_at"), strict=True))
    latencies: list[float] = []
    missing = 0
    for _number, observed in seen:
        lost = []
        for order_id, committed_at in committed.items():
            if order_id in observed:
                latencies.append(max(0.0, observed[order_id] - committed_at))
            else:
                missing += 1
                lost.append(order_id)
        if lost:
            progress(f"live latency: listener {_number} did not see {len(lost)} orders, e.g. {lost[:5]}")
    p99 = percentile(latencies, 99)
    value = (
        f"p50 {ms(median(latencies))}, p99 {ms(p99)}, max {ms(max(latencies, default=math.nan))} "
        f"({len(latencies):,} updates; writers {writers.rate:,.0f} orders/s)"
    )
    if missing:
        value += f"; {missing:,} not seen {GRACE:.0f} s after the end"
        note(
            f"**Updates not seen** ({missing} order update(s) with {listeners} listener(s) never reached the "
            f"model in the {GRACE:.0f} s after the writers stopped): the listeners' log above names them."
        )
    if writers.problems():
        value += f"; writers: {writers.problems()}"
    judged = listeners == 20 and not pace
    goal = f"p99 < {GOAL_P99_MS:.0f} ms" if judged else "-"
    met = (p99 * 1000 < GOAL_P99_MS and not missing) if judged else None
    return Figure(
        SECTION,
        f"commit -> row updated in the model, {listeners} listening client{'s' if listeners > 1 else ''}, "
        f"{_writers(pace)}",
        value,
        goal=goal,
        baseline=baseline,
        met=met,
    )
