"""PostgreSQL's own ceiling on this machine: pgbench's TPC-B-like transactions per second with 1 and 4
clients, in a database of its own on the run's cluster, over the same Unix socket the ERP uses."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass

from bench.cluster import BenchCluster
from bench.report import Figure, progress
from server_db.app.embedded import PORT, SUPERUSER

DATABASE = "pgbench"
SCALE = 10
SECONDS = 10


@dataclass(frozen=True)
class Ceiling:
    tps_1: float
    tps_4: float
    latency_1_ms: float


def run(cluster: BenchCluster) -> tuple[Ceiling, list[Figure]]:
    cluster.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
    cluster.execute(f"CREATE DATABASE {DATABASE}")
    progress(f"pgbench: initialising scale {SCALE}")
    _pgbench(cluster, "-i", "-s", str(SCALE), "-q")
    # one client twice (before and after the four): other work on the machine can only slow a run down,
    # so the better of the two is the closer estimate of the ceiling
    ones = []
    for clients in (1, 4, 1):
        progress(f"pgbench: {clients} client{'s' if clients > 1 else ''} for {SECONDS} s")
        output = _pgbench(cluster, "-c", str(clients), "-j", str(min(clients, 2)), "-T", str(SECONDS))
        if clients == 1:
            ones.append(output)
        else:
            four = output
    cluster.drop_database(DATABASE)
    one = max(ones, key=_tps)
    ceiling = Ceiling(_tps(one), _tps(four), _latency(one))
    scaling = ceiling.tps_4 / ceiling.tps_1
    figures = [
        Figure(
            "1. PostgreSQL ceiling",
            "pgbench TPC-B-like, 1 client (-c 1 -j 1), the better of 2 runs",
            f"{ceiling.tps_1:,.0f} TPS ({ceiling.latency_1_ms:.2f} ms/txn; runs: "
            f"{', '.join(f'{_tps(o):,.0f}' for o in ones)})",
            baseline="(the baseline)",
        ),
        Figure(
            "1. PostgreSQL ceiling",
            "pgbench TPC-B-like, 4 clients (-c 4 -j 2)",
            f"{ceiling.tps_4:,.0f} TPS",
            baseline=f"{scaling:.2f}x 1 client",
        ),
    ]
    return ceiling, figures


def _pgbench(cluster: BenchCluster, *args: str) -> str:
    command = [cluster.tool("pgbench"), "-h", cluster.socket_dir, "-p", str(PORT), "-U", SUPERUSER, *args, DATABASE]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"pgbench failed: {(result.stderr or result.stdout).strip()[-500:]}")
    return result.stdout


def _tps(output: str) -> float:
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", output)
    if not match:
        raise RuntimeError(f"no TPS in pgbench's output:\n{output}")
    return float(match.group(1))


def _latency(output: str) -> float:
    match = re.search(r"latency average = ([\d.]+) ms", output)
    return float(match.group(1)) if match else float("nan")
