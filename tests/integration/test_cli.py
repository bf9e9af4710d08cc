"""The command line, run as a person would: one sentence and an exit code when something is wrong."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from server_db.app.embedded import EmbeddedServer

ROOT = Path(__file__).resolve().parents[2]


def main_py(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "ERP_DATABASE_URL"}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, text=True, env=full_env, timeout=timeout
    )


@pytest.mark.parametrize(
    "args", [["--help"], ["db", "--help"], ["db", "upgrade", "--help"], ["db", "status", "--help"], ["demo", "--help"]]
)
def test_every_command_has_help(args: list[str]) -> None:
    result = main_py(*args)
    assert result.returncode == 0 and "usage:" in result.stdout


def test_a_server_that_is_down_is_one_sentence_and_exit_code_3() -> None:
    result = main_py("--db", "postgresql://anna@127.0.0.1:1/erp", "db", "status")
    assert result.returncode == 3
    assert result.stderr.strip().splitlines() == [
        "No database server answers at postgresql://anna@127.0.0.1:1/erp; is it running?"
    ]


def test_a_wrong_url_is_one_sentence_and_exit_code_3() -> None:
    result = main_py("--db", "mysql://root@localhost/erp", "db", "status")
    assert result.returncode == 3 and len(result.stderr.strip().splitlines()) == 1


def test_a_database_without_schema_says_what_to_do(pg) -> None:
    name = pg.new_database()
    pg.execute(f"DROP DATABASE {name}")
    pg.execute(f"CREATE DATABASE {name}")
    try:
        url = pg.url(name)
        result = main_py("--db", url, "db", "status")
        assert result.returncode == 4
        assert "run `python main.py db upgrade`" in result.stderr
        assert main_py("--db", url, "db", "upgrade").returncode == 0
        assert main_py("--db", url, "db", "status").returncode == 0
    finally:
        pg.drop(name)


def test_demo_is_idempotent_and_status_shows_orders_in_every_state(db_url: str) -> None:
    first = main_py("--db", db_url, "demo")
    assert first.returncode == 0, first.stderr
    second = main_py("--db", db_url, "demo")
    assert second.returncode == 0 and "already loaded" in second.stdout
    status = main_py("--db", db_url, "db", "status")
    assert status.returncode == 0, status.stderr
    sales_line = next(line for line in status.stdout.splitlines() if line.strip().startswith("sales order"))
    for state in (
        "draft",
        "confirmed",
        "in fulfilment",
        "ready",
        "partially shipped",
        "shipped",
        "invoiced",
        "closed",
        "cancelled",
    ):
        assert f"{state} " in sales_line, state
    assert "Invariants: all hold" in status.stdout


def test_the_embedded_default_starts_migrates_loads_demo_and_stops() -> None:
    data = Path(tempfile.mkdtemp(prefix="erp-cli-"))
    try:
        result = main_py("db", "status", env={"ERP_DATA_DIR": str(data)})
        assert result.returncode == 0, result.stderr
        assert "(embedded default)" in result.stdout and "closed 1" in result.stdout
        assert not EmbeddedServer(data).is_running()  # the last client stopped it
    finally:
        EmbeddedServer(data).destroy()


def test_a_new_private_database_starts_empty_with_no_demo_and_takes_the_company() -> None:
    data = Path(tempfile.mkdtemp(prefix="erp-cli-"))
    env = {"ERP_DATA_DIR": str(data)}
    try:
        result = main_py("db", "upgrade", "--no-demo", env=env)
        assert result.returncode == 0, result.stderr
        status = main_py("db", "status", env=env)
        assert "closed 1" not in status.stdout and "sales order       -" in status.stdout, status.stdout
        assert "No company is set yet" in main_py("company", env=env).stdout
        refused = main_py("company", "--name", "华信电子", "--tax-id", "91310000MA1FL4XX3C", env=env)
        assert refused.returncode == 5 and len(refused.stderr.strip().splitlines()) == 1, refused.stderr
        saved = main_py("company", "--name", "上海华信电子有限公司", "--phone", "021-58881234", env=env)
        assert saved.returncode == 0, saved.stderr
        shown = main_py("company", env=env).stdout
        assert "上海华信电子有限公司" in shown and "021-58881234" in shown
    finally:
        EmbeddedServer(data).destroy()


def test_units_are_listed_added_and_withdrawn(db_url: str) -> None:
    added = main_py("--db", db_url, "unit", "--add", "台", "--name", "台 machine")
    assert added.returncode == 0, added.stderr
    assert any(line.split()[:2] == ["台", "台"] and "offered" in line for line in added.stdout.splitlines())
    withdrawn = main_py("--db", db_url, "unit", "--deactivate", "台")
    assert any(line.startswith("台") and "not offered" in line for line in withdrawn.stdout.splitlines())
    again = main_py("--db", db_url, "unit", "--add", "PCS", "--name", "pieces")
    assert again.returncode == 5 and again.stderr.strip() == "The unit pcs already exists."
    assert main_py("--db", db_url, "unit", "--name", "x").returncode == 2
