"""Client processes: spawned, connected, let go at one moment, timed item by item, and accounted for in CPU
(their own, their PostgreSQL backends', the whole machine's)."""

from __future__ import annotations

import math
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text

from server_db.core.db import Database


def spawn() -> Any:
    """Worker processes start fresh (spawn): each imports, connects and owns its Database, like a client."""
    return multiprocessing.get_context("spawn")


def collect(queue: Any, count: int, *, timeout: float, what: str, processes: Iterable[Any] = ()) -> list[Any]:
    """`count` items from a multiprocessing queue; fails early if a process died."""
    import queue as queue_module

    items: list[Any] = []
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
