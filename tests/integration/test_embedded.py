"""The embedded default: a private cluster that clients on one PC share, and the last one stops."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import psycopg2
import pytest

from server_db.app.embedded import SERVICE_USER, EmbeddedServer, _running_as_root
from server_db.core.events import psycopg2_dsn


@pytest.fixture
def folder() -> Path:
    path = Path(tempfile.mkdtemp(prefix="erp-embedded-"))
    yield path
    EmbeddedServer(path).destroy()


def postmaster_pid(server: EmbeddedServer) -> int:
    return int((server.pgdata / "postmaster.pid").read_text().splitlines()[0])


def test_second_client_reuses_the_server_and_the_last_one_stops_it(folder: Path) -> None:
    parent_mode = folder.parent.stat().st_mode
    first = EmbeddedServer(folder, durable=False)
    assert first.acquire() is True  # created
    pid = postmaster_pid(first)
    second = EmbeddedServer(folder, durable=False)
    assert second.acquire() is False  # reused, not created
    assert postmaster_pid(second) == pid

    conn = psycopg2.connect(psycopg2_dsn(second.url()))
    with conn.cursor() as cursor:
        cursor.execute("SELECT current_database(), current_setting('listen_addresses')")
        assert cursor.fetchone() == ("erp", "")  # no TCP: only the private socket
    conn.close()

    assert first.release() is False  # the second client still uses it
    assert second.is_running()
    assert second.release() is True
    assert not first.is_running()
    assert folder.parent.stat().st_mode == parent_mode  # we never loosen folders we did not create


@pytest.mark.skipif(not _running_as_root(), reason="only root needs a separate server account")
def test_as_root_the_server_runs_as_an_unprivileged_account(folder: Path) -> None:
    import pwd

    server = EmbeddedServer(folder, durable=False)
    server.acquire()
    try:
        status = Path(f"/proc/{postmaster_pid(server)}/status").read_text()
        uid = int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1])
        assert pwd.getpwuid(uid).pw_name == SERVICE_USER
        assert stat.S_IMODE(server.socket_dir.stat().st_mode) == 0o700
        assert stat.S_IMODE(server.base_dir.stat().st_mode) == 0o700
        assert server.base_dir.stat().st_uid == uid
    finally:
        server.release()


def test_a_restart_keeps_the_data(folder: Path) -> None:
    server = EmbeddedServer(folder, durable=False)
    server.acquire()
    conn = psycopg2.connect(psycopg2_dsn(server.url()))
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("CREATE TABLE kept (x int)")
    conn.close()
    server.release()
    assert server.acquire() is False
    conn = psycopg2.connect(psycopg2_dsn(server.url()))
    with conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM kept")
        assert cursor.fetchone() == (0,)
    conn.close()
    server.release()
    assert os.path.isdir(server.pgdata)
