"""`python main.py server`: the embedded PostgreSQL as a small office's shared server.

It listens on the address and port the administrator chooses, accepts only password logins
(scram-sha-256), optionally only over TLS, and keeps its data in a folder the administrator chooses.
Other PCs connect with `--db postgresql://USER@HOST:PORT/erp`.
"""

from __future__ import annotations

import argparse
import signal
import socket
import sys
import threading
from pathlib import Path

from server_db.app.cli import EXIT_OK, EXIT_USAGE, _say
from server_db.app.cli_admin import _usage_errors, new_password
from server_db.core.errors import DatabaseUnavailable


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    server = subparsers.add_parser(
        "server",
        help="run the database as the office's shared server",
        description="Run the built-in PostgreSQL as the shared server of a small office: other PCs connect to it "
        "with --db postgresql://USER@HOST:PORT/erp. Logins need a password (scram-sha-256); with "
        "--tls-cert and --tls-key, connections must use TLS.",
    )
    server.add_argument(
        "--data",
        required=True,
        type=Path,
        metavar="FOLDER",
        help="where the database lives (created if missing; an empty or earlier server folder)",
    )
    server.add_argument(
        "--listen",
        default="*",
        metavar="ADDRESS",
        help="addresses to listen on: * for all (default), or e.g. 192.168.1.10",
    )
    server.add_argument("--port", type=int, default=5432, help="TCP port (default 5432)")
    server.add_argument("--tls-cert", type=Path, metavar="FILE", help="server certificate (PEM); requires --tls-key")
    server.add_argument("--tls-key", type=Path, metavar="FILE", help="its private key (PEM)")
    server.add_argument("--admin", metavar="LOGIN", help="create this administrator (asks for a password) if missing")
    server.add_argument("--demo", action="store_true", help="load the demo company into a new server")
    server.add_argument(
        "--detach",
        action="store_true",
        help="leave the server running in the background and return (stop it with --stop)",
    )
    server.add_argument("--stop", action="store_true", help="stop a server started with --detach")
    server.set_defaults(handler=cmd_server)


@_usage_errors  # a password typed twice differently, or none piped in
def cmd_server(args: argparse.Namespace) -> int:
    from server_db.app import demo, migrate
    from server_db.app.embedded import EmbeddedServer, EmbeddedServerError
    from server_db.core.db import Database

    if (args.tls_cert is None) != (args.tls_key is None):
        _say("Give both --tls-cert and --tls-key, or neither.")
        return EXIT_USAGE
    for path in (args.tls_cert, args.tls_key):
        if path is not None and not path.is_file():
            _say(f"There is no file {path}.")
            return EXIT_USAGE
    if not 1 <= args.port <= 65535:
        _say("The port is a number from 1 to 65535.")
        return EXIT_USAGE
    server = EmbeddedServer(args.data.resolve())
    try:
        if args.stop:
            server.stop()
            print(f"The server in {args.data} is stopped.")
            return EXIT_OK
        server.share(listen=args.listen, port=args.port, tls_cert=args.tls_cert, tls_key=args.tls_key)
        server.restart()
    except EmbeddedServerError as exc:
        raise DatabaseUnavailable(str(exc)) from None
    database = Database(server.url(), application_name="erp-server")
    local_only = _local_only(args.listen)
    try:
        migrate.upgrade(database.engine)
        _close_maintenance_databases(database)
        loaded = args.demo and demo.load(database, progress=print)
        if loaded and not local_only:
            _random_demo_passwords(database)
        if args.admin:
            _ensure_admin(database, args.admin)
    finally:
        database.dispose()
    scheme = "TLS required" if args.tls_cert else "no TLS"
    print(f"Office server running in {args.data} on {args.listen}:{args.port} ({scheme}).")
    if local_only:
        print(f"Only this PC can connect: python main.py --db postgresql://USER@{args.listen}:{args.port}/erp")
    else:
        host = socket.gethostname()
        print(f"Other PCs connect with: python main.py --db postgresql://USER@{host}:{args.port}/erp")
    if args.detach:
        return EXIT_OK
    print("Press Ctrl+C to stop it.")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    server.stop()
    print("Stopped.")
    return EXIT_OK


def _local_only(listen: str) -> bool:
    """Whether the server listens only on this PC's own addresses."""
    addresses = {a.strip() for a in listen.split(",") if a.strip()}
    return bool(addresses) and addresses <= {"127.0.0.1", "localhost", "::1"}


def _close_maintenance_databases(database) -> None:
    """Logins connect to the ERP database only, not to the server's own maintenance databases."""
    with database.engine.begin() as connection:
        connection.exec_driver_sql("REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC")
        connection.exec_driver_sql("REVOKE CONNECT, TEMPORARY ON DATABASE template1 FROM PUBLIC")


def _random_demo_passwords(database) -> None:
    """On a server other PCs can reach, the demo users do not keep the password the README publishes: each
    gets a random one, shown once here."""
    import secrets

    from server_db.core.departments import DEPARTMENTS
    from server_db.people import services as people

    print("Other PCs can reach this server, so the demo users get passwords of their own (shown only now):")
    for department in DEPARTMENTS:
        login = people.demo_login(department)
        password = secrets.token_urlsafe(9)
        database.run(people.set_password, login, password)
        print(f"  {login:<18} {password}")


def _ensure_admin(database, login: str) -> None:
    from server_db.people import queries as people_queries
    from server_db.people import services as people

    if any(user["login"] == login for user in database.run(people_queries.list_users)):
        print(f"Administrator {login} exists already.")
        return
    password = new_password(login, from_stdin=not sys.stdin.isatty())
    database.run(people.create_user, login=login, department="admin", password=password, full_name="Administrator")
    print(f"Administrator {login} created.")
