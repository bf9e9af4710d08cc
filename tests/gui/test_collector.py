"""Cycles are collected on the GUI thread only: a collection on a worker thread could destroy a widget
there, and Qt and the interpreter would then wait for each other's lock for ever (the client froze once
this way while its board redrew a chart)."""

from __future__ import annotations

import gc
import threading
from typing import Any

from PySide6.QtCore import QObject

from erp_desktop.operations import Operations


class Garbage:
    """A cycle that holds a QObject, as a closed window's widgets and their Python helpers do."""

    def __init__(self, seen: list[str]) -> None:
        self.seen = seen
        self.widget = QObject()
        self.me = self

    def __del__(self) -> None:
        self.seen.append(threading.current_thread().name)


def churn(_: Any = None) -> int:
    """What a worker does while it reads rows: allocate many objects, some of them in cycles that only
    the collector frees, enough to fill the youngest generation many times over."""
    kept = [{"row": i, "values": [i, str(i)]} for i in range(20_000)]
    for _ in range(2_000):
        cycle: list[Any] = []
        cycle.append(cycle)
    return len(kept)


def test_cycles_are_collected_on_the_gui_thread_while_workers_allocate(qapp: Any, qtbot: Any) -> None:
    operations = Operations(None, threads=2)
    try:
        assert not gc.isenabled()
        seen: list[str] = []
        for _ in range(20):
            Garbage(seen)
        finished: list[int] = []
        for _ in range(20):
            operations.run(churn, raw=True, on_done=finished.append)
        qtbot.waitUntil(lambda: len(finished) == 20, timeout=20000)
        qtbot.waitUntil(lambda: len(seen) == 20, timeout=5000)
        assert set(seen) == {threading.main_thread().name}
    finally:
        operations.pool.waitForDone()
        operations.deleteLater()
