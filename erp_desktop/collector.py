"""Python's cycle collector, run on the GUI thread only.

Python collects reference cycles on whichever thread happens to allocate when a generation is full. When
that is a worker thread (a query's rows being read), it can destroy a window's QObjects there: Qt then
takes the object's connection lock on the worker while it waits for the interpreter lock, and the GUI
thread, holding the interpreter lock, waits for that connection lock in its next `connect` — the client
freezes for good. So while a client runs, automatic collection is off and the GUI thread collects on a
timer, with the interpreter's own thresholds: the same collections, on the one thread that owns the widgets.
"""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QCoreApplication, QObject, QTimer

INTERVAL_MS = 250


class MainThreadCollector(QObject):
    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        self.collections = 0
        self.timer = QTimer(self)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self.check)
        self.timer.start()
        gc.disable()

    def check(self) -> None:
        """Collect the oldest generation whose count has passed its threshold, as the interpreter would."""
        counts = gc.get_count()
        generation = -1
        for level in range(3):
            if counts[level] > self.thresholds[level]:
                generation = level
            else:
                break
        if generation >= 0:
            gc.collect(generation)
            self.collections += 1

    def stop(self) -> None:
        self.timer.stop()
        gc.enable()


def install() -> MainThreadCollector | None:
    """Once per application, from the GUI thread: the collector, parented to the application (so it lives as
    long as the event loop that drives it). None when there is no application or this is not its thread."""
    app = QCoreApplication.instance()
    if app is None or threading.current_thread() is not threading.main_thread():
        return None
    existing = app.findChild(MainThreadCollector)
    if existing is not None:
        return existing
    collector = MainThreadCollector(app)
    app.aboutToQuit.connect(collector.stop)
    return collector
