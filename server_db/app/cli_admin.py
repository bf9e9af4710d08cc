"""`python main.py user ...`: managing people from the command line, with the rights of the --db user.

Passwords are asked twice without echo, or read as one line from stdin with --password-stdin; never taken
from the command line, where they would land in the shell history and the process list.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import unicodedata
from collections.abc import Callable, Collection
from typing import Any

from server_db.app.cli import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, _open, _say
from server_db.core.departments import DEPARTMENTS

_DEPARTMENT_LIST = ", ".join(DEPARTMENTS[:-1]) + f" or {DEPARTMENTS[-1]}"


class _UsageError(Exception):
    """Bad input caught before touching the database: one sentence, exit code 2."""


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    user = subparsers.add_parser(
        "user",
        help="add, disable, enable or list the people who use the ERP",
        description="Manage the people who use the ERP. Each person is a database login in one "
        "department. Needs an administrator's rights (the PC's own account on the private "
        "database has them).",
    )
    commands = user.add_subparsers(
        dest="user_command", required=True, metavar="{add,disable,enable,passwd,department,list}"
    )

    add = commands.add_parser(
        "add",
        help="create a user in a department",
        description="Create a user who logs in as LOGIN and works in department D. The password is asked "
        "twice, or read from stdin with --password-stdin.",
        epilog='Example: python main.py user add anna --department sales --name "李安娜"',
    )
    add.add_argument("login", metavar="LOGIN", help="2-63 lower-case letters, digits or _, starting with a letter")
    add.add_argument("--department", "-d", required=True, metavar="D", help=f"one of {_DEPARTMENT_LIST}")
    add.add_argument("--name", default="", metavar='"FULL NAME"', help="the person's full name")
    _password_option(add)
    add.set_defaults(handler=cmd_user_add)

    disable = commands.add_parser(
        "disable",
        help="stop a user from logging in; their open sessions end at once",
        description="Disable a user: no new logins, and every open session of the user ends at once.",
    )
    disable.add_argument("login", metavar="LOGIN")
    disable.set_defaults(handler=cmd_user_disable)

    enable = commands.add_parser(
        "enable", help="let a disabled user log in again", description="Let a disabled user log in again."
    )
    enable.add_argument("login", metavar="LOGIN")
    enable.set_defaults(handler=cmd_user_enable)

    passwd = commands.add_parser(
        "passwd",
        help="set a user's password",
        description="Set a new password for a user. It is asked twice, or read from stdin with --password-stdin.",
    )
    passwd.add_argument("login", metavar="LOGIN")
    _password_option(passwd)
    passwd.set_defaults(handler=cmd_user_passwd)

    department = commands.add_parser(
        "department",
        help="move a user to another department",
        description="Move a user to another department; their rights change with it.",
    )
    department.add_argument("login", metavar="LOGIN")
    department.add_argument("department", metavar="D", help=f"one of {_DEPARTMENT_LIST}")
    department.set_defaults(handler=cmd_user_department)

    listing = commands.add_parser(
        "list",
        help="list the users, their departments and open sessions",
        description="List every user: department, active or disabled, open sessions.",
    )
    listing.set_defaults(handler=cmd_user_list)

    session = subparsers.add_parser(
        "session",
        help="see who holds whom up on the database, and end a session",
        description="List the open sessions of the ERP database (longest-open transaction first, with whom each "
        "holds up), or end one: a forgotten psql transaction that keeps the office waiting, say. Ending a session "
        "is recorded in the audit trail. Needs an administrator's rights.",
    )
    sessions = session.add_subparsers(dest="session_command", required=True, metavar="{list,end}")
    sessions.add_parser("list", help="the open sessions and who waits for whom").set_defaults(handler=cmd_session_list)
    end = sessions.add_parser("end", help="end one session", description="End the session with process id PID.")
    end.add_argument("pid", type=int, metavar="PID")
    end.set_defaults(handler=cmd_session_end)

    company = subparsers.add_parser(
        "company",
        help="show or set the company printed on delivery notes and invoices",
        description="Without options, show the company printed on documents. With options, set those details "
        "(the administrator's duty).",
        epilog='Example: python main.py company --name "上海华信电子有限公司" --tax-id 91310000MA1FL4XX3B '
        '--address "上海市浦东新区..." --phone 021-12345678 --bank-account "工商银行 1001..." --logo logo.png',
    )
    for option, help_text in _COMPANY_OPTIONS.items():
        company.add_argument(f"--{option.replace('_', '-')}", dest=option, metavar="TEXT", help=help_text)
    company.add_argument("--logo", metavar="PNG", help="a PNG image printed at the top of each document")
    company.set_defaults(handler=cmd_company)

    unit = subparsers.add_parser(
        "unit",
        help="list the units products are counted in, add one, or stop offering one",
        description="The one list of units a product may be counted in (the administrator's duty). Without "
        "options, list them.",
        epilog='Example: python main.py unit --add 台 --name "台 machine"',
    )
    unit.add_argument("--add", metavar="CODE", help="add this unit (or change its name)")
    unit.add_argument("--name", metavar="TEXT", help="the unit's name, e.g. 台 machine")
    unit.add_argument("--deactivate", metavar="CODE", help="stop offering this unit for new products")
    unit.add_argument("--activate", metavar="CODE", help="offer this unit again")
    unit.set_defaults(handler=cmd_unit)


_COMPANY_OPTIONS = {
    "name": "the company's name",
    "address": "its address",
    "tax_id": "its unified social credit code (统一社会信用代码)",
    "phone": "its phone number",
    "email": "its e-mail address",
    "bank_account": "the bank and account printed on invoices",
    "currency": "the currency of its prices (CNY)",
}


def _password_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password as one line from standard input instead of asking",
    )


# -- reading input --------------------------------------------------------------------------------------


def _department(value: str) -> str:
    department = value.strip().lower()
    if department not in DEPARTMENTS:
        raise _UsageError(f"There is no department {value!r}; choose {_DEPARTMENT_LIST}.")
    return department


def read_password(args: argparse.Namespace, *, ask: Callable[[str], str] = getpass.getpass) -> str:
    """The new password: one line of stdin with --password-stdin, else asked twice at the terminal."""
    return new_password(args.login, from_stdin=args.password_stdin, ask=ask)


def new_password(login: str, *, from_stdin: bool, ask: Callable[[str], str] = getpass.getpass) -> str:
    """A new password for `login`: one line of stdin, or asked twice at the terminal."""
    if from_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        if password.endswith("\r"):
            password = password[:-1]
        if not password:
            raise _UsageError("No password arrived on stdin; pipe one line, e.g. printf '%s\\n' ... |")
        return password
    if not sys.stdin.isatty():
        raise _UsageError("There is no terminal to ask for the password; use --password-stdin and pipe it in.")
    first = ask(f"New password for {login}: ")
    second = ask("Type it again: ")
    if first != second:
        raise _UsageError("The two passwords differ; nothing was changed.")
    return first


# -- commands -------------------------------------------------------------------------------------------


def _with_database(args: argparse.Namespace, operation: Callable[..., Any], *op_args: Any, **op_kwargs: Any) -> Any:
    with _open(args, load_demo=False) as opened:  # adding a user to a new private database adds no demo orders
        return opened.database.run(operation, *op_args, **op_kwargs)


def _usage_errors(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def wrapped(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except _UsageError as exc:
            _say(str(exc))
            return EXIT_USAGE

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


@_usage_errors
def cmd_user_add(args: argparse.Namespace) -> int:
    from server_db.people import services as people

    department = _department(args.department)
    password = read_password(args)
    _with_database(
        args, people.create_user, login=args.login, department=department, password=password, full_name=args.name
    )
    print(f"User {args.login} created in {department}.")
    return EXIT_OK


@_usage_errors
def cmd_user_disable(args: argparse.Namespace) -> int:
    from server_db.people import services as people

    with _open(args, load_demo=False) as opened:
        opened.database.run(people.disable_user, args.login)
        ended = opened.database.run(people.end_sessions, args.login)  # once nobody can log in again
    sessions = f"{ended} open session{'s' if ended != 1 else ''} ended" if ended else "no open sessions"
    print(f"User {args.login} disabled ({sessions}).")
    return EXIT_OK


@_usage_errors
def cmd_user_enable(args: argparse.Namespace) -> int:
    from server_db.people import services as people

    _with_database(args, people.enable_user, args.login)
    print(f"User {args.login} enabled.")
    return EXIT_OK


@_usage_errors
def cmd_user_passwd(args: argparse.Namespace) -> int:
    from server_db.people import services as people

    password = read_password(args)
    _with_database(args, people.set_password, args.login, password)
    print(f"Password of {args.login} changed.")
    return EXIT_OK


@_usage_errors
def cmd_user_department(args: argparse.Namespace) -> int:
    from server_db.people import services as people

    department = _department(args.department)
    _with_database(args, people.set_department, args.login, department)
    print(f"User {args.login} is now in {department}.")
    return EXIT_OK


@_usage_errors
def cmd_user_list(args: argparse.Namespace) -> int:
    from server_db.people import queries as people_queries

    users = _with_database(args, people_queries.list_users)
    rows = [
        [
            u["login"],
            u["full_name"] or "",
            u["department"],
            "active" if u["active"] else "disabled",
            str(u["sessions"]),
            u["created_at"].astimezone().strftime("%Y-%m-%d %H:%M"),
        ]
        for u in users
    ]
    print(format_table(["LOGIN", "NAME", "DEPARTMENT", "STATUS", "SESSIONS", "CREATED"], rows, right={4}))
    print(f"{len(users)} user{'s' if len(users) != 1 else ''}.")
    return EXIT_OK


@_usage_errors
def cmd_session_list(args: argparse.Namespace) -> int:
    from server_db.people import queries as people_queries

    with _open(args, load_demo=False) as opened:
        open_sessions = opened.database.run(people_queries.open_sessions)
        waits = opened.database.run(people_queries.blocking_sessions)
    rows = [
        [
            str(s["pid"]),
            s["login"] or "",
            s["application"] or "",
            s["client"] or "",
            s["state"] or "",
            s["transaction_since"].astimezone().strftime("%H:%M:%S") if s["transaction_since"] else "",
            str(s["blocks"]) if s["blocks"] else "",
            (s["query"] or "").replace("\n", " ")[:50],
        ]
        for s in open_sessions
    ]
    print(format_table(["PID", "LOGIN", "APPLICATION", "FROM", "STATE", "SINCE", "HOLDS UP", "LAST STATEMENT"], rows))
    for wait in waits:
        print(
            f"{wait['waiting_login']} (session {wait['waiting_pid']}) waits for {wait['blocking_login']} "
            f"(session {wait['blocking_pid']}, {wait['blocking_state']})."
        )
    if waits:
        print("End the session holding the others up with: python main.py session end PID")
    return EXIT_OK


@_usage_errors
def cmd_session_end(args: argparse.Namespace) -> int:
    from server_db.people import services as people

    ended = _with_database(args, people.end_session, args.pid)
    print(f"Session {args.pid} ended." if ended else f"Session {args.pid} could not be ended.")
    return EXIT_OK if ended else EXIT_REFUSED


# -- output ---------------------------------------------------------------------------------------------


def display_width(value: str) -> int:
    """Columns a text takes in a terminal: Chinese characters take two."""
    return sum(
        2 if unicodedata.east_asian_width(ch) in ("W", "F") else 0 if unicodedata.combining(ch) else 1 for ch in value
    )


def format_table(header: list[str], rows: list[list[str]], *, right: Collection[int] = ()) -> str:
    widths = [max(display_width(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        out = []
        for i, cell in enumerate(cells):
            pad = " " * (widths[i] - display_width(cell))
            out.append(pad + cell if i in right else cell + pad)
        return "  ".join(out).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)])


@_usage_errors
def cmd_company(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sqlalchemy import text

    from server_db.masterdata import services as masterdata

    values: dict[str, Any] = {k: getattr(args, k) for k in _COMPANY_OPTIONS if getattr(args, k) is not None}
    if args.logo is not None:
        try:
            values["logo_png"] = Path(args.logo).read_bytes()
        except OSError as exc:
            raise _UsageError(f"Cannot read {args.logo}: {exc.strerror or exc}.") from None

    def show(session: Any) -> dict[str, Any] | None:
        if values:
            masterdata.set_company(session, **values)
        row = session.execute(text("SELECT * FROM erp.company WHERE id = 1")).mappings().first()
        return None if row is None else dict(row)

    company = _with_database(args, show)
    if company is None:
        print("No company is set yet; set it with: python main.py company --name ... --tax-id ...")
        return EXIT_OK
    for key, label in (
        ("name", "Name"),
        ("address", "Address"),
        ("tax_id", "Tax id"),
        ("phone", "Phone"),
        ("email", "E-mail"),
        ("bank_account", "Bank"),
        ("currency", "Currency"),
    ):
        print(f"{label + ':':<10}{company.get(key) or '-'}")
    logo = company.get("logo_png")
    print(f"{'Logo:':<10}{f'a PNG of {len(logo):,} bytes' if logo else '-'}")
    if values:
        print("Saved.")
    return EXIT_OK


@_usage_errors
def cmd_unit(args: argparse.Namespace) -> int:
    from server_db.masterdata import services as masterdata
    from server_db.masterdata import standards

    if args.name is not None and args.add is None:
        raise _UsageError("--name goes with --add CODE.")

    def change_and_list(session: Any) -> list[Any]:
        if args.add is not None:
            masterdata.save_unit(session, args.add, name=args.name)
        for code, active in ((args.deactivate, False), (args.activate, True)):
            if code is not None:
                masterdata.save_unit(session, code, active=active)
        return standards.units(session, include_inactive=True)

    units = _with_database(args, change_and_list)
    rows = [[u["code"], u["name"], "offered" if u["active"] else "not offered"] for u in units]
    print(format_table(["UNIT", "NAME", "STATUS"], rows))
    return EXIT_OK
