"""A library bug the benchmark's Qt processes must survive: PySide dropping references to True and None."""

from __future__ import annotations

import sys


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
