"""Profiles for the notes: where a client's Python time goes (pyinstrument, py-spy) and where PostgreSQL's
goes (its own timing of functions)."""

from __future__ import annotations

import math
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.report import progress
from server_db.core.db import Database

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
