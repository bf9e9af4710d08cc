"""`python main.py user ...` run as an administrator would: in a subprocess, passwords piped or typed at a
terminal, one sentence and an exit code when something is wrong."""

from __future__ import annotations

import fcntl
import os
import select
import subprocess
import sys
import termios
import time
import uuid
from pathlib import Path

import psycopg2
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from server_db.app.cli import EXIT_REFUSED, EXIT_USAGE
from server_db.app.cli_admin import display_width
from server_db.core.db import Database
from server_db.people import queries as people_queries

ROOT = Path(__file__).resolve().parents[2]


def main_py(*args: str, input: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ERP_DATABASE_URL"}
    # a new session without a terminal: nothing can be asked at the keyboard of whoever runs the tests
    return subprocess.run(
        [sys.executable, "main.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        input=input if input is not None else "",
        timeout=timeout,
        start_new_session=True,
    )


def at_terminal(*args: str, lines: list[str], timeout: float = 60) -> tuple[int, str, str]:
    """Run main.py with a pseudo-terminal as its controlling terminal (as getpass needs) and type each line
    after the prompt for it appears. Returns the exit code, what the terminal showed, and stderr."""
    controller, terminal = os.openpty()

    def take_terminal() -> None:  # runs in the child after setsid(): make the pty its controlling terminal
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    env = {k: v for k, v in os.environ.items() if k != "ERP_DATABASE_URL"}
    process = subprocess.Popen(
        [sys.executable, "main.py", *args],
        cwd=ROOT,
        stdin=terminal,
        stdout=terminal,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
        preexec_fn=take_terminal,
    )
    os.close(terminal)
    shown = ""
    deadline = time.monotonic() + timeout
    pending = list(lines)
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(controller, 4096).decode(errors="replace")
                except OSError:  # the child closed the terminal
                    break
                shown += chunk
                if pending and shown.rstrip().endswith(":"):
                    time.sleep(0.05)  # let getpass start reading
                    os.write(controller, (pending.pop(0) + "\n").encode())
                    shown += "\n"
            elif process.poll() is not None:
                break
        code = process.wait(timeout=max(1.0, deadline - time.monotonic()))
        stderr = process.stderr.read().decode() if process.stderr else ""
    finally:
        if process.poll() is None:
            process.kill()
        os.close(controller)
    return code, shown, stderr


def new_login(tag: str = "u") -> str:
    return f"c{tag}{uuid.uuid4().hex[:8]}"


def connect(db_url: str, login: str, password: str) -> psycopg2.extensions.connection:
    url = make_url(db_url)
    return psycopg2.connect(
        host=url.host or url.query.get("host"),
        port=url.port or url.query.get("port"),
        dbname=url.database,
        user=login,
        password=password,
    )


def users(db_url: str) -> dict[str, dict]:
    database = Database(db_url, pool_size=1)
    try:
        return {u["login"]: u for u in database.run(people_queries.list_users)}
    finally:
        database.dispose()


@pytest.mark.parametrize(
    "args",
    [
        ["user", "--help"],
        *(["user", command, "--help"] for command in ("add", "disable", "enable", "passwd", "department", "list")),
    ],
)
def test_every_user_command_has_help(args: list[str]) -> None:
    result = main_py(*args)
    assert result.returncode == 0 and "usage:" in result.stdout


def test_add_list_disable_enable_and_move_a_user(db_url: str) -> None:
    login = new_login()
    added = main_py(
        "--db",
        db_url,
        "user",
        "add",
        login,
        "--department",
        "sales",
        "--name",
        "李安娜 Anna Li",
        "--password-stdin",
        input="s3cret-pass\n",
    )
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == f"User {login} created in sales."
    assert users(db_url)[login]["department"] == "sales"

    conn = connect(db_url, login, "s3cret-pass")
    with conn.cursor() as cursor:
        cursor.execute("SELECT erp.my_department()")
        assert cursor.fetchone() == ("sales",)

    listing = main_py("--db", db_url, "user", "list")
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    assert lines[0].split() == ["LOGIN", "NAME", "DEPARTMENT", "STATUS", "SESSIONS", "CREATED"]
    row = next(line for line in lines if line.startswith(login + " "))
    assert "李安娜 Anna Li" in row and " sales " in row and " active " in row
    # Chinese characters are two columns wide: the columns still line up
    assert display_width(row[: row.index(" sales ") + 1]) == lines[0].index("DEPARTMENT")

    disabled = main_py("--db", db_url, "user", "disable", login)
    assert disabled.returncode == 0, disabled.stderr
    assert disabled.stdout.strip() == f"User {login} disabled (1 open session ended)."
    with pytest.raises(psycopg2.Error), conn.cursor() as cursor:
        cursor.execute("SELECT 1")
    with pytest.raises(psycopg2.OperationalError, match="not permitted to log in"):
        connect(db_url, login, "s3cret-pass")
    assert " disabled " in next(
        line for line in main_py("--db", db_url, "user", "list").stdout.splitlines() if line.startswith(login + " ")
    )

    enabled = main_py("--db", db_url, "user", "enable", login)
    assert enabled.returncode == 0 and enabled.stdout.strip() == f"User {login} enabled."
    connect(db_url, login, "s3cret-pass").close()

    moved = main_py("--db", db_url, "user", "department", login, "finance")
    assert moved.returncode == 0 and moved.stdout.strip() == f"User {login} is now in finance."
    assert users(db_url)[login]["department"] == "finance"

    changed = main_py("--db", db_url, "user", "passwd", login, "--password-stdin", input="another-pass\n")
    assert changed.returncode == 0 and changed.stdout.strip() == f"Password of {login} changed."
    connect(db_url, login, "another-pass").close()


def test_passwords_typed_at_the_terminal(db_url: str) -> None:
    login = new_login()
    code, shown, stderr = at_terminal(
        "--db", db_url, "user", "add", login, "-d", "warehouse", lines=["typed-pass-1", "typed-pass-1"]
    )
    assert code == 0, stderr
    assert f"New password for {login}:" in shown and "Type it again:" in shown
    assert "typed-pass-1" not in shown  # echo is off while a password is typed
    assert users(db_url)[login]["department"] == "warehouse"


def test_mismatching_passwords_are_refused_and_change_nothing(db_url: str) -> None:
    login = new_login()
    assert (
        main_py(
            "--db", db_url, "user", "add", login, "-d", "sales", "--password-stdin", input="first-pass\n"
        ).returncode
        == 0
    )
    code, _, stderr = at_terminal("--db", db_url, "user", "passwd", login, lines=["new-pass-1", "new-pass-2"])
    assert code != 0
    assert stderr.strip().splitlines() == ["The two passwords differ; nothing was changed."]
    connect(db_url, login, "first-pass").close()

    other = new_login()
    code, _, stderr = at_terminal("--db", db_url, "user", "add", other, "-d", "sales", lines=["abcdefg", "abcdefh"])
    assert code == EXIT_USAGE
    assert stderr.strip().splitlines() == ["The two passwords differ; nothing was changed."]
    assert other not in users(db_url)


def test_without_a_terminal_the_password_must_be_piped(db_url: str) -> None:
    login = new_login()
    result = main_py("--db", db_url, "user", "add", login, "-d", "sales", input="piped-but-not-announced\n")
    assert result.returncode == EXIT_USAGE
    assert result.stderr.strip().splitlines() == [
        "There is no terminal to ask for the password; use --password-stdin and pipe it in."
    ]
    assert login not in users(db_url)


def test_an_unknown_department_is_one_clear_sentence(db_url: str) -> None:
    login = new_login()
    result = main_py(
        "--db", db_url, "user", "add", login, "--department", "marketing", "--password-stdin", input="s3cret-pass\n"
    )
    assert result.returncode == EXIT_USAGE
    assert result.stderr.strip().splitlines() == [
        "There is no department 'marketing'; choose sales, warehouse, purchasing, production, finance, "
        "supervisor or admin."
    ]
    assert login not in users(db_url)
    moved = main_py("--db", db_url, "user", "department", login, "hr")
    assert moved.returncode == EXIT_USAGE and len(moved.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["add", "{login}", "-d", "sales", "--password-stdin"], "short\n", "A password needs at least 6 characters."),
        (
            ["add", "Bad-Name", "-d", "sales", "--password-stdin"],
            "s3cret-pass\n",
            "A user name is 2-63 lower-case letters, digits or _, starting with a letter.",
        ),
        (["disable", "{login}"], "", "There is no ERP user {login}."),
        (["enable", "{login}"], "", "There is no ERP user {login}."),
        (["passwd", "{login}", "--password-stdin"], "s3cret-pass\n", "There is no ERP user {login}."),
        (["add", "{login}", "-d", "sales", "--password-stdin"], "", "No password arrived on stdin"),
    ],
)
def test_refusals_are_one_sentence(db_url: str, args: list[str], stdin: str, message: str) -> None:
    login = new_login()
    result = main_py("--db", db_url, "user", *[a.format(login=login) for a in args], input=stdin)
    assert result.returncode in (EXIT_USAGE, EXIT_REFUSED)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message.format(login=login)), result.stderr


def test_a_user_already_there_is_refused(db_url: str) -> None:
    login = new_login()
    for expected in (0, EXIT_REFUSED):
        result = main_py("--db", db_url, "user", "add", login, "-d", "sales", "--password-stdin", input="s3cret-pass\n")
        assert result.returncode == expected
    assert result.stderr.strip() == f"There is already a user {login}."


def _clerk_url(db_url: str) -> str:
    clerk = new_login("k")
    assert (
        main_py(
            "--db", db_url, "user", "add", clerk, "-d", "sales", "--password-stdin", input="clerk-pass\n"
        ).returncode
        == 0
    )
    url = make_url(db_url)._replace(username=clerk, password="clerk-pass")
    return url.render_as_string(hide_password=False)


def test_a_clerk_may_not_manage_users(db_url: str) -> None:
    as_clerk = _clerk_url(db_url)
    target = new_login()
    result = main_py("--db", as_clerk, "user", "add", target, "-d", "admin", "--password-stdin", input="s3cret-pass\n")
    assert result.returncode != 0
    assert target not in users(db_url)


def test_a_clerk_is_told_whose_duty_it_is(db_url: str) -> None:
    as_clerk = _clerk_url(db_url)
    result = main_py(
        "--db", as_clerk, "user", "add", new_login(), "-d", "admin", "--password-stdin", input="s3cret-pass\n"
    )
    assert result.returncode == EXIT_REFUSED
    assert result.stderr.strip() == "Only an administrator may manage users; you are logged in as sales."
    listing = main_py("--db", as_clerk, "user", "list")
    assert listing.returncode == EXIT_REFUSED
    assert listing.stderr.strip() == (
        "Only an administrator or a supervisor may list users; you are logged in as sales."
    )


def test_an_administrator_finds_who_holds_the_office_up_and_ends_that_session(world, db_url: str) -> None:
    """A clerk's psql transaction left open after a stock adjustment holds the stock row the next confirmation
    needs: `session list` says who waits for whom, `session end` ends it (audited), and the confirmation goes on."""
    import threading
    import time

    from server_db.people import services as people
    from server_db.sales import services as sales
    from tests.clerks import PASSWORD, Clerk

    world.stock("BUY-A", 3)
    world.db.run(people.create_user, login="forgetful", department="warehouse", password=PASSWORD)
    forgotten = Clerk(db_url, "forgetful").conn
    forgotten.autocommit = False
    with forgotten.cursor() as cursor:
        cursor.execute("SELECT erp.adjust_stock(%s, 1, 5, 'count difference')", (world.products["BUY-A"],))
        cursor.execute("SELECT pg_backend_pid()")
        holder = cursor.fetchone()[0]
    order = world.order([("BUY-A", 1)])
    waiter = threading.Thread(target=lambda: world.db.run(sales.confirm_order, order))
    waiter.start()
    try:
        deadline = time.monotonic() + 30
        listed = main_py("--db", db_url, "session", "list")
        while "waits for" not in listed.stdout and time.monotonic() < deadline:
            time.sleep(0.2)
            listed = main_py("--db", db_url, "session", "list")
        assert listed.returncode == 0, listed.stderr
        assert f"waits for forgetful (session {holder}, idle in transaction)" in listed.stdout, listed.stdout
        ended = main_py("--db", db_url, "session", "end", str(holder))
        assert ended.returncode == 0 and ended.stdout.strip() == f"Session {holder} ended."
        waiter.join(20)
        assert not waiter.is_alive()  # the confirmation went through
    finally:
        if waiter.is_alive():
            world.db.run(lambda s: s.execute(text("SELECT pg_terminate_backend(:p)"), {"p": holder}))
            waiter.join(20)
        forgotten.close()
    assert world.state(order) == "ready"
    audited = world.db.run(
        lambda s: s.execute(
            text("SELECT actor, before ->> 'login' FROM erp.audit_log WHERE table_name = 'sessions' AND row_id = :p"),
            {"p": str(holder)},
        ).one()
    )
    assert audited == ("postgres", "forgetful")
