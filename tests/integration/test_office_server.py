"""`python main.py server`: the embedded PostgreSQL shared with other PCs, passwords only, TLS optional."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg2
import pytest

from server_db.app.embedded import EmbeddedServer

ROOT = Path(__file__).resolve().parents[2]
SYSTEM_BIN = Path("/usr/lib/postgresql")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def outward_address() -> str | None:
    """This machine's address as another PC would see it (a UDP 'connect' sends nothing)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.200", 9))
            return probe.getsockname()[0]
    except OSError:
        return None


def main_py(*args: str, stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "ERP_DATABASE_URL"}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "main.py", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=180,
    )


@pytest.fixture
def folder():
    path = Path(tempfile.mkdtemp(prefix="erp-office-"))
    yield path
    EmbeddedServer(path).destroy()


def connect(port: int, password: str, **kwargs) -> psycopg2.extensions.connection:
    return psycopg2.connect(
        host="127.0.0.1", port=port, dbname="erp", user="boss", password=password, connect_timeout=5, **kwargs
    )


def test_the_office_server_accepts_password_logins_over_tcp(folder: Path) -> None:
    port = free_port()
    started = main_py(
        "server",
        "--data",
        str(folder),
        "--listen",
        "127.0.0.1",
        "--port",
        str(port),
        "--admin",
        "boss",
        "--detach",
        stdin="boss-password\n",
    )
    assert started.returncode == 0, started.stderr
    # it listens on this PC only, and says so (no other PC could connect to its name)
    assert f"Only this PC can connect: python main.py --db postgresql://USER@127.0.0.1:{port}/erp" in started.stdout
    try:
        conn = connect(port, "boss-password")
        with conn.cursor() as cursor:
            cursor.execute("SELECT erp.my_department(), current_setting('listen_addresses')")
            assert cursor.fetchone() == ("admin", "127.0.0.1")
        conn.close()
        with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
            connect(port, "wrong-password")
        listed = main_py("--db", f"postgresql://boss:boss-password@127.0.0.1:{port}/erp", "user", "list")
        assert listed.returncode == 0 and "boss" in listed.stdout
    finally:
        assert main_py("server", "--data", str(folder), "--stop").returncode == 0
    with pytest.raises(psycopg2.OperationalError):
        connect(port, "boss-password")


def test_tls_needs_a_build_with_tls_and_then_is_required(folder: Path, tmp_path: Path) -> None:
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(tmp_path / "k.pem"),
            "-out",
            str(tmp_path / "c.pem"),
            "-subj",
            "/CN=localhost",
            "-days",
            "2",
        ],
        check=True,
        capture_output=True,
    )
    tls = ["--tls-cert", str(tmp_path / "c.pem"), "--tls-key", str(tmp_path / "k.pem")]
    port = free_port()
    system = sorted(SYSTEM_BIN.glob("*/bin"), key=lambda p: int(p.parent.name))
    with_tls = [
        b
        for b in system
        if "--with-openssl"
        in subprocess.run([str(b / "pg_config"), "--configure"], capture_output=True, text=True).stdout
    ]
    refused = main_py("server", "--data", str(folder), "--port", str(port), "--detach", *tls)
    if refused.returncode != 0:
        assert "built without TLS" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    if not with_tls:
        pytest.skip("no PostgreSQL with TLS support is installed on this machine")
    shutil.rmtree(folder, ignore_errors=True)
    env = {"ERP_PG_BIN": str(with_tls[-1])}
    started = main_py(
        "server",
        "--data",
        str(folder),
        "--listen",
        "*",
        "--port",
        str(port),
        "--admin",
        "boss",
        "--detach",
        *tls,
        stdin="boss-password\n",
        env=env,
    )
    assert started.returncode == 0, started.stderr
    try:
        host = outward_address()
        if host is None or host.startswith("127."):
            pytest.skip("this machine has no address other than loopback to test a remote connection from")
        encrypted = psycopg2.connect(
            host=host,
            port=port,
            dbname="erp",
            user="boss",
            password="boss-password",
            sslmode="require",
            connect_timeout=5,
        )
        with encrypted.cursor() as cursor:
            cursor.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            assert cursor.fetchone() == (True,)
        encrypted.close()
        with pytest.raises(psycopg2.OperationalError, match="no pg_hba.conf entry|SSL off|rejects connection"):
            psycopg2.connect(
                host=host,
                port=port,
                dbname="erp",
                user="boss",
                password="boss-password",
                sslmode="disable",
                connect_timeout=5,
            )
    finally:
        main_py("server", "--data", str(folder), "--stop", env=env)


def test_a_clerk_with_psql_on_the_office_server_cannot_bypass_the_rules(folder: Path) -> None:
    """The holes of a clerk with psql and their own password, against a server started as an office starts it."""
    port = free_port()
    started = main_py(
        "server", "--data", str(folder), "--listen", "*", "--port", str(port), "--admin", "boss", "--demo",
        "--detach", stdin="boss-password\n",
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    try:
        # demo users on a server other PCs can reach do not keep the published password
        assert "demo1234" not in started.stdout
        shown = dict(
            line.split()
            for line in started.stdout.splitlines()
            if line.startswith("  demo_") and len(line.split()) == 2
        )
        assert set(shown) >= {"demo_sales", "demo_admin"}
        with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
            psycopg2.connect(host="127.0.0.1", port=port, dbname="erp", user="demo_sales", password="demo1234")
        clerk = psycopg2.connect(
            host="127.0.0.1", port=port, dbname="erp", user="demo_sales", password=shown["demo_sales"]
        )
        with clerk.cursor() as cursor:  # in a transaction, as a psql session after BEGIN
            cursor.execute("SHOW idle_in_transaction_session_timeout")
            assert cursor.fetchone() == ("2min",)  # each person's own limit; the server's default is 10min
            cursor.execute("SELECT id FROM erp.sales_orders WHERE state = 'shipped' LIMIT 1")
            shipped = cursor.fetchone()[0]
            for statement in (
                f"UPDATE erp.sales_orders SET state = 'paid' WHERE id = {shipped}",
                "UPDATE erp.sales_orders SET promised_date = promised_date - 30",
                "UPDATE erp.sales_order_lines SET qty_shipped = 0",
                "LOCK TABLE erp.sales_orders IN ACCESS EXCLUSIVE MODE",
                "SELECT 1 FROM erp.sales_orders FOR UPDATE",
                "SELECT 1 FROM erp.customers FOR UPDATE",
                "SELECT lo_from_bytea(0, 'fill the disk')",
            ):
                with pytest.raises(psycopg2.Error) as error:
                    cursor.execute(statement)
                assert error.value.pgcode == "42501", (statement, str(error.value))
                clerk.rollback()
        clerk.close()
        for maintenance in ("postgres", "template1"):
            with pytest.raises(psycopg2.OperationalError, match="permission denied for database"):
                psycopg2.connect(
                    host="127.0.0.1", port=port, dbname=maintenance, user="demo_sales", password=shown["demo_sales"]
                )
    finally:
        assert main_py("server", "--data", str(folder), "--stop").returncode == 0


def test_an_empty_database_url_is_a_usage_error() -> None:
    refused = main_py("--db", "", "db", "status")
    assert refused.returncode == 2 and "--db needs a database URL" in refused.stderr
