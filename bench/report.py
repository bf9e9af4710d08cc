"""The run's report: the rows of the table, the notes, progress lines, and the statistics the rows quote."""

from __future__ import annotations

import math
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

STARTED = time.perf_counter()
NOTES: list[str] = []  # findings of this run (profiles, library bugs) for the Notes of docs/BENCHMARKS.md


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
