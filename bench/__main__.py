"""`make bench`: every figure of the benchmark issue in one table, each next to its goal and a baseline
measured in the same run on the same cluster; the table and the machine's facts go to docs/BENCHMARKS.md.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m bench [--quick] [--only SECTION ...] [--no-write]

One throwaway PostgreSQL cluster serves the whole run and is stopped and deleted at the end, also on Ctrl-C
or an error. Progress goes to stderr, the table to stdout.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import textwrap
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench import report
from bench.cluster import BenchCluster
from bench.machine import load_average, machine_facts
from bench.report import Figure, progress

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "BENCHMARKS.md"
SECTIONS = ("pgbench", "confirm", "o2c", "live", "board", "entry", "documents", "startup", "imports", "exports")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", choices=SECTIONS, help="run only these parts (pgbench always runs)")
    parser.add_argument("--quick", action="store_true", help="shorter runs, for trying the benchmark out")
    parser.add_argument(
        "--output", type=Path, default=OUTPUT, help=f"where to write the Markdown (default {OUTPUT.relative_to(ROOT)})"
    )
    parser.add_argument("--no-write", action="store_true", help="write no Markdown at all")
    args = parser.parse_args(argv)
    chosen = set(args.only or SECTIONS)
    if args.quick:
        _quick()
    # a polite stop (SIGTERM) cleans up like Ctrl-C does
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))

    started = time.perf_counter()
    load_before = load_average()
    cluster = BenchCluster()
    figures: list[Figure] = []
    try:
        progress(f"starting a private PostgreSQL cluster in {cluster.server.base_dir}")
        cluster.start()
        facts = machine_facts(cluster)
        from bench import pgbench

        ceiling, rows = pgbench.run(cluster)
        figures += rows
        single_rate = 150.0
        if "confirm" in chosen:
            from bench import confirm

            rows, single_rate = _guarded(
                "2. Order confirmation", lambda: confirm.run(cluster, ceiling), default=single_rate
            )
            figures += rows
        parts: list[tuple[str, str, Callable[[], list[Figure]]]] = [
            ("o2c", "3. Order to cash", lambda: _part("order_to_cash").run(cluster, ceiling)),
            ("live", "4. Live latency", lambda: _part("live_latency").run(cluster, single_rate)),
            ("board", "5. Board scale", lambda: _part("board").run(cluster)),
            ("entry", "6. Order entry", lambda: _part("order_entry").run(cluster, ceiling)),
            ("documents", "7. Documents", lambda: _documents(cluster)),
            ("startup", "8. Start-up", lambda: _part("startup").run(cluster)),
            ("imports", "9. Import", lambda: _part("imports").run(cluster)),
            ("exports", "10. Exports", lambda: _part("exports").run(cluster)),
        ]
        for key, section, action in parts:
            if key in chosen:
                figures += _guarded(section, action)
    except KeyboardInterrupt:
        progress("interrupted: stopping and deleting the benchmark's cluster")
        return 130
    finally:
        cluster.destroy()
        progress(f"cluster stopped and deleted; {time.perf_counter() - started:.0f} s in all")

    facts["load average (1, 5, 15 min) before / after"] = f"{load_before} / {load_average()}"
    options = " ".join(argv if argv is not None else sys.argv[1:])
    facts["command"] = f"QT_QPA_PLATFORM=offscreen .venv/bin/python -m bench {options}".strip() + (
        "" if options else " (what `make bench` runs)"
    )
    facts["duration"] = f"{time.perf_counter() - started:.0f} s"
    figures.sort(key=lambda f: int(f.section.split(".")[0]))
    print(text_table(figures))
    if not args.no_write:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(markdown(figures, facts, report.NOTES), encoding="utf-8")
        progress(f"written to {args.output}")
    return 0


def _part(name: str) -> Any:
    import importlib

    return importlib.import_module(f"bench.{name}")


def _guarded(section: str, action: Callable[[], Any], *, default: Any = None) -> Any:
    """Run one part; a failure becomes a line in the table (and a traceback on stderr), not the end of the run."""
    try:
        return action()
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        traceback.print_exc()
        progress(f"{section} FAILED: {exc}")
        failed = [Figure(section, "(this part failed)", f"FAILED: {type(exc).__name__}: {str(exc)[:300]}", met=False)]
        return failed if default is None else (failed, default)


def _documents(cluster: BenchCluster) -> list[Figure]:
    """bench/documents.py's figures, in a database of the run's cluster. It pins its process to one core;
    the pin is undone afterwards so later parts use the whole machine."""
    from bench import documents

    name = "bench_documents"
    cluster.execute(f"CREATE DATABASE {name}")
    affinity = os.sched_getaffinity(0)
    progress("documents: bench/documents.py (demo company, 200 documents)")
    try:
        rows = documents.run(cluster.url(name))
    finally:
        os.sched_setaffinity(0, affinity)
        cluster.drop_database(name)
    render_only = next((value for figure, value, _ in rows if "render only" in figure), "-")
    figures = []
    for figure, value, goal in rows:
        met = None
        if goal.startswith(">="):
            wanted = float(re.findall(r"[\d.]+", goal)[0])
            rate = re.search(r"([\d.]+) docs/s", value) or re.match(r"([\d.]+)/s", value)
            met = bool(rate) and float(rate.group(1)) >= wanted  # type: ignore[union-attr]
        baseline = "-"
        if "render only" not in figure and goal != "-":
            baseline = f"render only: {render_only}"
        figures.append(Figure("7. Documents", figure, value, goal, baseline, met))
    return figures


def _quick() -> None:
    from bench import board, confirm, imports, live_latency, order_entry, order_to_cash, pgbench, startup

    pgbench.SECONDS = 3
    confirm.SECONDS = 3
    order_to_cash.SECONDS = 3
    live_latency.SECONDS = 3
    board.ORDERS = 20_000
    order_entry.CALLS = 50
    startup.RUNS = 2
    imports.PRODUCTS, imports.CUSTOMERS, imports.BOM_LINES, imports.BIG_CSV_ROWS = 10_000, 2_000, 20_000, 100_000


# -- output -----------------------------------------------------------------------------------------------

COLUMNS = (("figure", 46), ("value", 50), ("goal", 24), ("baseline, same run and cluster", 44), ("met", 6))


def text_table(figures: list[Figure]) -> str:
    lines = []
    header = "  ".join(title.ljust(width) for title, width in COLUMNS)
    lines += [header, "-" * len(header)]
    section = None
    for figure in figures:
        if figure.section != section:
            section = figure.section
            lines.append(section.upper())
        cells = [
            textwrap.wrap(text, width) or [""]
            for text, (_, width) in zip(
                (figure.name, figure.value, figure.goal, figure.baseline, figure.verdict.replace("*", "")),
                COLUMNS,
                strict=True,
            )
        ]
        for i in range(max(len(c) for c in cells)):
            lines.append(
                "  ".join(
                    (c[i] if i < len(c) else "").ljust(w) for c, (_, w) in zip(cells, COLUMNS, strict=True)
                ).rstrip()
            )
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(figures: list[Figure], facts: dict[str, str], extra_notes: list[str]) -> str:
    from bench import notes

    out = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`bench/__main__.py`); do not edit by hand, run it again. Every figure is "
        "measured in one run, on one throwaway PostgreSQL cluster (the embedded server, `durable=False`: "
        "fsync and synchronous commit off, like the tests), next to the goal of issue 6 and a baseline "
        "measured in the same run on the same cluster. The method of each part is in the docstring of its "
        "module under `bench/`.",
        "",
        "## Machine",
        "",
        "| fact | value |",
        "|---|---|",
    ]
    out += [f"| {_cell(k)} | {_cell(v)} |" for k, v in facts.items()]
    out += [
        "",
        "## Results",
        "",
        "| part | figure | value | goal | baseline (same run, same cluster) | met |",
        "|---|---|---|---|---|---|",
    ]
    section = None
    for figure in figures:
        part = f"**{figure.section}**" if figure.section != section else ""
        section = figure.section
        out.append(
            f"| {part} | {_cell(figure.name)} | {_cell(figure.value)} | "
            f"{_cell(figure.goal)} | {_cell(figure.baseline)} | {figure.verdict} |"
        )
    out += ["", "## Notes", ""]
    out += notes.render(figures, extra_notes)
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    report.STARTED = time.perf_counter()
    sys.exit(main())
